"""The reporting service's event table and its one writer (services/reporting/handlers.py, writer.py):
every event the service subscribes to has one handler and the reverse; changes applied at the same time
lose none of each other's counts because they take the container's one lock (without it they do); the
container is given enough workers for the messages its handlers hold, or the service does not start."""
import contextlib
import inspect
from datetime import date
from types import SimpleNamespace

import eventlet
import mongomock
import pytest
from eventlet.semaphore import Semaphore
from nameko.events import EventHandler
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.timer import Timer

from services.reporting import handlers
from services.reporting.service import WORKERS, ReportingService
from services.reporting.store import ReportingStore
from services.reporting.writer import OneWriter, TooFewWorkers
from shared import events as ev
from shared.schemas.assignment import CentreEventSchema

RPC_READS = 10  # workers left for the RPC reads when every handler holds its messages
OFFICE = "丰庆路街道"


def entrypoints():
    return [entrypoint for _, method in inspect.getmembers(ReportingService, inspect.isfunction)
            for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ())]


def test_every_subscribed_event_has_one_handler_in_the_table_and_the_reverse():
    subscribed = [e.event_type for e in entrypoints() if isinstance(e, EventHandler)]
    assert len(subscribed) == len(set(subscribed))
    assert set(subscribed) == set(handlers.EVENT_HANDLERS)
    assert {(e.source_service, e.event_type) for e in entrypoints() if isinstance(e, EventHandler)} <= set(ev.EVENTS)


def test_the_workers_cover_every_message_the_handlers_hold_and_leave_room_for_reads():
    held = [e.consumer_options["prefetch_count"] for e in entrypoints() if isinstance(e, EventHandler)]
    timers = sum(1 for e in entrypoints() if isinstance(e, Timer))
    assert sum(held) > len(held)  # the planned batches come many at a time
    assert sum(held) + timers + RPC_READS <= WORKERS


def test_the_service_does_not_start_with_too_few_workers():
    writer = OneWriter(WORKERS)
    writer.container = SimpleNamespace(service_name="reporting", max_workers=WORKERS - 1)
    with pytest.raises(TooFewWorkers, match="max_workers >= 40"):
        writer.setup()
    writer.container = SimpleNamespace(service_name="reporting", max_workers=WORKERS)
    writer.setup()
    assert writer.get_dependency(None) is writer.lock


class YieldingStore(ReportingStore):
    """Each read gives way to the other greenthreads, as a read over the network does."""

    def get(self, collection, doc_id):
        doc = super().get(collection, doc_id)
        eventlet.sleep(0.01)
        return doc


class Clock:
    @staticmethod
    def now():
        return "2017-03-01T09:00:00+08:00"

    @staticmethod
    def today():
        return date(2017, 3, 1)


def registered(number):
    return CentreEventSchema().dump({"centre": {
        "id": f"js01-c{number:02d}", "name": f"中心{number}", "level": "community", "office": OFFICE,
        "deadline": date(2017, 6, 30), "version": 1}})


def register_at_once(writer, count=4):
    store = YieldingStore(mongomock.MongoClient(tz_aware=True).db)
    context = handlers.Context(store, Clock, writer)
    threads = [eventlet.spawn(handlers.handle, context, ev.CENTRE_UPDATED, registered(n)) for n in range(count)]
    assert all(t.wait() for t in threads)
    return store.offices.find_one({"_id": OFFICE})["fig"]["centres"], store.district_doc()["fig"]["centres"]


def test_changes_applied_at_the_same_time_keep_every_count_under_the_one_writer():
    assert register_at_once(Semaphore(1)) == (4, 4)


def test_without_the_one_writer_changes_at_the_same_time_lose_counts():
    office, district = register_at_once(contextlib.nullcontext())
    assert office < 4 and district < 4
