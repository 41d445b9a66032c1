"""Scan, delivery rounds and contacts on mongomock with fake item sources (no broker)."""
from datetime import UTC, date, datetime, timedelta, timezone

import mongomock
import pytest

from services.notifications import commands
from services.notifications.items import (
    DueDaySource,
    Item,
    OverduePage,
    OverdueQuery,
    RpcSource,
    collect,
    milestone_item,
    overdue_items,
)
from services.notifications.rules import Rules, due_window
from services.notifications.store import NotificationsStore
from shared.errors import Forbidden, InvalidInput, NotFound

NOW = datetime(2018, 1, 5, 1, 0, tzinfo=UTC)
ADMIN = {"role": "admin", "office": None, "name": "t"}
CONFIG = {"max_attempts": 3, "base": 60, "cap": 3600, "lease": 300, "batch": 100}
RAW = {"centre_id": "js01-c02", "centre_name": "安泰社区", "office": "丰庆路街道", "level": "community",
       "key": "p3_construction", "title": "建设施工", "phase": "p3", "owner": "office", "due": "2017-12-31",
       "status": "in_progress", "phase_end": "2017-12-31"}


@pytest.fixture(autouse=True)
def email_on():
    """E-mail is off unless SMTP_HOST is set (shared/settings.py: emails_enabled)."""
    from nameko import config

    with config.patch({"SMTP_HOST": "127.0.0.1"}):
        yield


@pytest.fixture
def store():
    s = NotificationsStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    return s


def contact(cid, **kw):
    return {"id": cid, "name": cid, "scope": "office", "office": "丰庆路街道", "role": "staff", "mode": "immediate",
            "email": cid + "@example.org", "webhook": None, "webhook_format": "json", "active": True, **kw}


def item(due="2017-12-31", ref="js01-c02/p3_construction"):
    return milestone_item({**RAW, "due": due, "key": ref.split("/")[1]})


def scan(store, items, day, now=NOW):
    return commands.scan(store, commands.Scan(items, {"milestones": "ok"}, date.fromisoformat(day), now, Rules()))


def test_scan_is_idempotent_and_emits_detection_once(store):
    commands.add_contact(store, contact("staff1"), ADMIN, NOW)
    result, events = scan(store, [item()], "2018-01-05")
    assert (result["created"], result["detected"], result["deliveries"]) == (2, 1, 1)
    assert [name for name, _ in events] == ["overdue_detected"]
    assert events[0][1]["days_overdue"] == 4
    again, events = scan(store, [item()], "2018-01-05")
    assert (again["created"], again["detected"], again["deliveries"], events) == (0, 0, 0, [])
    assert store.notices.count_documents({}) == 2 and store.deliveries.count_documents({}) == 1


def test_the_unique_index_is_the_guard_not_the_id(store):
    scan(store, [item()], "2018-01-05")
    doc = store.notices.find_one({"inbox": "丰庆路街道"})
    batch = [{**doc, "_id": "same key"}, {**doc, "_id": "new step", "step": "overdue_9"}]
    assert store.insert_new("notices", batch) == {"new step"}  # "same key" repeats (item, step, recipient)


def test_non_working_day_issues_nothing_and_the_next_working_day_catches_up(store):
    result, _ = scan(store, [item()], "2018-01-01")
    assert result["workday"] is False and result["created"] == 0
    result, _ = scan(store, [item()], "2018-01-02")
    assert result["created"] == 1
    assert store.notices.find_one()["step"] == "overdue_1"


def test_escalation_reaches_head_and_bureau_with_an_event(store):
    commands.add_contact(store, contact("head1", role="head"), ADMIN, NOW)
    commands.add_contact(store, contact("bureau1", scope="bureau", office=None), ADMIN, NOW)
    result, events = scan(store, [item()], "2018-01-15")
    steps = sorted((n["step"], n["recipient"]) for n in store.notices.find())
    assert steps == [("escalate_bureau", "contact:bureau1"), ("escalate_bureau", "inbox:bureau"),
                     ("escalate_head", "contact:head1"), ("escalate_head", "inbox:丰庆路街道"),
                     ("overdue_4", "inbox:丰庆路街道")]
    assert sorted(p["level"] for name, p in events if name == "escalated") == ["bureau", "head"]
    text = store.notices.find_one({"recipient": "inbox:bureau"})["text"]
    for part in ("丰庆路街道", "安泰社区", "建设施工", "2017-12-31", "逾期 10 个工作日", "区文化主管部门"):
        assert part in text


