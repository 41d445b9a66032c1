"""An import chunk's two batches meet through the store (services/reporting/pairing.py), never in a process's
memory: the first to arrive is stashed, the second applies both and deletes the stash, an overdue stash is applied
alone, and a crash at any point leaves the figures of the batches applied one after the other (mongomock)."""
from datetime import UTC, datetime, timedelta

import mongomock
import pytest
from eventlet.semaphore import Semaphore

from services.assignment import allocation
from services.milestones import commands
from services.milestones import plan as plans
from services.milestones.store import MilestoneStore
from services.reporting import handlers, pairing
from services.reporting.store import ReportingStore
from shared import events as ev
from shared.schemas.assignment import CentresRegisteredSchema
from tests.support.paths import JINSHUI_CSV

NOW = datetime(2017, 3, 1, 9, tzinfo=UTC)
DAY = "2017-03-01"


class Clock:
    def __init__(self, now=NOW):
        self.at = now

    def now(self):
        return self.at

    def today(self):
        return self.at.date()


@pytest.fixture(scope="module")
def chunk():
    """A chunk's ``centres_registered`` payload and its ``milestones_planned_batch`` payload, as dispatched."""
    with open(JINSHUI_CSV, "rb") as fh:
        parsed = allocation.parse_table("jinshui_2017.csv", fh.read())[:40]
    centres = [{**c, "version": 1, "updated_at": NOW} for c in parsed]
    milestones = MilestoneStore(mongomock.MongoClient(tz_aware=True).db)
    milestones.ensure_indexes()
    _, events = commands.register_centres(milestones, plans.load(plans.DEFAULT_PLAN), centres, NOW)
    (name, planned), = events
    assert name == ev.MILESTONES_PLANNED_BATCH
    return CentresRegisteredSchema().dump({"centres": centres}), planned


def store():
    s = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    pairing.ensure_indexes(s.db)
    return s


def figures(s):
    """Every document of the read model but the stash and the applied keys."""
    return {name: {d["_id"]: d for d in s.db[name].find({})}
            for name in s.db.list_collection_names() if name not in ("applied", "pair_stash")}


def one_after_the_other(chunk):
    """The figures of the two batches applied one after the other (no pairing)."""
    centres, planned = chunk
    s = store()
    handlers.CENTRES_BATCH.alone(s, CentresRegisteredSchema().load(centres)["centres"], DAY, NOW)
    handlers.PLANNED_BATCH.alone(s, handlers.PLANNED_BATCH.schema().load(planned)["planned"], DAY, NOW)
    return figures(s)


def context(s, clock=None):
    clock = clock or Clock()
    return handlers.Context(s, clock, Semaphore(1), 30.0, lambda: clock.now().timestamp())


@pytest.mark.parametrize("first", [ev.CENTRES_REGISTERED, ev.MILESTONES_PLANNED_BATCH])
def test_the_first_batch_is_stashed_and_the_second_applies_both_in_one_change(chunk, first):
    centres, planned = chunk
    payloads = {ev.CENTRES_REGISTERED: centres, ev.MILESTONES_PLANNED_BATCH: planned}
    second = next(name for name in payloads if name != first)
    s = store()
    assert handlers.handle(context(s), first, payloads[first]) is False
    assert s.db.pair_stash.count_documents({}) == 1 and s.db.centres.count_documents({}) == 0  # stashed, not applied
    writes = []
    put = s.put
    s.put = lambda collection, doc: (writes.append(collection), put(collection, doc))
    assert handlers.handle(context(s), second, payloads[second]) is True
    assert "centres" not in writes  # each new centre inserted once, with its milestones' figures
    assert s.db.pair_stash.count_documents({}) == 0
    s.put = put
    assert figures(s) == one_after_the_other(chunk)


def test_a_redelivered_stashed_batch_replaces_its_stash(chunk):
    centres, _ = chunk
    s = store()
    handlers.handle(context(s), ev.CENTRES_REGISTERED, centres)
    handlers.handle(context(s), ev.CENTRES_REGISTERED, centres)
    assert s.db.pair_stash.count_documents({}) == 1


def test_a_stash_whose_partner_is_overdue_is_applied_alone_and_the_late_partner_too(chunk):
    centres, planned = chunk
    s, clock = store(), Clock()
    handlers.handle(context(s, clock), ev.CENTRES_REGISTERED, centres)
    assert handlers.sweep(context(s, clock)) == 0  # not overdue yet: it stays
    assert s.db.pair_stash.count_documents({}) == 1
    clock.at = NOW + timedelta(seconds=31)
    assert handlers.sweep(context(s, clock)) == 1
    assert s.db.pair_stash.count_documents({}) == 0 and s.db.centres.count_documents({}) == 40
    assert handlers.handle(context(s, clock), ev.MILESTONES_PLANNED_BATCH, planned) is True  # no stash: alone
    assert s.db.pair_stash.count_documents({}) == 0
    assert figures(s) == one_after_the_other(chunk)


