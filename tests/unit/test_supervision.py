"""签收, 催办, 销号 and 我的待办 as plain functions: the rectification rules, the response-time sums (on mongomock),
the reminder text of an order not signed for, and the todo list assembled from fake sources."""
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from services.gateway import todo
from services.inspections import commands, rectification
from services.notifications import messages
from services.notifications.items import acknowledgement_item
from services.notifications.rules import Rules, current_steps
from shared.errors import Conflict, Forbidden
from tests.unit.inspection_support import ADMIN, INSPECTOR, NOW, OFFICE, OTHER_OFFICE, inspection_store, record, submit


@pytest.fixture
def store():
    return inspection_store()


def opened(store):
    inspection, _ = record(store, building_area=80)
    (rect_id,) = inspection["rectifications"]
    return rect_id


def test_an_order_is_due_to_be_signed_for_two_working_days_after_it_opens(store):
    assert rectification.ack_due(date(2019, 7, 12)) == date(2019, 7, 16)  # Friday: Monday and Tuesday count
    rect = store.get_rectification(opened(store))
    assert rect["ack_due"] == "2019-07-17" and rect["ack_pending"] is True and rect["acknowledged_at"] is None
    assert [i["rectification_id"] for i in commands.unacknowledged(store, 100)] == [rect["id"]]


def test_signing_for_an_order_once_by_its_own_office_and_timing_it(store):
    rect_id = opened(store)
    with pytest.raises(Forbidden):
        commands.acknowledge_rectification(store, rect_id, OTHER_OFFICE, NOW)
    with pytest.raises(Forbidden):
        commands.acknowledge_rectification(store, rect_id, INSPECTOR, NOW)
    signed, _ = commands.acknowledge_rectification(store, rect_id, OFFICE, NOW + timedelta(hours=3))
    assert signed["acknowledged_by"] == OFFICE and signed["ack_pending"] is False and signed["status"] == "open"
    with pytest.raises(Conflict, match="无需重复签收"):
        commands.acknowledge_rectification(store, rect_id, OFFICE, NOW + timedelta(hours=4))
    assert commands.unacknowledged(store, 100) == []
    assert commands.response_times(store) == [{"office": "丰庆路街道", "acknowledged": 1, "fixed": 0,
                                               "ack_seconds": 3 * 3600, "fix_seconds": None, "ack_hours": 3.0,
                                               "fix_days": None}]


def test_a_write_off_needs_evidence_and_a_passed_recheck(store):
    rect_id = opened(store)
    with pytest.raises(Conflict, match="尚未提交整改证明材料"):
        commands.close_rectification(store, rect_id, ADMIN, NOW)
    submit(store, rect_id)
    with pytest.raises(Conflict, match="尚未复查通过"):
        commands.close_rectification(store, rect_id, ADMIN, NOW)
    with pytest.raises(Forbidden):
        commands.close_rectification(store, rect_id, OFFICE, NOW)
    record(store, kind="re_inspection", now=NOW + timedelta(days=1))
    closed, _ = commands.close_rectification(store, rect_id, INSPECTOR, NOW + timedelta(days=2))
    assert closed["status"] == "closed" and closed["closed_by"] == INSPECTOR
    with pytest.raises(Conflict, match="已销号"):
        commands.close_rectification(store, rect_id, ADMIN, NOW + timedelta(days=3))
    with pytest.raises(Conflict, match="无需再提交材料"):
        submit(store, rect_id)
    (times,) = commands.response_times(store)
    assert times["fixed"] == 1 and times["fix_days"] == 2.0


def test_verified_without_evidence_cannot_be_written_off_and_is_no_longer_awaited(store):
    rect_id = opened(store)
    record(store, kind="re_inspection", now=NOW + timedelta(days=1))
    assert store.get_rectification(rect_id)["ack_pending"] is False
    with pytest.raises(Conflict) as refused:
        commands.close_rectification(store, rect_id, ADMIN, NOW)
    assert refused.value.details == {"submissions": ["缺少整改证明材料"]}


def test_a_chase_is_the_bureaus_kept_in_the_history_and_not_for_finished_work(store):
    rect_id = opened(store)
    with pytest.raises(Forbidden):
        commands.chase_rectification(store, rect_id, {"note": "快"}, OFFICE, NOW)
    chased, _ = commands.chase_rectification(store, rect_id, {"note": "请本周完成"}, ADMIN, NOW)
    assert chased["chases"] == 1
    assert [(h["action"], h["note"]) for h in store.history(rect_id) if h.get("action")] == [("chase", "请本周完成")]
    record(store, kind="re_inspection", now=NOW + timedelta(days=1))
    with pytest.raises(Conflict, match="无需催办"):
        commands.chase_rectification(store, rect_id, {"note": "再催"}, ADMIN, NOW)


