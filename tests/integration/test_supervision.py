"""签收, 催办, 销号 and 我的待办 against the real broker and store (issues 16 and 17).

An office signs for a rectification order (audited, once), the bureau chases it with a note that reaches the
office's inbox and its staff and head through their webhooks, the office submits its evidence, an inspector
re-checks and writes it off; 销号 is refused without the evidence or the re-check; an order not signed for is
reminded once per step by the notifications scan; each person's 我的待办 counts what is theirs.
"""
import pytest
from nameko import config

from tests.support.inspections import JPEG, OFFICE, PDF, inspect, submit
from tests.support.notifications import inbox
from tests.support.receivers import WebhookReceiver
from tests.support.waiting import wait_for

CENTRE = "js01-c01"  # 四月天社区 of 丰庆路街道


@pytest.fixture
def hooks():
    receiver = WebhookReceiver().start()
    with config.patch({"NOTIFY_TICK_SECONDS": 3600}):
        yield receiver
    receiver.stop()


@pytest.fixture
def loaded(stack, clock, hooks):
    clock.set("2019-07-15T10:00:00+08:00")  # a Monday in phase 4
    stack.import_jinshui()
    for contact in ({"id": "fql-staff", "name": "丰庆路经办人", "scope": "office", "office": OFFICE,
                     "webhook": hooks.url("/staff")},
                    {"id": "fql-head", "name": "丰庆路主任", "scope": "office", "office": OFFICE, "role": "head",
                     "webhook": hooks.url("/head"), "webhook_format": "dingtalk"}):
        assert stack.post("/api/notifications/contacts", json=contact).status_code == 201
    return stack


def _open_one(stack):
    failed = inspect(stack, CENTRE, building_area=80)
    assert failed.status_code == 201, failed.text
    (rect_id,) = failed.json()["rectifications"]
    return rect_id


def _rect(stack, rect_id, role="admin"):
    response = stack.get("/api/rectifications/" + rect_id, role=role, office=OFFICE if role == "office" else None)
    assert response.status_code == 200, response.text
    return response.json()


def _audit(stack):
    return stack.get("/api/audit", params={"limit": 200}).json()["items"]


def _todo(stack, role, office=None):
    response = stack.get("/api/todo", role=role, office=office)
    assert response.status_code == 200, response.text
    return response.json()


def test_acknowledge_chase_submit_recheck_close_with_audit(loaded, hooks):
    stack = loaded
    rect_id = _open_one(stack)
    opened = _rect(stack, rect_id)
    assert opened["status"] == "open" and opened["acknowledged_at"] is None and opened["ack_due"] == "2019-07-17"

    assert stack.post(f"/api/rectifications/{rect_id}/acknowledge", role="office", office="国基路街道").status_code == 403
    assert stack.post(f"/api/rectifications/{rect_id}/acknowledge", role="inspector").status_code == 403
    signed = stack.post(f"/api/rectifications/{rect_id}/acknowledge", role="office", office=OFFICE)
    assert signed.status_code == 200, signed.text
    assert signed.json()["acknowledged_at"] and signed.json()["acknowledged_by"]["office"] == OFFICE
    again = stack.post(f"/api/rectifications/{rect_id}/acknowledge", role="office", office=OFFICE)
    assert again.status_code == 409 and "已于" in again.json()["message"] and "签收" in again.json()["message"]

    assert stack.post(f"/api/rectifications/{rect_id}/chase", role="office", office=OFFICE,
                      json={"note": "请加快"}).status_code == 403
    empty = stack.post(f"/api/rectifications/{rect_id}/chase", json={"note": ""})
    assert empty.status_code == 400 and "note" in empty.json()["details"]
    chased = stack.post(f"/api/rectifications/{rect_id}/chase", json={"note": "请于本周内完成整改并上传材料"})
    assert chased.status_code == 200, chased.text
    assert chased.json()["chases"] == 1
    notices = inbox(stack, office=OFFICE)
    chase_notices = [n for n in notices if n["kind"] == "chase"]
    assert len(chase_notices) == 1 and "请于本周内完成整改并上传材料" in chase_notices[0]["text"]
    assert "【催办】" in chase_notices[0]["text"]
    stack.rpc.notifications.deliver()
    assert wait_for(lambda: hooks.bodies("/staff") and hooks.bodies("/head"))
    assert "请于本周内完成整改并上传材料" in hooks.bodies("/head")[0]["text"]["content"]
    assert "请于本周内完成整改并上传材料" in hooks.bodies("/staff")[0]["text"]

    refused = stack.post(f"/api/rectifications/{rect_id}/close", role="inspector")
    assert refused.status_code == 409 and refused.json()["message"] == "街道办事处尚未提交整改证明材料，不能销号"
    assert submit(stack, rect_id, [("整改后照片.jpg", JPEG), ("说明.pdf", PDF)]).status_code == 201
    refused = stack.post(f"/api/rectifications/{rect_id}/close", role="inspector")
    assert refused.status_code == 409 and "尚未复查通过" in refused.json()["message"]
    assert stack.post(f"/api/rectifications/{rect_id}/close", role="office", office=OFFICE).status_code == 403

    assert inspect(stack, CENTRE, kind="re_inspection").json()["result"] == "passed"
    assert _rect(stack, rect_id)["status"] == "verified"
    closed = stack.post(f"/api/rectifications/{rect_id}/close", role="inspector")
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["closed_by"]["role"] == "inspector"
    assert stack.post(f"/api/rectifications/{rect_id}/close").status_code == 409  # once
    history = _rect(stack, rect_id)["history"]
    assert [(h["status"], h.get("action")) for h in history] == [
        ("open", None), ("open", "acknowledge"), ("open", "chase"), ("submitted", None), ("verified", None),
        ("closed", "close")]
    assert stack.post(f"/api/rectifications/{rect_id}/chase", json={"note": "再催"}).status_code == 409

    entries = [e for e in _audit(stack) if e["target"] == rect_id]
    assert sorted(e["kind"] for e in entries) == ["rectification_acknowledged", "rectification_chased",
                                                  "rectification_closed"]
    chase_entry = next(e for e in entries if e["kind"] == "rectification_chased")
    assert chase_entry["detail"]["note"] == "请于本周内完成整改并上传材料" and chase_entry["detail"]["deliveries"] == 2

    times = stack.get("/api/response-times")
    assert times.status_code == 200 and stack.get("/api/response-times", role="inspector").status_code == 403
    (mine,) = [o for o in times.json()["items"] if o["office"] == OFFICE]
    assert mine["acknowledged"] == 1 and mine["fixed"] == 1
    assert mine["ack_hours"] is not None and mine["fix_days"] is not None


