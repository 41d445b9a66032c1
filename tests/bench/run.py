"""``make bench``: figures for the main paths, against the real broker and store.

Starts every service in-process on a scratch database prefix, then reports
wall-clock timings (median and 95th percentile) and peak memory. It asserts
nothing about speed: the figures go into the issue notes and the README.
"""
import warnings

with warnings.catch_warnings():  # eventlet announces its own deprecation on import
    warnings.simplefilter("ignore", DeprecationWarning)
    import eventlet

eventlet.monkey_patch()  # noqa: E402

import base64  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import requests  # noqa: E402
from nameko import config  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.standalone.rpc import ClusterRpcClient  # noqa: E402
from nameko.testing.utils import find_free_port  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from shared.config import setting  # noqa: E402
from tests.conftest import JINSHUI_CSV, service_classes  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
ADMIN = {"role": "admin", "office": None, "name": "bench"}


def timed(fn, rounds):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def report(label, figures):
    print("{:<48} median {:8.1f} ms   p95 {:8.1f} ms".format(label, *figures), flush=True)


def main():
    prefix = "bench" + uuid.uuid4().hex[:8]
    port = find_free_port()
    config.update({"AMQP_URI": setting("AMQP_URI"), "MONGO_DB_PREFIX": prefix,
                   "WEB_SERVER_ADDRESS": "127.0.0.1:{}".format(port)})
    runner = ServiceRunner()
    for cls in service_classes():
        runner.add_service(cls)
    print("starting {} services (db prefix {})…".format(len(runner.service_names), prefix), flush=True)
    runner.start()
    base = "http://127.0.0.1:{}".format(port)
    try:
        with ClusterRpcClient(uri=config["AMQP_URI"], timeout=120) as rpc, open(JINSHUI_CSV, "rb") as fh:
            content = base64.b64encode(fh.read()).decode()
            request = {"filename": "jinshui_2017.csv", "content_b64": content, "actor": ADMIN}
            start = time.perf_counter()
            result = rpc.assignment.import_allocation(request)
            print("{:<48} {:8.1f} ms ({} centres)".format("first import of the Jinshui table (RPC)",
                                                         (time.perf_counter() - start) * 1000, len(result["added"])))
            report("re-import, unchanged (RPC)", timed(lambda: rpc.assignment.import_allocation(request), 5))
            token = rpc.gateway.create_token("admin", None, "bench")["token"]
        session = requests.Session()
        session.headers["Authorization"] = "Bearer " + token
        report("GET /api/offices", timed(lambda: session.get(base + "/api/offices").raise_for_status(), ROUNDS))
        report("GET /api/centres?limit=1000 (105 centres)",
               timed(lambda: session.get(base + "/api/centres?limit=1000").raise_for_status(), ROUNDS))
        report("GET /api/centres/js01-c01", timed(lambda: session.get(base + "/api/centres/js01-c01").raise_for_status(), ROUNDS))
        if "milestones" in runner.service_names:
            for _ in range(60):  # registrations are events: wait until milestones exist
                if session.get(base + "/api/centres/js17-c03/milestones").ok:
                    break
                time.sleep(0.5)
            report("GET /api/progress (all offices)", timed(lambda: session.get(base + "/api/progress").raise_for_status(), ROUNDS))
            report("GET /api/reports/progress.xlsx",
                   timed(lambda: session.get(base + "/api/reports/progress.xlsx").raise_for_status(), max(5, ROUNDS // 5)))
        print("peak resident memory of this process: {:.0f} MiB".format(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    finally:
        runner.stop()
        client = MongoClient(setting("MONGO_URI"))
        for name in client.list_database_names():
            if name.startswith(prefix + "_"):
                client.drop_database(name)
        client.close()


if __name__ == "__main__":
    main()
