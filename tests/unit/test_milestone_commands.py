"""Milestone use cases on mongomock (unit level: no broker, no real store)."""
from datetime import date, timedelta

import mongomock
import pytest

from services.milestones import commands, queries
from services.milestones.commands import CompleteMilestone, ReopenMilestone, ReportProgress
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.support.uploads import upload
from tests.unit.milestone_support import ADMIN, NOW, OFFICE, PILOT, default_plan, pilot_store, update


@pytest.fixture
def plan():
    return default_plan()


@pytest.fixture
def store(plan):
    return pilot_store(plan)


def test_reconcile_is_idempotent_and_redates_construction(store, plan):
    assert commands.reconcile_centre(store, plan, PILOT, NOW) == ({"created": 0, "redated": 0, "moved": 0}, [])
    counts, events = commands.reconcile_centre(store, plan, {**PILOT, "deadline": date(2017, 5, 31), "version": 2}, NOW)
    assert counts["redated"] == 1
    assert events == [("milestone_due_changed", {"centre_id": "js01-c01", "office": PILOT["office"],
                                                 "key": "p3_construction", "version": 2, "at": NOW.isoformat(),
                                                 "previous_due": "2017-06-30", "due": "2017-05-31"})]
    # an older copy of the centre (a late event, a stale sync page) must not undo it
    assert commands.reconcile_centre(store, plan, PILOT, NOW)[0]["redated"] == 0
    assert store.latest("js01-c01", "p3_construction")["due"] == date(2017, 5, 31)


def test_stale_version_conflicts_and_is_recorded(store, plan):
    commands.report_progress(store, plan, ReportProgress("js01-c01", "p1_plan", update(1), OFFICE, NOW))
    with pytest.raises(Conflict):
        commands.report_progress(store, plan, ReportProgress("js01-c01", "p1_plan", update(1), OFFICE, NOW))
    with pytest.raises(Conflict):  # a version from the future is just as wrong
        commands.report_progress(store, plan, ReportProgress("js01-c01", "p1_plan", update(5), OFFICE, NOW))
    refused = [d for d in store.centre_history("js01-c01") if d.get("outcome") == "refused"]
    assert [d["error"]["code"] for d in refused] == ["conflict", "conflict"]


def test_losing_the_insert_race_keeps_no_evidence(store, plan, monkeypatch):
    real = store.latest

    def stale_read(centre_id, key):  # someone else wins between our read and our insert
        state = real(centre_id, key)
        store.revisions.insert_one({**store.revisions.find_one({"centre_id": centre_id, "key": key}),
                                    "_id": "winner", "version": state["version"] + 1})
        monkeypatch.setattr(store, "latest", real)
        return state

    monkeypatch.setattr(store, "latest", stale_read)
    files = [{**upload("a.pdf", b"%PDF-1.4"), "content_type": ""}]
    with pytest.raises(Conflict):
        commands.report_progress(store, plan, ReportProgress("js01-c01", "p1_plan", update(1, evidence=files), OFFICE, NOW))
    assert store.count_evidence() == 0


def test_permissions(store, plan):
    with pytest.raises(Forbidden):
        commands.report_progress(store, plan, ReportProgress("js01-c01", "p1_plan", update(1), {**OFFICE, "office": "国基路街道"}, NOW))
    with pytest.raises(Forbidden):
        commands.report_progress(store, plan, ReportProgress("js01-c01", "p4_acceptance", update(1, "done"), OFFICE, NOW))
    with pytest.raises(NotFound):
        commands.report_progress(store, plan, ReportProgress("js01-c01", "p9_nothing", update(1), OFFICE, NOW))
    with pytest.raises(NotFound):
        commands.report_progress(store, plan, ReportProgress("nope", "p1_plan", update(1), OFFICE, NOW))
    assert store.latest("js01-c01", "p1_plan")["version"] == 1


def test_done_events_phase_and_centre_built(store, plan):
    _, events = commands.report_progress(store, plan, ReportProgress("js01-c01", "p2_pilot_built", update(1, "done"), OFFICE, NOW))
    assert [name for name, _ in events] == ["progress_updated", "milestone_completed"]
    _, events = commands.report_progress(store, plan, ReportProgress("js01-c01", "p2_lessons", update(1, "done"), OFFICE, NOW))
    assert [name for name, _ in events] == ["progress_updated", "milestone_completed", "phase_completed"]
    _, events = commands.report_progress(store, plan, ReportProgress("js01-c01", "p3_construction", update(1, "done"), OFFICE, NOW))
    assert [name for name, _ in events] == ["progress_updated", "milestone_completed", "centre_built"]
    assert events[2][1] == {"centre_id": "js01-c01", "office": "丰庆路街道", "at": NOW.isoformat()}