def test_the_sums_of_an_office_count_each_rectification_once(store):
    rect = {"id": "r1", "office": "丰庆路街道"}
    head = store.timing_head("丰庆路街道")
    head = store.add_timing(rect, "ack", 60, head)
    assert store.add_timing(rect, "ack", 60, store.timing_head("丰庆路街道")) == store.timing_head("丰庆路街道")
    with pytest.raises(Conflict):  # a stale head: another replica took that version
        store.add_timing({"id": "r2", "office": "丰庆路街道"}, "ack", 60, {**head, "version": 0})
    assert store.timing_head("丰庆路街道")["ack_count"] == 1


def test_the_reminder_of_an_order_not_signed_for_says_so():
    item = acknowledgement_item({"rectification_id": "r1", "centre_id": "js01-c01", "centre_name": "四月天社区",
                                 "office": "丰庆路街道", "title": "建筑面积", "due": "2019-07-17"})
    rules = Rules()
    (remind,) = current_steps(item.due, date(2019, 7, 16), rules)
    assert messages.text(item, remind) == ("【签收提醒】丰庆路街道四月天社区有一份整改通知（建筑面积）尚未签收，"
                                           "请于 2019-07-17 前签收；请在系统中签收并按期整改。")
    (late,) = current_steps(item.due, date(2019, 7, 18), rules)
    assert "已超过签收期限（2019-07-17）1 个工作日" in messages.text(item, late)


class Fake:
    def __init__(self, **answers):
        self.answers, self.calls = answers, []

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            answer = self.answers[name]
            return answer(*args, **kwargs) if callable(answer) else answer
        return call


def test_an_offices_todo_from_its_sources():
    today = date(2019, 7, 15)
    milestone = {"centre_id": "c1", "centre_name": "甲社区", "office": "丰庆路街道", "key": "p3_build", "title": "建设",
                 "owner": "office", "due": "2019-07-01"}
    awaited = {**milestone, "key": "p4_acceptance", "owner": "inspection"}
    rect = {"id": "c1-a-1", "centre_id": "c1", "centre_name": "甲社区", "office": "丰庆路街道", "title": "建筑面积",
            "due": "2019-08-12", "ack_due": "2019-07-17", "acknowledged_at": None}
    queue = {"open": {"items": [rect], "next": None},
             "reopened": {"items": [{**rect, "id": "c1-b-1", "acknowledged_at": "2019-07-01T00:00:00"}], "next": None}}
    sources = SimpleNamespace(
        reporting=Fake(open_items={"items": [milestone, awaited], "cursor": None}),
        inspections=Fake(rectification_queue=lambda q: queue[q["status"]]),
        indicators=Fake(open_items=[{"kind": "monthly_report", "ref": "c1/2019-06", "centre_id": "c1", "office": "丰庆路街道",
                                     "centre_name": "甲社区", "title": "2019-06 月度服务数据报送", "due": "2019-07-05"}]))
    items, more = todo.office_items(sources, "丰庆路街道", today)
    assert not more
    ordered = todo.ordered(items)
    assert [(i["kind"], i["link"]) for i in ordered] == [
        ("acknowledge", "/rectification/c1-a-1"), ("rectification", "/rectification/c1-a-1"),
        ("rectification", "/rectification/c1-b-1"), ("monthly_report", "/monthly/c1"), ("milestone", "/report/c1/p3_build")]
    assert [i["overdue"] for i in ordered] == [False, False, False, True, True]
    assert sources.reporting.calls[0][1][0] == {"kind": "milestone", "before": "2019-07-23", "office": "丰庆路街道",
                                                "as_of": "2019-07-15", "limit": todo.PAGE}
    assert sources.indicators.calls == [("open_items", (), {"as_of": "2019-07-15", "office": "丰庆路街道"})]


def test_an_inspectors_todo_from_its_sources():
    rect = {"id": "c1-a-1", "centre_id": "c1", "centre_name": "甲社区", "office": "丰庆路街道", "title": "建筑面积",
            "due": "2019-08-12", "submissions": []}
    queue = {"submitted": {"items": [rect], "next": "c1-a-1"},
             "verified": {"items": [{**rect, "id": "c1-b-1", "submissions": [{"note": "x"}]},
                                    {**rect, "id": "c1-c-1"}], "next": None}}
    sources = SimpleNamespace(
        reporting=Fake(open_milestones_of_key={"items": [{"centre_id": "c2", "centre_name": "乙社区", "office": "国基路街道",
                                                          "key": "p4_acceptance", "due": "2019-09-30"}], "more": False}),
        inspections=Fake(rectification_queue=lambda q: queue[q["status"]]), indicators=Fake())
    items, more = todo.inspector_items(sources, date(2019, 7, 15))
    assert more  # the re-check queue had a next page
    assert [(i["kind"], i["link"]) for i in todo.ordered(items)] == [
        ("recheck", "/rectification/c1-a-1"), ("close", "/rectification/c1-b-1"),
        ("acceptance", "/checklist/c2?kind=district_acceptance")]
