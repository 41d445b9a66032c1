"""Notifications against the real broker and store, the real milestones service, a real
SMTP server (aiosmtpd) and a webhook receiver, all on 127.0.0.1.

Scans and delivery rounds are driven by RPC (the timer interval is set to an hour),
with the services' clock moved through the Jinshui plan.
"""
from collections import Counter
from datetime import date, timedelta

import eventlet
import pytest

from shared.workdays import is_workday
from tests.support.notifications import inbox
from tests.support.paths import JINSHUI_CSV
from tests.support.receivers import SmtpServer, WebhookReceiver
from tests.support.waiting import wait_for

ADMIN = {"role": "admin", "name": "test"}


@pytest.fixture
def receivers(tmp_path):
    from nameko import config

    smtp = SmtpServer(tmp_path / "mail").start()
    hooks = WebhookReceiver().start()
    with config.patch({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "NOTIFY_TICK_SECONDS": 3600}):
        yield smtp, hooks
    hooks.stop()
    smtp.stop()


@pytest.fixture
def plan(receivers, stack, clock):
    """The Jinshui table loaded on 2017-06-01, milestones created, four contacts registered."""
    smtp, hooks = receivers
    clock.set("2017-06-01")
    stack.import_jinshui()
    wait_for(lambda: len(model_items(stack, "p3_construction")) == 105, timeout=600,
             what="the milestones of 105 centres in the read model the scan reads")
    contacts = [
        {"id": "fql-staff", "name": "丰庆路经办人", "scope": "office", "office": "丰庆路街道", "email": "fql@example.org"},
        {"id": "fql-head", "name": "丰庆路主任", "scope": "office", "office": "丰庆路街道", "role": "head",
         "webhook": hooks.url("/dingtalk"), "webhook_format": "dingtalk"},
        {"id": "gjl-staff", "name": "国基路经办人", "scope": "office", "office": "国基路街道",
         "webhook": hooks.url("/json")},
        {"id": "bureau", "name": "区文广局", "scope": "bureau", "mode": "daily_digest", "email": "bureau@example.org",
         "webhook": hooks.url("/wecom"), "webhook_format": "wecom"},
    ]
    for contact in contacts:
        assert stack.post("/api/notifications/contacts", json=contact).status_code == 201
    return stack, smtp, hooks, clock


def run_day(stack, clock, day):
    clock.set(day.isoformat())
    scanned = stack.rpc.notifications.scan({"as_of": day.isoformat()})
    delivered = stack.rpc.notifications.deliver()
    return scanned, delivered


def working_days(start, end):
    day = start
    while day <= end:
        if is_workday(day):
            yield day
        day += timedelta(days=1)


def schedule(items, item_key):
    return {n["step"]: n["as_of"] for n in items if n["item_key"] == item_key}


def p3(centre_id, due):
    return f"milestone:{centre_id}/p3_construction@{due}"