def test_moving_the_due_date_rearms_and_a_done_item_stops(store):
    scan(store, [item()], "2018-01-05")
    moved = item(due="2018-01-09")
    result, _ = scan(store, [moved], "2018-01-05")
    assert result["created"] == 1
    assert store.notices.find_one({"item_key": moved.key})["step"] == "remind_3"
    result, _ = scan(store, [], "2018-01-10")
    assert result["created"] == 0


class Broken:
    name = "inspections"

    def fetch(self, as_of):
        raise ConnectionError("down")


def test_a_source_that_is_down_is_reported_and_the_others_still_count():
    good = RpcSource("milestones", lambda as_of: [RAW, {**RAW, "due": None}], milestone_item)
    items, status = collect([good, Broken()], date(2018, 1, 5))
    assert [i.ref for i in items] == ["js01-c02/p3_construction"]
    assert status == {"milestones": "ok", "inspections": "error: ConnectionError"}


def test_delivery_retries_with_backoff_then_sends_once(store):
    commands.add_contact(store, contact("staff1"), ADMIN, NOW)
    scan(store, [item()], "2018-01-05")
    calls = []

    def down(delivery):
        calls.append(delivery["_id"])
        raise ConnectionRefusedError("smtp down")

    tally, events = commands.deliver(store, down, NOW, CONFIG)
    assert tally == {"attempted": 1, "sent": 0, "failed": 0, "retrying": 1}
    assert events[0][0] == "notice_failed" and events[0][1]["will_retry"] is True
    stored = store.deliveries.find_one()
    assert stored["status"] == "pending" and stored["attempts"] == 1 and "smtp down" in stored["last_error"]
    # jittered backoff (shared/retry.py): between half and all of the base delay
    assert NOW + timedelta(seconds=30) <= stored["next_attempt_at"] <= NOW + timedelta(seconds=60)

    tally, _ = commands.deliver(store, down, NOW + timedelta(seconds=29), CONFIG)
    assert tally["attempted"] == 0  # not due yet
    tally, events = commands.deliver(store, calls.append, NOW + timedelta(seconds=60), CONFIG)
    assert tally["sent"] == 1 and events[0][0] == "notice_sent" and events[0][1]["attempts"] == 2
    tally, _ = commands.deliver(store, calls.append, NOW + timedelta(days=1), CONFIG)
    assert tally["attempted"] == 0 and len(calls) == 2


def test_delivery_gives_up_after_max_attempts(store):
    commands.add_contact(store, contact("staff1"), ADMIN, NOW)
    scan(store, [item()], "2018-01-05")

    def down(delivery):
        raise OSError("unreachable")

    now = NOW
    for _ in range(3):
        commands.deliver(store, down, now, CONFIG)
        now += timedelta(hours=2)
    stored = store.deliveries.find_one()
    assert stored["status"] == "failed" and stored["attempts"] == 3
    assert stored["status_day"] == "failed|2018-01-05"
    assert [d["_id"] for d in store.delivery_page("failed")[0]] == [stored["_id"]]
    assert store.delivery_page("pending") == ([], None)


def test_a_claimed_attempt_is_not_sent_twice_and_an_abandoned_claim_expires(store):
    commands.add_contact(store, contact("staff1"), ADMIN, NOW)
    scan(store, [item()], "2018-01-05")
    delivery = store.deliveries.find_one()
    assert store.claim(delivery["_id"], 1, NOW)  # another replica claimed attempt 1 and died
    sent = []
    tally, _ = commands.deliver(store, sent.append, NOW + timedelta(seconds=10), CONFIG)
    assert tally["attempted"] == 0 and sent == []
    commands.deliver(store, sent.append, NOW + timedelta(seconds=301), CONFIG)  # lease over: attempt 1 failed
    assert store.deliveries.find_one()["attempts"] == 1 and sent == []
    tally, _ = commands.deliver(store, sent.append, NOW + timedelta(seconds=302), CONFIG)
    assert tally["sent"] == 1 and len(sent) == 1