def test_planned_milestones_whose_chunk_is_in_the_model_are_applied_at_once(chunk):
    centres, planned = chunk
    s = store()
    handlers.CENTRES_BATCH.alone(s, CentresRegisteredSchema().load(centres)["centres"], DAY, NOW)
    assert handlers.handle(context(s), ev.MILESTONES_PLANNED_BATCH, planned) is True
    assert s.db.pair_stash.count_documents({}) == 0
    assert figures(s) == one_after_the_other(chunk)


def test_a_crash_after_both_were_applied_but_before_the_stash_went_changes_nothing_when_redelivered(chunk, monkeypatch):
    centres, planned = chunk
    s = store()
    handlers.handle(context(s), ev.CENTRES_REGISTERED, centres)
    drop = pairing.drop

    def crash(*_):
        raise ConnectionError("the writer died here")

    monkeypatch.setattr(pairing, "drop", crash)
    with pytest.raises(ConnectionError):
        handlers.handle(context(s), ev.MILESTONES_PLANNED_BATCH, planned)
    assert s.db.pair_stash.count_documents({}) == 1
    monkeypatch.setattr(pairing, "drop", drop)
    applied = figures(s)
    assert applied == one_after_the_other(chunk)
    assert handlers.handle(context(s), ev.MILESTONES_PLANNED_BATCH, planned) is False  # redelivered: met again
    assert s.db.pair_stash.count_documents({}) == 0 and figures(s) == applied
    handlers.handle(context(s), ev.CENTRES_REGISTERED, centres)  # a late copy of the chunk: its centres are here
    assert s.db.pair_stash.count_documents({}) == 0 and figures(s) == applied


def test_a_crash_between_the_stash_and_the_apply_leaves_a_single_writers_figures(chunk, monkeypatch):
    """The writer dies while applying both (after some writes, before the keys): the stash stays, the planned
    batch is redelivered and meets it again; or the writer never comes back for it and the sweep applies the
    stash alone: either way the figures are those of the two batches one after the other."""
    centres, planned = chunk
    for ending in ("redelivered", "swept"):
        s, clock = store(), Clock()
        handlers.handle(context(s, clock), ev.CENTRES_REGISTERED, centres)
        mark = s.mark_applied
        monkeypatch.setattr(s, "mark_applied", lambda *_: (_ for _ in ()).throw(ConnectionError("died")))
        with pytest.raises(ConnectionError):
            handlers.handle(context(s, clock), ev.MILESTONES_PLANNED_BATCH, planned)
        monkeypatch.setattr(s, "mark_applied", mark)
        assert s.db.pair_stash.count_documents({}) == 1
        if ending == "redelivered":
            assert handlers.handle(context(s, clock), ev.MILESTONES_PLANNED_BATCH, planned) in (True, False)
        else:
            clock.at = NOW + timedelta(seconds=60)
            assert handlers.sweep(context(s, clock)) == 1
            handlers.handle(context(s, clock), ev.MILESTONES_PLANNED_BATCH, planned)
        assert s.db.pair_stash.count_documents({}) == 0
        assert figures(s) == one_after_the_other(chunk), ending


def test_a_planned_batch_that_does_not_fit_the_stashed_chunk_waits_on_its_own(chunk):
    centres, planned = chunk
    s = store()
    handlers.handle(context(s), ev.CENTRES_REGISTERED, centres)
    other_day = {**planned, "planned": [{**p, "at": "2017-03-05T09:00:00+00:00"} for p in planned["planned"]]}
    assert pairing.partner_of(s, pairing.PLANNED, [p["centre_id"] for p in planned["planned"]], "2017-03-05") is None
    handlers.handle(context(s), ev.MILESTONES_PLANNED_BATCH, other_day)
    assert {d["kind"] for d in s.db.pair_stash.find({})} == {pairing.CENTRES, pairing.PLANNED}


def test_the_pairing_keeps_the_import_at_a_handful_of_store_calls_per_chunk(chunk):
    """Stash (one write), find (one _id read) and delete (one write): three calls more per chunk of centres."""
    centres, planned = chunk
    s = store()
    calls = []
    stash_collection = s.db.pair_stash
    for name in ("find_one", "replace_one", "delete_one"):
        method = getattr(stash_collection, name)
        setattr(stash_collection, name, lambda *a, _m=method, _n=name, **k: (calls.append(_n), _m(*a, **k))[1])
    handlers.handle(context(s), ev.CENTRES_REGISTERED, centres)
    handlers.handle(context(s), ev.MILESTONES_PLANNED_BATCH, planned)
    assert sorted(calls) == ["delete_one", "find_one", "find_one", "replace_one"]
