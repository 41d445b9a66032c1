"""The framework's floor for `make bench`: a nameko service that does nothing.

``noop`` is the cheapest possible RPC round trip on this broker; ``ping`` events measure
dispatch to handler (the dispatcher stamps ``sent``, the handler keeps ``now - sent``).
Runs as its own ``nameko run`` process, like the product's services.
"""
import time

from nameko.events import event_handler
from nameko.rpc import rpc

LATENCIES = []


class FloorService:
    name = "bench_floor"

    @rpc
    def noop(self):
        return None

    @event_handler("bench_floor", "ping")
    def on_ping(self, payload):
        LATENCIES.append((time.time() - payload["sent"]) * 1000)

    @rpc
    def latencies(self):
        taken = list(LATENCIES)
        del LATENCIES[:]
        return taken