def test_daily_digest_collects_a_day_into_one_message(store):
    commands.add_contact(store, contact("digest1", mode="daily_digest"), ADMIN, NOW)
    items = [item(), item(ref="js01-c02/p2_design")]
    result, _ = scan(store, items, "2018-01-05")
    assert result["deliveries"] == 0
    # the next working day at 09:00 China time (after NOTIFY_DIGEST_HOUR, 8): the 5th's digest goes out
    result, _ = scan(store, items, "2018-01-08", now=datetime(2018, 1, 8, 1, 0, tzinfo=UTC))
    digests = list(store.deliveries.find({"_id": {"$regex": "^digest:"}}))
    assert len(digests) == 1 and len(digests[0]["notice_ids"]) == 2
    assert "2018-01-05 共有 2 项" in digests[0]["text"]
    scan(store, items, "2018-01-09", now=datetime(2018, 1, 9, 1, 0, tzinfo=UTC))
    assert store.deliveries.count_documents({"_id": {"$regex": "^digest:digest1:2018-01-05"}}) == 1


def test_a_crash_between_notice_and_delivery_is_repaired_after_the_restart(store, monkeypatch):
    commands.add_contact(store, contact("staff1"), ADMIN, NOW)
    monkeypatch.setattr(commands, "plan_deliveries", lambda *a: (_ for _ in ()).throw(RuntimeError("killed")))
    with pytest.raises(RuntimeError):
        scan(store, [item()], "2018-01-05")
    monkeypatch.undo()
    assert store.deliveries.count_documents({}) == 0
    result, _ = scan(store, [item()], "2018-01-05")
    assert result["created"] == 0 and store.deliveries.count_documents({}) == 0
    assert commands.repair(store, NOW, since=date(2018, 1, 6)) == 0  # older than the window
    assert commands.repair(store, NOW, since=date(2018, 1, 5)) == 1
    assert commands.repair(store, NOW, since=date(2018, 1, 5)) == 0  # idempotent
    sent = []
    commands.deliver(store, sent.append, NOW, CONFIG)
    assert len(sent) == 1 and store.outbox.count_documents({}) == 0


def test_report_says_since_when_by_how_much_and_who_was_told(store):
    scan(store, [item()], "2018-01-02")
    scan(store, [item()], "2018-01-05")
    report = commands.overdue_report(store, OverduePage([item()], 1, {"milestones": "ok"}), OverdueQuery(date(2018, 1, 5)))
    assert report["total"] == 1
    row = report["items"][0]
    assert (row["overdue_since"], row["days_overdue"], row["calendar_days"], row["behind"]) == ("2018-01-01", 4, 5, True)
    assert [(t["step"], t["as_of"]) for t in row["told"]] == [("overdue_1", "2018-01-02"), ("overdue_2", "2018-01-05")]


def indicator(due, centre_id, office="丰庆路街道"):
    return {"kind": "monthly_report", "ref": f"{centre_id}/{due}", "centre_id": centre_id, "office": office,
            "title": "月报", "due": due}