def test_time_travel_through_the_jinshui_plan(plan):
    stack, smtp, hooks, clock = plan
    for day in working_days(date(2017, 6, 19), date(2017, 7, 21)):
        run_day(stack, clock, day)

    office = inbox(stack, office="丰庆路街道")
    assert schedule(office, p3("js01-c01", "2017-06-30")) == {
        "remind_7": "2017-06-21", "remind_3": "2017-06-27", "remind_1": "2017-06-29", "overdue_1": "2017-07-03",
        "overdue_2": "2017-07-06", "escalate_head": "2017-07-07", "overdue_3": "2017-07-11", "overdue_4": "2017-07-14",
        "overdue_5": "2017-07-19"}
    bureau = inbox(stack, role="admin")
    pilots = {n["centre_id"]: n["as_of"] for n in bureau
              if n["step"] == "escalate_bureau" and n["item_key"].endswith("/p3_construction@2017-06-30")}
    assert pilots == dict.fromkeys(("js01-c01", "js02-s", "js05-v01", "js08-c01", "js09-s"), "2017-07-14")

    # December: js01-s is completed on 2018-01-03; js01-c03's deadline moves to 2018-02-12 on 2017-12-29.
    for day in working_days(date(2017, 12, 18), date(2018, 1, 19)):
        if day == date(2018, 1, 3):
            clock.set(day.isoformat())
            complete(stack, "js01-s", "p3_construction")
        run_day(stack, clock, day)
        if day == date(2017, 12, 29):
            move_deadline(stack, "js01-c03", "2018-02-12")
    assert run_day(stack, clock, date(2018, 1, 1))[0]["created"] == 0  # New Year's Day: nothing issued

    office = inbox(stack, office="丰庆路街道")
    assert schedule(office, p3("js01-c02", "2017-12-31")) == {
        "remind_7": "2017-12-21", "remind_3": "2017-12-27", "remind_1": "2017-12-29", "overdue_1": "2018-01-02",
        "overdue_2": "2018-01-05", "escalate_head": "2018-01-08", "overdue_3": "2018-01-10", "overdue_4": "2018-01-15",
        "overdue_5": "2018-01-18"}
    # completed: nothing after the first overdue notice
    assert schedule(office, p3("js01-s", "2017-12-31")) == {
        "remind_7": "2017-12-21", "remind_3": "2017-12-27", "remind_1": "2017-12-29", "overdue_1": "2018-01-02"}
    # moved: the old due date's reminders stand, no overdue notice follows
    assert schedule(office, p3("js01-c03", "2017-12-31")) == {
        "remind_7": "2017-12-21", "remind_3": "2017-12-27", "remind_1": "2017-12-29"}

    # Spring Festival 2018: 02-15..21 off, Sunday 02-11 and Saturday 02-24 worked.
    for day in working_days(date(2018, 1, 29), date(2018, 3, 9)):
        run_day(stack, clock, day)
    assert run_day(stack, clock, date(2018, 2, 16))[0]["created"] == 0
    office = inbox(stack, office="丰庆路街道")
    assert schedule(office, p3("js01-c03", "2018-02-12")) == {
        "remind_7": "2018-02-02", "remind_3": "2018-02-08", "remind_1": "2018-02-11", "overdue_1": "2018-02-13",
        "overdue_2": "2018-02-23", "escalate_head": "2018-02-24", "overdue_3": "2018-02-27", "overdue_4": "2018-03-02",
        "overdue_5": "2018-03-07"}
    assert schedule(inbox(stack, role="admin"), p3("js01-c03", "2018-02-12")) == {"escalate_bureau": "2018-03-02"}

    check_channels(stack, smtp, hooks)


def complete(stack, centre_id, key):
    version = [m for m in stack.rpc.milestones.list_milestones(centre_id)["milestones"] if m["key"] == key][0]["version"]
    stack.rpc.milestones.report_progress(centre_id, key, {"status": "done", "based_on_version": version}, ADMIN)


