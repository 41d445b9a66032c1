"""Milestones after a crash or a redelivery (issue 9), on mongomock: a request delivered twice
recognises its own write, a projection left behind is repaired, p5 reopens on new rectifications."""
import pytest

from services.milestones import commands
from services.milestones.commands import CompleteMilestone, ReopenMilestone, ReportProgress
from shared import revisions
from shared.errors import Conflict
from tests.unit.milestone_support import ADMIN, NOW, OFFICE, PILOT, default_plan, pilot_store, update

KEY = "p3_construction"


@pytest.fixture
def plan():
    return default_plan()


@pytest.fixture
def store(plan):
    return pilot_store(plan)


def test_a_redelivered_request_recognises_its_own_write(store, plan):
    first, events = commands.report_progress(store, plan, ReportProgress(PILOT["id"], KEY, update(1, percent=30), OFFICE, NOW, "r1"))
    again, events_again = commands.report_progress(store, plan, ReportProgress(PILOT["id"], KEY, update(1, percent=30), OFFICE, NOW, "r1"))
    assert first["version"] == again["version"] == 2 and again["percent"] == 30
    assert [e[0] for e in events_again] == [e[0] for e in events]  # events go out again: handlers are idempotent
    assert store.revisions.count_documents({"centre_id": PILOT["id"], "key": KEY}) == 2
    with pytest.raises(Conflict):  # another request on the same version is still refused
        commands.report_progress(store, plan, ReportProgress(PILOT["id"], KEY, update(1, percent=40), OFFICE, NOW, "r2"))


def test_a_projection_left_behind_by_a_crash_is_repaired(store, plan, monkeypatch):
    monkeypatch.setattr(revisions, "project_forward", lambda *a: (_ for _ in ()).throw(RuntimeError("killed")))
    with pytest.raises(RuntimeError):  # the revision is written, then the process dies
        commands.report_progress(store, plan, ReportProgress(PILOT["id"], KEY, update(1, percent=30), OFFICE, NOW))
    monkeypatch.undo()
    assert store.states_of_centre(PILOT["id"])[KEY]["version"] == 1  # list reads use the projection
    assert store.projection_pending.count_documents({}) == 1
    assert store.repair_projections() == 1  # at start (a timer, eager)
    assert store.states_of_centre(PILOT["id"])[KEY]["version"] == 2
    assert store.projection_pending.count_documents({}) == 0
    commands.report_progress(store, plan, ReportProgress(PILOT["id"], KEY, update(2, percent=40), OFFICE, NOW))
    assert store.projection_pending.count_documents({}) == 0  # a normal write leaves no marker


def test_p5_reopens_when_new_rectifications_open(store, plan):
    actor = commands.INSPECTIONS_ACTOR
    commands.system_complete(store, plan, CompleteMilestone(PILOT["id"], "p5_rectification", "整改全部完成", actor, NOW))
    state, events = commands.system_reopen(store, plan, ReopenMilestone(PILOT["id"], "p5_rectification", "新的整改项：建筑面积", actor, NOW))
    assert state["status"] == "in_progress" and "建筑面积" in state["reason"]
    assert events and events[0][0] == "progress_updated"
    assert commands.system_reopen(store, plan, ReopenMilestone(PILOT["id"], "p5_rectification", "again", actor, NOW)) == (None, [])


def test_refused_input_is_audited_without_storing_huge_numbers(store):
    from shared.errors import InvalidInput

    exc = InvalidInput("输入有误", {"based_on_version": ["based_on_version 必须是正整数"]})
    commands.refuse_invalid(store, ReportProgress(PILOT["id"], KEY, {"status": "done", "based_on_version": 2 ** 70}, ADMIN, NOW), exc)
    entry = store.audit.find_one({"outcome": "refused"})
    assert entry["error"]["code"] == "invalid_input" and entry["after"]["based_on_version"] == str(2 ** 70)
    commands.refuse_invalid(store, ReportProgress("no-such-centre", KEY, {}, ADMIN, NOW), exc)  # unknown centre: nothing to audit
    assert store.audit.count_documents({"outcome": "refused"}) == 1