def test_the_overdue_page_merges_indicator_items_into_the_read_models_groups():
    from services.notifications.items import indicator_item

    calls = []

    def overdue_page(query):  # the read model's answer for offset 1, limit 2 of the merged order
        calls.append(query)
        return {"total": 4, "skip": 1, "groups": [{"due": "2017-12-31", "office": "丰庆路街道"}],
                "milestones": [RAW], "rectifications": []}

    indicators = RpcSource("indicators", lambda as_of: [indicator("2017-12-31", "js01-c01"),
                                                        indicator("2017-12-31", "js01-c03"),
                                                        indicator("2017-12-31", "js02-s", office="国基路街道"),
                                                        indicator("2018-02-01", "js01-c01")], indicator_item)
    page, total, status = overdue_items(overdue_page, [indicators], OverdueQuery(date(2018, 1, 5), "丰庆路街道", 1, 2))
    assert calls[0]["extra"] == {"2017-12-31|丰庆路街道": 2} and calls[0]["office"] == "丰庆路街道"
    assert [i.centre_id for i in page] == ["js01-c02", "js01-c03"] and total == 4  # js01-c01 came before offset 1
    assert status == {"indicators": "ok", "milestones": "ok", "inspections": "ok"}

    def down(query):
        raise RuntimeError("reporting down")

    page, total, status = overdue_items(down, [indicators], OverdueQuery(date(2018, 1, 5), None, 0, 10))
    assert total == 3 and status["milestones"].startswith("error") and status["indicators"] == "ok"

    def refused(query):  # the read model refuses the query itself: said to the person, never an empty list
        raise InvalidInput("过去日期的逾期清单按修改记录重算，全区街道超过 1000 个时请按街道查看", {"office": ["required"]})

    with pytest.raises(InvalidInput):
        overdue_items(refused, [indicators], OverdueQuery(date(2018, 1, 5), None, 0, 10))


def test_the_scan_reads_only_the_due_days_of_its_window():
    asked = []

    def due_items(query):
        asked.extend(query["days"])
        days = set(query["days"])
        return {"items": [r for r in (RAW, {**RAW, "key": "p1_plan", "due": "2017-04-30"}) if r["due"] in days],
                "cursor": None}

    source = DueDaySource("milestones", "milestone", due_items, milestone_item, lambda d: due_window(d, Rules()))
    items = source.fetch(date(2018, 1, 5))
    assert "2017-12-31" in asked and "2017-04-30" not in asked  # in the window / long past its last step
    assert [i.ref for i in items] == ["js01-c02/p3_construction"]
    assert min(asked) == "2017-12-04" and max(asked) == "2018-01-16"


def test_contacts_are_admin_only_validated_and_audited(store):
    with pytest.raises(Forbidden):
        commands.add_contact(store, contact("x1"), {"role": "office", "office": "丰庆路街道"}, NOW)
    with pytest.raises(InvalidInput):
        commands.add_contact(store, contact("x1", email=None, mode="daily_digest"), ADMIN, NOW)
    commands.add_contact(store, contact("x1"), ADMIN, NOW)
    with pytest.raises(InvalidInput):
        commands.add_contact(store, contact("x1"), ADMIN, NOW)
    commands.update_contact(store, commands.UpdateContact("x1", {"mode": "daily_digest"}, ADMIN, NOW))
    with pytest.raises(NotFound):
        commands.update_contact(store, commands.UpdateContact("nobody", {"mode": "daily_digest"}, ADMIN, NOW))
    assert [(h["version"], h["reason"]) for h in store.contact_history("x1")] == [(1, "新增联系人"), (2, "修改联系人")]


def test_inbox_belongs_to_the_callers_office():
    assert commands.inbox_of(ADMIN) == "bureau"
    assert commands.inbox_of({"role": "office", "office": "丰庆路街道"}) == "丰庆路街道"
    with pytest.raises(Forbidden):
        commands.inbox_of({"role": "inspector"})


def test_item_keys_carry_the_due_date():
    a = Item("milestone", "c/k", "c", "中心", "街道", "t", date(2017, 6, 30))
    b = Item("milestone", "c/k", "c", "中心", "街道", "t", date(2017, 7, 31))
    assert a.key != b.key and a.key.endswith("@2017-06-30")


def test_rectifications_become_items_with_their_own_key():
    from services.notifications.items import rectification_item

    raw = {"rectification_id": "r-17", "centre_id": "js01-c01", "centre_name": "四月天社区", "office": "丰庆路街道",
           "item_id": "c-3.2", "title": "图书室藏书不足", "due": "2019-11-15", "status": "open"}
    got = rectification_item(raw)
    assert got.key == "rectification:r-17@2019-11-15" and got.title == "整改：图书室藏书不足"
    source = RpcSource("inspections", lambda as_of: [raw], rectification_item)
    items, status = collect([source], date(2019, 11, 20))
    assert [i.key for i in items] == [got.key] and status == {"inspections": "ok"}