def test_a_write_off_needs_the_evidence_even_after_a_passed_recheck(loaded):
    stack = loaded
    rect_id = _open_one(stack)
    assert inspect(stack, CENTRE, kind="re_inspection").json()["result"] == "passed"
    refused = stack.post(f"/api/rectifications/{rect_id}/close")
    assert refused.status_code == 409, refused.text
    assert refused.json()["message"] == "街道办事处尚未提交整改证明材料，不能销号"
    assert refused.json()["details"] == {"submissions": ["缺少整改证明材料"]}
    assert _rect(stack, rect_id)["status"] == "verified"
    assert not [e for e in _audit(stack) if e["target"] == rect_id]  # a refusal changes nothing


def _ack_notices(stack):
    notices = inbox(stack, office=OFFICE)
    return sorted((n["as_of"], n["step"]) for n in notices if n["title"].startswith("签收整改通知"))


def test_an_order_not_signed_for_is_reminded_once_per_step(loaded, clock):
    stack = loaded
    rect_id = _open_one(stack)
    stack.rpc.notifications.scan({"as_of": "2019-07-15"})
    stack.rpc.notifications.scan({"as_of": "2019-07-15"})  # the same day again: nothing new
    assert _ack_notices(stack) == [("2019-07-15", "remind_3")]
    clock.set("2019-07-16T10:00:00+08:00")
    stack.rpc.notifications.scan({"as_of": "2019-07-16"})
    stack.rpc.notifications.scan({"as_of": "2019-07-16"})
    clock.set("2019-07-18T10:00:00+08:00")
    stack.rpc.notifications.scan({"as_of": "2019-07-18"})  # one working day past the day to sign by
    assert _ack_notices(stack) == [("2019-07-15", "remind_3"), ("2019-07-16", "remind_1"),
                                   ("2019-07-18", "overdue_1")]
    notices = inbox(stack, office=OFFICE)
    overdue = next(n for n in notices if n["title"].startswith("签收整改通知") and n["step"] == "overdue_1")
    assert "尚未签收" in overdue["text"] and "2019-07-17" in overdue["text"]
    assert stack.post(f"/api/rectifications/{rect_id}/acknowledge", role="office", office=OFFICE).status_code == 200
    clock.set("2019-07-22T10:00:00+08:00")
    stack.rpc.notifications.scan({"as_of": "2019-07-22"})  # signed for: no further reminder
    assert len(_ack_notices(stack)) == 3