def move_deadline(stack, centre_id, deadline):
    with open(JINSHUI_CSV, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    lines = [",".join(ln.split(",")[:4] + [deadline] + ln.split(",")[5:]) if ln.startswith(centre_id + ",") else ln
             for ln in lines]
    report = stack.upload_allocation(name="moved.csv", content=("\n".join(lines) + "\n").encode("utf-8")).json()
    assert report["changed"] == [centre_id], report
    wait_for(lambda: any(m["key"] == "p3_construction" and m["due"] == deadline
                         for m in stack.rpc.milestones.list_milestones(centre_id)["milestones"]),
             what="the milestone's due date to move")
    wait_for(lambda: any(i["centre_id"] == centre_id and i["due"] == deadline for i in model_items(stack, "p3_construction")),
             what="the read model to take the new due date")


def model_items(stack, key):
    """Open milestones as the notifications scan reads them (the reporting read model; 105 centres fit one page)."""
    page = stack.rpc.reporting.open_items({"before": "2030-01-01", "limit": 1000})
    assert page["cursor"] is None
    return [i for i in page["items"] if i["key"] == key]


def check_channels(stack, smtp, hooks):
    """Every delivery reached its channel exactly once, in the right format and words."""
    sent = stack.get("/api/notifications/deliveries", params={"status": "sent", "limit": 1000}).json()
    assert sent["next"] is None and len(sent["items"]) > 0
    assert stack.get("/api/notifications/deliveries", params={"status": "pending"}).json()["items"] == []
    by_channel = Counter((d["contact_id"], d["channel"]) for d in sent["items"])

    ids = smtp.delivery_ids()
    assert len(ids) == len(set(ids)) == by_channel[("fql-staff", "email")] + by_channel[("bureau", "email")]
    mails = {m["X-Cctrack-Delivery"]: m for m in smtp.messages()}
    def text(m):
        return m.get_body(("plain",)).get_content()

    overdue_2 = [m for m in mails.values() if "四月天社区" in m["Subject"] and "第 2 次通知" in text(m)]
    assert len(overdue_2) == 3  # p2_pilot_built, p2_lessons and p3_construction: all due 2017-06-30
    mail = [m for m in overdue_2 if "按标准完成建设" in text(m)][0]
    for part in ("丰庆路街道", "四月天社区", "2017-06-30", "已逾期 4 个工作日", "中心状态：红色：已逾期", "序时进度：应完成"):
        assert part in text(mail)
    assert "红色：已逾期" in mail.get_body(("html",)).get_content()  # the HTML part, the colour as a coloured tag

    dingtalk = hooks.bodies("/dingtalk")
    assert len(dingtalk) == by_channel[("fql-head", "webhook")] > 0
    assert all(set(b) == {"msgtype", "markdown"} and b["msgtype"] == "markdown" for b in dingtalk)
    assert any("逾期升级·街道负责人" in b["markdown"]["text"] and "2017-06-30" in b["markdown"]["text"]
               and "中心状态：" in b["markdown"]["text"] for b in dingtalk)

    wecom = hooks.bodies("/wecom")
    assert len(wecom) == by_channel[("bureau", "webhook")] > 0
    digest = [b["markdown"]["content"] for b in wecom if "2017-07-14 共有" in b["markdown"]["content"]]
    assert len(digest) == 1 and "四月天社区" in digest[0] and "逾期升级·区文化主管部门" in digest[0]
    assert "**红色：已逾期**" in digest[0]  # each item with its centre's colour

    plain = hooks.bodies("/json")
    assert len(plain) == len({b["delivery_id"] for b in plain}) == by_channel[("gjl-staff", "webhook")] > 0
    assert all({"subject", "text", "delivery_id", "item", "step", "pace", "pace_text"} <= set(b) for b in plain)
    assert all(b["pace"]["colour"] in ("red", "yellow", "blue", "green") for b in plain)


def start_instance(container_factory):
    from services.notifications.service import NotificationsService

    container = container_factory(NotificationsService)
    container.start()
    return container


def in_parallel(*calls):
    threads = [eventlet.spawn(call) for call in calls]
    return [t.wait() for t in threads]


def assert_each_delivered_once(stack, smtp, hooks):
    sent = stack.get("/api/notifications/deliveries", params={"status": "sent", "limit": 1000}).json()["items"]
    emails = sorted(d["id"] for d in sent if d["channel"] == "email")
    assert emails and smtp.delivery_ids() == emails  # each delivery once, nothing else
    posted = sorted(b["delivery_id"] for b in hooks.bodies("/json"))
    assert posted == sorted(d["id"] for d in sent if d["contact_id"] == "gjl-staff")
    return sent


def test_two_instances_scanning_the_same_day_send_each_notice_once(plan, container_factory):
    from nameko.testing.services import entrypoint_hook

    stack, smtp, hooks, clock = plan
    first, second = start_instance(container_factory), start_instance(container_factory)
    clock.set("2018-01-15")
    with entrypoint_hook(first, "tick") as tick_a, entrypoint_hook(second, "tick") as tick_b:
        results = in_parallel(tick_a, tick_b)
    created = [r["scan"]["created"] for r in results]
    alone = stack.rpc.notifications.scan({"as_of": "2018-01-15"})
    assert alone["created"] == 0 and sum(created) > 0
    with entrypoint_hook(first, "deliver") as deliver_a, entrypoint_hook(second, "deliver") as deliver_b:
        in_parallel(deliver_a, deliver_b, deliver_a, deliver_b)
    sent = assert_each_delivered_once(stack, smtp, hooks)
    office = inbox(stack, office="丰庆路街道")
    assert len(office) == len({(n["item_key"], n["step"]) for n in office})
    notices_to_staff = [n for n in office if not n["step"].startswith("escalate")]
    assert len([d for d in sent if d["contact_id"] == "fql-staff"]) == len(notices_to_staff)


def test_a_restart_in_the_middle_of_a_scan_duplicates_nothing(plan, container_factory, monkeypatch):
    from nameko.testing.services import entrypoint_hook

    from services.notifications import commands

    stack, smtp, hooks, clock = plan
    clock.set("2018-01-02")
    crashed = start_instance(container_factory)

    def killed(store, notices, now):
        if notices:  # the start-up repair finds nothing to do; the scan dies after writing its notices
            raise RuntimeError("killed after the notices were written")
        return 0

    monkeypatch.setattr(commands, "plan_deliveries", killed)
    with entrypoint_hook(crashed, "scan") as scan, pytest.raises(RuntimeError):
        scan({"as_of": "2018-01-02"})
    crashed.kill()
    monkeypatch.undo()
    written = len(inbox(stack, office="丰庆路街道"))
    assert written > 0 and smtp.delivery_ids() == []

    restarted = start_instance(container_factory)
    with entrypoint_hook(restarted, "tick") as tick:
        again = tick()
        assert again["scan"]["created"] == 0 and again["deliveries"]["sent"] > 0
        assert tick()["deliveries"]["attempted"] == 0
    assert len(inbox(stack, office="丰庆路街道")) == written
    sent = assert_each_delivered_once(stack, smtp, hooks)
    office_notices = [n for n in inbox(stack, office="丰庆路街道") if not n["step"].startswith("escalate")]
    assert len([d for d in sent if d["contact_id"] == "fql-staff"]) == len(office_notices)


def test_smtp_down_during_a_scan_then_up_delivers_later_once(plan):
    stack, smtp, hooks, clock = plan
    smtp.stop()
    scanned, first = run_day(stack, clock, date(2018, 1, 2))
    assert scanned["deliveries"] > 0 and first["retrying"] > 0 and first["sent"] == len(hooks.requests)
    pending = stack.get("/api/notifications/deliveries", params={"status": "pending", "limit": 1000}).json()["items"]
    assert pending and all(d["channel"] == "email" and d["attempts"] == 1 and d["last_error"] for d in pending)

    smtp.start()
    assert stack.rpc.notifications.deliver()["attempted"] == 0  # backoff not over yet
    clock.set("2018-01-02T09:01:01")
    later = stack.rpc.notifications.deliver()
    assert later["sent"] == len(pending) and later["retrying"] == 0
    assert stack.rpc.notifications.deliver()["attempted"] == 0
    assert sorted(smtp.delivery_ids()) == sorted(d["id"] for d in pending)


def test_failures_are_visible_to_the_admin_only(plan):
    from nameko import config

    stack, smtp, hooks, clock = plan
    hooks.fail = True
    with config.patch({"NOTIFY_MAX_ATTEMPTS": 2}):
        run_day(stack, clock, date(2018, 1, 2))
        clock.set("2018-01-03T12:00:00")
        stack.rpc.notifications.deliver()
    failed = stack.get("/api/notifications/deliveries", params={"status": "failed"}).json()
    assert failed["items"] and failed["next"] is None
    assert all(d["attempts"] == 2 and "HTTP 503" in d["last_error"] for d in failed["items"])
    assert stack.get("/api/notifications/deliveries", role="office", office="丰庆路街道").status_code == 403
    bad = stack.get("/api/notifications/deliveries", params={"status": "lost"})
    assert bad.status_code == 400 and "status" in bad.json()["details"]
    bad = stack.get("/api/notifications/deliveries", params={"after": "yesterday"})
    assert bad.status_code == 400 and "after" in bad.json()["details"]
    # one at a time, newest first, by the cursor: the same deliveries, none twice, the status filter kept
    walked, after = [], None
    while True:
        page = stack.get("/api/notifications/deliveries", params={"status": "failed", "limit": 1,
                                                                   **({"after": after} if after else {})}).json()
        walked += page["items"]
        after = page["next"]
        if after is None:
            break
    assert [d["id"] for d in walked] == [d["id"] for d in failed["items"]] and len(walked) == len({d["id"] for d in walked})
    assert [d["created_at"] for d in walked] == sorted((d["created_at"] for d in walked), reverse=True)
    everything = stack.get("/api/notifications/deliveries", params={"limit": 1000}).json()["items"]
    assert {d["id"] for d in failed["items"]} <= {d["id"] for d in everything}


def test_inbox_overdue_report_contacts_and_cli(plan, capsys):
    from services.cli import main as cli

    stack, smtp, hooks, clock = plan
    clock.set("2018-01-05")
    assert cli.main(["overdue", "scan", "--as-of", "2018-01-05", "--office", "丰庆路街道"]) == 0
    out = capsys.readouterr().out
    assert "2018-01-05 扫描完成" in out and "安泰社区" in out and "丰庆路经办人" in out

    report = stack.get("/api/overdue", role="office", office="丰庆路街道", params={"as_of": "2018-01-05"}).json()
    row = [r for r in report["items"] if r["item_key"] == p3("js01-c02", "2017-12-31")][0]
    assert (row["overdue_since"], row["days_overdue"], row["calendar_days"]) == ("2018-01-01", 4, 5)
    assert {t["recipient_name"] for t in row["told"]} == {"丰庆路街道", "丰庆路经办人"}
    assert {r["office"] for r in report["items"]} == {"丰庆路街道"}
    other = stack.get("/api/overdue", role="office", office="丰庆路街道", params={"office": "国基路街道"})
    assert other.status_code == 403

    mine = stack.get("/api/notifications", role="office", office="丰庆路街道", params={"unread": "true"}).json()
    assert mine["unread"] == mine["total"] > 0 and {n["office"] for n in mine["items"]} == {"丰庆路街道"}
    first = mine["items"][0]["id"]
    assert stack.post(f"/api/notifications/{first}/read", role="office", office="丰庆路街道").json()["read_at"]
    after = stack.get("/api/notifications", role="office", office="丰庆路街道").json()
    assert after["unread"] == mine["unread"] - 1
    assert stack.post(f"/api/notifications/{first}/read", role="office", office="国基路街道").status_code == 404
    assert stack.get("/api/notifications", role="inspector").status_code == 403

    assert stack.post("/api/notifications/contacts", role="office", office="丰庆路街道",
                      json={"id": "x", "name": "x", "scope": "bureau"}).status_code == 403
    bad = stack.post("/api/notifications/contacts", json={"id": "Bad Id", "name": "", "scope": "office",
                                                          "email": "not-an-email", "webhook_format": "slack"})
    assert bad.status_code == 400 and {"id", "name", "email", "webhook_format"} <= set(bad.json()["details"])
    unknown = stack.post("/api/notifications/contacts", json={"id": "nobody", "name": "某人", "scope": "office",
                                                              "office": "不存在街道"})
    assert unknown.status_code == 400 and "office" in unknown.json()["details"]
    changed = stack.http.patch("/api/notifications/contacts/fql-staff", headers=stack.headers("admin"),
                               json={"mode": "daily_digest"})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    removed = stack.http.delete("/api/notifications/contacts/fql-head", headers=stack.headers("admin")).json()
    assert removed["active"] is False
    listed = stack.get("/api/notifications/contacts", params={"active": "true"}).json()
    assert {c["id"] for c in listed["items"]} == {"fql-staff", "gjl-staff", "bureau"}
    history = stack.rpc.notifications.contact_history("fql-staff")
    assert [h["reason"] for h in history] == ["新增联系人", "修改联系人"] and history[1]["actor"]["role"] == "admin"

    assert cli.main(["contacts", "list"]) == 0
    assert "每日汇总（每天 8 点）" in capsys.readouterr().out  # NOTIFY_DIGEST_HOUR
    assert cli.main(["contacts", "update", "fql-staff", "--digest-hour", "18"]) == 0
    assert [c["digest_hour"] for c in stack.rpc.notifications.list_contacts({"office": "丰庆路街道"})["items"]
            if c["id"] == "fql-staff"] == [18]
    assert cli.main(["contacts", "list"]) == 0
    assert "每日汇总（每天 18 点）" in capsys.readouterr().out
    spec = stack.http.get("/openapi.json").json()
    assert {"/api/overdue", "/api/notifications", "/api/notifications/deliveries"} <= set(spec["paths"])
    assert stack.http.get("/healthz").json()["checks"]["notifications"] == "ok"