def test_inbox_counters_count_each_notice_and_each_read_once(store):
    scan(store, [item(), item(ref="js01-c02/p2_design")], "2018-01-05")
    inbox = list(store.notices.find({"inbox": "丰庆路街道"}))
    assert store.inbox_totals("丰庆路街道") == (len(inbox), len(inbox)) and len(inbox) == 2
    store.count_new_notices(inbox)  # the repair after a start counts nothing twice
    assert store.inbox_totals("丰庆路街道") == (2, 2)
    office = {"role": "office", "office": "丰庆路街道", "name": "t"}
    commands.mark_read(store, inbox[0]["_id"], office, NOW)
    commands.mark_read(store, inbox[0]["_id"], office, NOW)
    assert store.inbox_totals("丰庆路街道") == (2, 1)
    page = commands.inbox_page(store, commands.InboxQuery("丰庆路街道", unread=True))
    assert [n["_id"] for n in page["items"]] == [inbox[1]["_id"]] and page["total"] == 1
    assert commands.mark_all_read(store, office, NOW) == {"marked": 1, "more": False}
    assert store.inbox_totals("丰庆路街道") == (2, 0)
    assert commands.inbox_page(store, commands.InboxQuery("丰庆路街道", unread=True))["items"] == []


def test_notices_from_before_the_inbox_buckets_are_given_them_and_counted_once(store):
    from services.notifications.service import migrated_fields

    scan(store, [item()], "2018-01-05")
    legacy = store.notices.find_one({"inbox": "丰庆路街道"})
    store.notices.delete_many({})
    for name in ("counted_notices", "inbox_counts", "inbox_days"):
        store.db[name].delete_many({})
    store.notices.insert_one({k: v for k, v in legacy.items() if k not in ("inbox_day", "inbox_centre", "unread_in")})
    assert store.migrate_inbox(migrated_fields, NOW) == 1 and store.migrate_inbox(migrated_fields, NOW) == 0
    assert store.inbox_totals("丰庆路街道") == (1, 1)
    page = commands.inbox_page(store, commands.InboxQuery("丰庆路街道", centre_id="js01-c02"))
    assert [n["_id"] for n in page["items"]] == [legacy["_id"]]


def test_the_delivery_log_pages_newest_first_by_day_buckets_and_a_cursor(store, monkeypatch):
    import services.notifications.store as notification_store

    def delivery(n, day, status):
        at = datetime(2018, 1, day, 1, n, tzinfo=UTC)
        store.record_delivery({"_id": f"d{day}-{n}", "contact_id": "c1", "channel": "email", "status": status,
                               "attempts": 1, "created_at": at, "contact_day": f"c1|2018-01-{day:02d}"})

    for day, statuses in ((2, ["sent", "failed"]), (3, ["failed"]), (7, ["sent", "failed", "failed"])):
        for n, status in enumerate(statuses):
            delivery(n, day, status)
    assert store.delivery_page() == (store.delivery_page(limit=100)[0], None)
    newest_first = ["d7-2", "d7-1", "d7-0", "d3-0", "d2-1", "d2-0"]
    assert [d["_id"] for d in store.delivery_page()[0]] == newest_first

    def walk(status=None, limit=1):
        out, after = [], None
        while True:
            page, after = store.delivery_page(status, after, limit)
            assert len(page) <= limit
            out += [d["_id"] for d in page]
            if after is None:
                return out

    assert walk() == walk(limit=2) == walk(limit=4) == newest_first
    assert walk("failed") == walk("failed", 2) == ["d7-2", "d7-1", "d3-0", "d2-1"]
    assert walk("pending") == []
    # a delivery changing status moves between the status buckets
    store.record_attempt("d2-0", 2, {"status": "failed"}, "2018-01-02")
    assert walk("failed", 3) == ["d7-2", "d7-1", "d3-0", "d2-1", "d2-0"] and "d2-0" not in walk("sent")
    # a page reads at most PAGE_DAYS days, then hands over a cursor to the next day
    monkeypatch.setattr(notification_store, "PAGE_DAYS", 1)
    page, after = store.delivery_page("pending")
    assert page == [] and after == "2018-01-03|"
    assert walk("failed", 10) == ["d7-2", "d7-1", "d3-0", "d2-1", "d2-0"]
    # nothing is counted, sorted or skipped in the store: the reads are equality on the bucket fields
    assert {i["name"] for i in store.deliveries.list_indexes()} >= {"day", "status_day"}