def test_my_todo_for_an_office_and_an_inspector(loaded):
    stack = loaded
    assert wait_for(lambda: _todo(stack, "inspector")["total"] >= 50, timeout=300,
                    what="the acceptances due in the read model")
    inspector = _todo(stack, "inspector")
    assert inspector["more"] and {i["kind"] for i in inspector["items"]} == {"acceptance"}
    assert all(i["link"].startswith("/checklist/") and i["centre_name"] for i in inspector["items"])

    before = _todo(stack, "office", OFFICE)
    assert {i["kind"] for i in before["items"]} <= {"milestone", "monthly_report"}
    assert all(i["office"] == OFFICE for i in before["items"])
    rect_id = _open_one(stack)
    mine = _todo(stack, "office", OFFICE)
    kinds = [i["kind"] for i in mine["items"] if i["link"] == "/rectification/" + rect_id]
    assert sorted(kinds) == ["acknowledge", "rectification"] and mine["total"] == before["total"] + 2
    assert _todo(stack, "office", "国基路街道")["items"] == [] or all(
        i["office"] == "国基路街道" for i in _todo(stack, "office", "国基路街道")["items"])

    stack.post(f"/api/rectifications/{rect_id}/acknowledge", role="office", office=OFFICE)
    assert _todo(stack, "office", OFFICE)["total"] == before["total"] + 1
    submit(stack, rect_id, [("整改后照片.jpg", JPEG)])
    assert _todo(stack, "office", OFFICE)["total"] == before["total"]
    rechecks = [i for i in _todo(stack, "inspector")["items"] if i["kind"] == "recheck"]
    assert [i["link"] for i in rechecks] == ["/rectification/" + rect_id]
    inspect(stack, CENTRE, kind="re_inspection")
    waiting = _todo(stack, "inspector")["items"]
    assert [i["kind"] for i in waiting if i["link"] == "/rectification/" + rect_id] == ["close"]
    assert _todo(stack, "admin")["items"]  # the bureau sees the same list as an inspector

    # missing monthly figures, once the bureau has set the first month to report: this office's only
    assert stack.post("/api/monthly-reports/schedule", json={"from": "2019-06"}).status_code == 200
    monthly = [i for i in _todo(stack, "office", OFFICE)["items"] if i["kind"] == "monthly_report"]
    centres = stack.get("/api/centres", params={"office": OFFICE, "limit": 100}).json()["items"]
    assert sorted(i["link"] for i in monthly) == sorted("/monthly/" + c["id"] for c in centres)
    assert all(i["office"] == OFFICE and i["title"] == "2019-06 月度服务数据报送" for i in monthly)


def test_the_office_signs_for_an_escalation_notice_once(loaded, clock):
    stack = loaded
    _open_one(stack)  # not signed for: escalated to the office's head 5 working days after the day to sign by
    clock.set("2019-07-24T10:00:00+08:00")
    stack.rpc.notifications.scan({"as_of": "2019-07-24"})
    notices = inbox(stack, office=OFFICE)
    escalated = next(n for n in notices if n["title"].startswith("签收整改通知") and n["kind"] == "escalate_head")
    plain = next(n for n in notices if not n["kind"].startswith("escalate_"))
    assert escalated["acknowledged_at"] is None

    url = "/api/notifications/{}/acknowledge".format(escalated["id"])
    assert stack.post(url, role="office", office="国基路街道").status_code == 404  # not in that office's inbox
    assert stack.post(url).status_code == 403  # the bureau does not sign for an office
    refused = stack.post("/api/notifications/{}/acknowledge".format(plain["id"]), role="office", office=OFFICE)
    assert refused.status_code == 400 and refused.json()["message"] == "只有升级通知需要签收"
    signed = stack.post(url, role="office", office=OFFICE)
    assert signed.status_code == 200, signed.text
    assert signed.json()["acknowledged_at"] and signed.json()["read_at"]
    assert stack.post(url, role="office", office=OFFICE).status_code == 409
    entries = [e for e in _audit(stack) if e["kind"] == "notice_acknowledged"]
    assert [e["target"] for e in entries] == [escalated["id"]] and entries[0]["detail"]["office"] == OFFICE


def test_the_bureau_chases_an_overdue_milestone(loaded, hooks):
    stack = loaded
    milestones = stack.get(f"/api/centres/{CENTRE}/milestones").json()["milestones"]
    late = next(m for m in milestones if m["owner"] == "office" and m["status"] != "done")
    url = "/api/centres/{}/milestones/{}/chase".format(CENTRE, late["key"])
    assert stack.post(url, role="office", office=OFFICE, json={"note": "快"}).status_code == 403
    assert stack.post(f"/api/centres/{CENTRE}/milestones/no_such_step/chase", json={"note": "快"}).status_code == 404
    assert stack.post(url, json={}).status_code == 400
    chased = stack.post(url, json={"note": "请本月内完成并更新进度"})
    assert chased.status_code == 200, chased.text
    assert chased.json() == {"notices": 3, "deliveries": 2}  # the office's inbox, its staff and its head
    notices = inbox(stack, office=OFFICE)
    (notice,) = [n for n in notices if n["kind"] == "chase"]
    assert notice["title"] == late["title"] and "请本月内完成并更新进度" in notice["text"]
    stack.rpc.notifications.deliver()
    assert wait_for(lambda: hooks.bodies("/staff") and hooks.bodies("/head"))
    (entry,) = [e for e in _audit(stack) if e["kind"] == "milestone_chased"]
    assert entry["target"] == "{}/{}".format(CENTRE, late["key"]) and entry["detail"]["note"] == "请本月内完成并更新进度"