def test_system_completion_is_idempotent_and_reopen_is_admin_only(store, plan):
    actor = commands.INSPECTIONS_ACTOR
    state, events = commands.system_complete(store, plan, CompleteMilestone("js01-c01", "p4_acceptance", "验收通过", actor, NOW))
    assert state["status"] == "done" and state["version"] == 2 and events
    assert commands.system_complete(store, plan, CompleteMilestone("js01-c01", "p4_acceptance", "验收通过", actor, NOW)) == (None, [])
    with pytest.raises(Forbidden):
        commands.reopen(store, plan, ReopenMilestone("js01-c01", "p4_acceptance", "复查", OFFICE, NOW))
    state, _ = commands.reopen(store, plan, ReopenMilestone("js01-c01", "p4_acceptance", "复查", ADMIN, NOW))
    assert (state["status"], state["version"]) == ("in_progress", 3)
    with pytest.raises(Conflict):
        commands.reopen(store, plan, ReopenMilestone("js01-c01", "p4_acceptance", "again", ADMIN, NOW))


def test_as_of_replays_history(store, plan):
    later = NOW + timedelta(days=30)
    commands.report_progress(store, plan, ReportProgress("js01-c01", "p1_plan", update(1, "done"), OFFICE, later))
    before = queries.list_milestones(store, "js01-c01", date(2017, 3, 15), date(2017, 6, 1))
    after = queries.list_milestones(store, "js01-c01", date(2017, 3, 31), date(2017, 6, 1))
    assert [m["status"] for m in before["milestones"] if m["key"] == "p1_plan"] == ["not_started"]
    assert [m["status"] for m in after["milestones"] if m["key"] == "p1_plan"] == ["done"]
    july = queries.list_milestones(store, "js01-c01", date(2017, 7, 1), date(2017, 6, 1))["milestones"]
    assert (len(july), sum(m["status"] == "done" for m in july), sum(m["overdue"] for m in july)) == (8, 1, 3)
    assert [m["order"] for m in july] == sorted(m["order"] for m in july)


def test_upsert_by_id_survives_a_racing_insert():

    from shared.mongo import upsert_by_id

    collection = mongomock.MongoClient(tz_aware=True).db.centres

    class RacingCollection:
        """The first upsert loses to a concurrent insert of the same document."""

        def __init__(self):
            self.raced = False

        def update_one(self, query, update, upsert=False):
            if upsert and not self.raced:
                self.raced = True
                collection.insert_one({"_id": query["_id"], "name": "other writer"})
                return collection.insert_one({"_id": query["_id"]})  # raises DuplicateKeyError
            return collection.update_one(query, update, upsert=upsert)

    upsert_by_id(RacingCollection(), "js01-c01", {"name": "四月天社区"})
    assert collection.find_one({"_id": "js01-c01"})["name"] == "四月天社区"


def test_office_list_needs_an_office_and_pages_within_it(store, plan):
    with pytest.raises(InvalidInput) as refused:
        queries.list_office_milestones(store, {"offset": 0, "limit": 5}, date(2017, 6, 1))
    assert list(refused.value.details) == ["office"]
    first = queries.list_office_milestones(store, {"office": "丰庆路街道", "offset": 0, "limit": 5}, date(2017, 6, 1))
    rest = queries.list_office_milestones(store, {"office": "丰庆路街道", "offset": 5, "limit": 5}, date(2017, 6, 1))
    assert (first["total"], len(first["items"]), len(rest["items"])) == (8, 5, 3)
    orders = [m["order"] for m in first["items"] + rest["items"]]
    assert orders == sorted(orders) and len(set(orders)) == 8
    phase_two = queries.list_office_milestones(store, {"office": "丰庆路街道", "phase": 2, "offset": 0, "limit": 50},
                                               date(2017, 6, 1))
    assert {m["key"] for m in phase_two["items"]} == {"p2_pilot_built", "p2_lessons"}
    assert queries.list_office_milestones(store, {"office": "国基路街道", "offset": 0, "limit": 5},
                                          date(2017, 6, 1))["total"] == 0