def test_deliveries_from_before_the_buckets_are_bucketed_once_and_then_listed(store):
    at = datetime(2018, 1, 4, 3, 0, tzinfo=UTC)
    for n, status in enumerate(["sent", "failed", "failed"]):
        store.deliveries.insert_one({"_id": f"old-{n}", "contact_id": "c1", "channel": "email", "status": status,
                                     "attempts": 1, "created_at": at.replace(minute=n)})
    assert store.delivery_page() == ([], None)
    assert store.bucket_deliveries(2) == 2 and store.bucket_deliveries(2) == 1 and store.bucket_deliveries(2) == 0
    assert [d["_id"] for d in store.delivery_page("failed")[0]] == ["old-2", "old-1"]
    assert [d["_id"] for d in store.delivery_page()[0]] == ["old-2", "old-1", "old-0"]
    assert store.deliveries.find_one({"_id": "old-0"})["status_day"] == "sent|2018-01-04"


CHINA = timezone(timedelta(hours=8))


def test_each_contact_s_digest_goes_at_the_hour_it_chose_once(store):
    commands.add_contact(store, contact("eight", mode="daily_digest"), ADMIN, NOW)  # NOTIFY_DIGEST_HOUR: 8
    commands.add_contact(store, contact("late", mode="daily_digest", digest_hour=17), ADMIN, NOW)
    scan(store, [item()], "2018-01-05")

    def sent():
        return sorted(d["contact_id"] for d in store.deliveries.find({"_id": {"$regex": "^digest:"}}))

    assert commands.build_digests(store, datetime(2018, 1, 6, 7, 59, tzinfo=CHINA)) == 0 and sent() == []
    assert commands.build_digests(store, datetime(2018, 1, 6, 8, 0, tzinfo=CHINA)) == 1 and sent() == ["eight"]
    assert commands.build_digests(store, datetime(2018, 1, 6, 16, 59, tzinfo=CHINA)) == 0
    assert commands.build_digests(store, datetime(2018, 1, 6, 17, 30, tzinfo=CHINA)) == 1
    assert commands.build_digests(store, datetime(2018, 1, 7, 17, 30, tzinfo=CHINA)) == 0  # once per contact and day
    assert sent() == ["eight", "late"]
    # 08:00 China time is 00:00 UTC: the zone decides, not the server's
    assert commands.digest_due("2018-01-05", 8, CHINA) == datetime(2018, 1, 6, 0, 0, tzinfo=UTC)


PACE = {"colour": "red", "expected_percent": 62.5, "percent_done": 40.0, "on": "2018-01-05"}


def test_notices_carry_the_centre_s_colour_asked_once_per_centre(store):
    commands.add_contact(store, contact("staff1"), ADMIN, NOW)
    commands.add_contact(store, contact("wc", email=None, webhook="https://qyapi.weixin.qq.com/x?key=k",
                                        webhook_format="wecom"), ADMIN, NOW)
    asked = []

    def pace_of(centre_id):
        asked.append(centre_id)
        return PACE

    items = [item(), item(ref="js01-c02/p2_design"), item(due="2018-03-30", ref="js01-c02/p4_acceptance")]
    commands.scan(store, commands.Scan(items, {}, date(2018, 1, 5), NOW, Rules(), pace_of))
    assert asked == ["js01-c02"]  # once per centre, and not for an item without a step today
    notice = store.notices.find_one({"inbox": "丰庆路街道"})
    assert notice["pace"] == PACE and "中心状态：红色：已逾期；序时进度：应完成 62.5%，已完成 40%（截至 2018-01-05）" in notice["text"]
    mail = store.deliveries.find_one({"channel": "email"})
    robot = store.deliveries.find_one({"channel": "webhook"})
    assert "红色：已逾期" in mail["text"] and mail["rich"]["blocks"][0]["pace"] == PACE
    assert robot["extra"]["pace"] == PACE and robot["extra"]["pace_text"].startswith("中心状态：红色")
