"""The milestones sync: which centres get reconciled, office pages and the timer's cursor (mongomock, a fake
assignment service answering the same RPC shapes)."""
from datetime import UTC, date, datetime

import mongomock
import pytest

from services.milestones import commands, sync
from services.milestones import plan as plans
from services.milestones.store import MilestoneStore
from shared.schemas.assignment import CentreSchema

NOW = datetime(2017, 3, 1, 1, tzinfo=UTC)


def centre(cid, office, **kw):
    return {"id": cid, "name": "中心" + cid, "level": "community", "office": office, "deadline": date(2017, 6, 30),
            "pilot": False, "version": 1, **kw}


class FakeAssignment:
    """``list_offices`` and ``centres_after`` over an in-memory table, recording the calls."""

    def __init__(self, offices, centres):
        self.offices, self.centres, self.calls = offices, centres, []

    def list_offices(self, query):
        self.calls.append(("list_offices", query["offset"], query["limit"]))
        names = self.offices[query["offset"]:query["offset"] + query["limit"]]
        return {"items": [{"name": n} for n in names], "total": len(self.offices), **query}

    def centres_after(self, query):
        self.calls.append(("centres_after", query["office"], query["after"]))
        mine = sorted((c for c in self.centres if c["office"] == query["office"] and
                       (query["after"] is None or c["id"] > query["after"])), key=lambda c: c["id"])
        page = mine[:query["limit"]]
        following = page[-1]["id"] if len(mine) > query["limit"] else None
        return {"items": CentreSchema(many=True).dump(page), "next": following}


@pytest.fixture
def plan():
    return plans.load(plans.DEFAULT_PLAN)


@pytest.fixture
def store():
    s = MilestoneStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    return s


@pytest.fixture
def reconciled(store, plan):
    done = []

    def reconcile(c):
        done.append(c["id"])
        return commands.reconcile_centre(store, plan, c, NOW)[0]
    reconcile.done = done
    return reconcile


def test_only_missing_or_different_centres_are_reconciled():
    stored = {c["id"]: {**c, "assignment_version": c.pop("version")} for c in
              [centre("a", "甲"), centre("b", "甲"), centre("c", "甲"), centre("d", "甲"), centre("e", "甲"),
               centre("f", "甲"), centre("g", "甲")]}
    listed = [centre("a", "甲"), centre("b", "甲", version=2), centre("c", "甲", deadline=date(2017, 5, 31)),
              centre("d", "甲", pilot=True), centre("e", "甲", level="village"), centre("f", "甲", name="改名"),
              centre("g", "甲"), centre("h", "甲")]
    assert [c["id"] for c in sync.to_reconcile(listed, stored)] == ["b", "c", "d", "e", "f", "h"]
    # a centre moved from office X to Y: listed under Y, kept here under X, so missing from Y's copy
    assert sync.differs(centre("a", "乙"), stored["a"]) and sync.to_reconcile([centre("a", "乙")], {}) != []


def test_an_office_in_step_reconciles_nothing_and_a_missed_centre_is_repaired(store, plan, reconciled):
    table = [centre(f"js01-{i:02d}", "甲") for i in range(5)] + [centre("js02-01", "乙")]
    for c in table:
        commands.reconcile_centre(store, plan, c, NOW)
    missed = centre("js01-09", "甲")
    moved = {**table[1], "office": "乙", "version": 2}
    assignment = FakeAssignment(["甲", "乙"], table[:1] + [moved] + table[2:] + [missed])
    result = sync.sweep(store, assignment, 0, 10, reconciled)
    assert reconciled.done == ["js01-09", "js01-01"]
    assert (result["offices"], result["centres"], result["reconciled"], result["moved"]) == (2, 7, 2, 1)
    assert result["created"] == len(plan.template_for(missed)) and result["next"] is None
    assert store.get_centre("js01-01")["office"] == "乙" and store.states_of_centre("js01-09")
    reconciled.done.clear()
    assert sync.sweep(store, assignment, 0, 10, reconciled)["reconciled"] == 0 and reconciled.done == []


def test_each_office_costs_one_read_here_and_its_pages_there(store, reconciled, monkeypatch):
    monkeypatch.setattr(sync, "CENTRE_PAGE", 2)
    table = [centre(f"js01-{i:02d}", "甲") for i in range(5)]
    assignment = FakeAssignment(["甲"], table)
    reads = []
    real = store.centres_where
    monkeypatch.setattr(store, "centres_where", lambda office, level=None: reads.append(office) or real(office, level))
    assert sync.sweep(store, assignment, 0, 1, reconciled)["reconciled"] == 5
    assert reads == ["甲"] and [c for c in assignment.calls if c[0] == "centres_after"] == [
        ("centres_after", "甲", None), ("centres_after", "甲", "js01-01"), ("centres_after", "甲", "js01-03")]


def test_the_timer_takes_a_bounded_share_from_a_cursor_that_advances_and_wraps(store, reconciled):
    offices = [f"office{i}" for i in range(7)]
    assignment = FakeAssignment(offices, [centre(f"c{i}", o) for i, o in enumerate(offices)])
    seen = []
    for _ in range(4):
        result = sync.tick(store, assignment, 3, reconciled)
        seen.append((result["offset"], result["offices"], result["next"], store.sync_cursor()))
    assert seen == [(0, 3, 3, 3), (3, 3, 6, 6), (6, 1, 0, 0), (0, 3, 3, 3)]
    assert reconciled.done == [f"c{i}" for i in range(7)]  # the first round repaired each once
    # a restart reads the cursor from the store; a cursor beyond the table (offices fewer than before) wraps
    store.set_sync_cursor(50)
    assert sync.tick(store, assignment, 3, reconciled)["offices"] == 0 and store.sync_cursor() == 0


def test_the_whole_sweep_pages_through_every_office(store, reconciled, monkeypatch):
    monkeypatch.setattr(sync, "OFFICE_PAGE", 2)
    offices = [f"office{i}" for i in range(5)]
    assignment = FakeAssignment(offices, [centre(f"c{i}", o) for i, o in enumerate(offices)])
    result = sync.sweep_all(store, assignment, reconciled)
    assert (result["offices"], result["centres"], result["reconciled"], result["next"]) == (5, 5, 5, None)
    assert result["repaired"] == [f"c{i}" for i in range(5)]
    assert [c[1:] for c in assignment.calls if c[0] == "list_offices"] == [(0, 2), (2, 2), (4, 2)]
