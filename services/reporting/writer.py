"""The read model's one writer: every change is applied while holding one lock of the service container.

Why. FerretDB has no atomic ``$inc``: a change reads an office's (and the district's) counters and writes
them back, so two changes applied at once would lose one of them (tests/unit/test_reporting_writer.py shows
it). The events of different types arrive on different queues and nameko runs their handlers at the same
time, so the changes (events, import batches, rebuild pages, the ranking pass at start) take this lock.
With ONE replica of the service per partition (partition.py: each partition writes documents of its own),
that makes one writer per counter (docs/read-model.md).

Workers. A handler waiting for the lock holds one of the container's workers (an import batch whose partner
has not come is stashed in the store and its worker freed: pairing.py). Each event handler takes one message at a time (prefetch 1), planned batches
``PAIR_PREFETCH`` (service.py), so the container needs a worker for each of those messages and some more for the
RPC reads, or the reads find no free worker. nameko sizes the worker pool
from its ``max_workers`` setting (``MAX_WORKERS`` in deploy/nameko.yaml); the service refuses to start with
fewer than it needs, instead of slowing down to a halt during an import.
"""
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider


class TooFewWorkers(Exception):
    """The container's worker pool is smaller than the read model needs."""


class OneWriter(DependencyProvider):
    """Gives workers the container's one write lock (``with self.writer: ...``); needs ``workers`` workers."""

    def __init__(self, workers):
        self.workers = workers
        self.lock = None

    def setup(self):
        if self.container.max_workers < self.workers:
            container = self.container
            raise TooFewWorkers(f"the {container.service_name} service needs max_workers >= {self.workers} "
                                f"(MAX_WORKERS), it has {container.max_workers}")
        self.lock = Semaphore(1)

    def get_dependency(self, worker_ctx):
        return self.lock
