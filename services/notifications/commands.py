"""Use cases of the notifications service, on a store, item lists and a clock.

Each returns ``(result, events)`` like the assignment service; ``service.py``
dispatches the events. Nothing here talks to the broker.
"""
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.notifications import messages, planning
from services.notifications.channels import ChannelError
from services.notifications.rules import Rules, count_workdays, current_steps, is_workday
from services.notifications.store import backoff, delivery_day, with_buckets
from shared import events as ev
from shared import labels
from shared.authz import authorize, office_filter
from shared.errors import Conflict, InvalidInput, NotFound
from shared.retry import retry_on_conflict
from shared.settings import settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scan:
    """Issue the notices of ``items`` (collected from ``sources``, each "ok" or its error) due on ``as_of``."""
    items: list
    sources: dict
    as_of: date
    now: datetime
    rules: Rules
    pace_of: object = None  # centre id -> its colour and 序时进度 (a dict) or None; asked only for items with a step


@dataclass(frozen=True)
class UpdateContact:
    """An admin changes a contact (``changes`` as ContactChangeSchema loads them; ``expected_version`` optional)."""
    contact_id: str
    changes: dict
    actor: dict
    now: datetime
    reason: str = "修改联系人"


# scan
def scan(store, command):
    """Issue today's notices for the items of a ``Scan``: idempotent, so every replica and every tick may run it.

    On a non-working day nothing is issued; the next working day's scan catches up.
    """
    items, sources, as_of, now, rules = command.items, command.sources, command.as_of, command.now, command.rules
    result = {"as_of": as_of.isoformat(), "workday": is_workday(as_of), "items": len(items), "created": 0,
              "detected": 0, "escalated": 0, "deliveries": 0, "sources": sources}
    events = []
    if not result["workday"]:
        return result, events
    contacts = store.active_contacts()
    planned, detections, paces = [], [], {}
    for item in items:
        steps = current_steps(item.due, as_of, rules)
        if steps and command.pace_of and item.centre_id not in paces:
            paces[item.centre_id] = command.pace_of(item.centre_id)  # once per centre in this round
        pace = paces.get(item.centre_id) if steps else None
        planned.extend((item, doc) for doc in planning.coloured(planning.plan_notices(item, steps, contacts, as_of, now), pace))
        if as_of > item.due:
            detections.append({"_id": item.key, "item": item.snapshot(), "as_of": as_of.isoformat(), "at": now})
    by_key = {i.key: i for i in items}
    for key in sorted(store.insert_new("detections", detections)):
        item = by_key[key]
        events.append((ev.OVERDUE_DETECTED, _event(item, count_workdays(item.due, as_of), as_of)))
    result["detected"] = len(events)
    # The unique index decides which notices are new; only those are planned and announced.
    inserted = store.insert_new("notices", [doc for _, doc in planned])
    fresh = [(item, doc) for item, doc in planned if doc["_id"] in inserted]
    result["created"] = len(fresh)
    store.count_new_notices([doc for _, doc in fresh])
    for item, doc in fresh:
        if doc["inbox"] is not None and doc["kind"].startswith("escalate_"):
            result["escalated"] += 1
            events.append((ev.ESCALATED, {**_event(item, doc["days"], as_of), "level": doc["kind"][len("escalate_"):]}))
    result["deliveries"] = plan_deliveries(store, [doc for _, doc in fresh if doc.get("contact_id")], now)
    result["deliveries"] += build_digests(store, now)
    return result, events


def _event(item, days, as_of):
    return {"item_key": item.key, "kind": item.kind, "centre_id": item.centre_id, "office": item.office,
            "title": item.title, "due": item.due.isoformat(), "days_overdue": days, "as_of": as_of.isoformat()}


def plan_deliveries(store, notices, now):
    """Deliveries (and outbox entries) for immediate notices; digest notices wait in ``digest_items``.

    Safe to repeat for the same notices: delivery ids are derived from notice ids.
    """
    contacts, deliveries, waiting = {}, [], []
    for notice in notices:
        cid = notice["contact_id"]
        if cid not in contacts:
            contacts[cid] = store.get_contact(cid)
        contact = contacts[cid]
        if contact is None or not contact["active"]:
            continue
        if contact["mode"] == "daily_digest":
            waiting.append(planning.digest_entry(notice))
            continue
        extra = {"notice_id": notice["_id"], "item": notice["item"], "step": notice["step"],
                 "link": messages.item_url(notice["item"]), **pace_fields(notice)}
        message = planning.Message(notice["_id"], [notice["_id"]], notice["subject"],
                                   messages.with_link(notice["text"], notice["item"]), extra,
                                   planning.rich_of([notice]) if notice.get("pace") else None)
        deliveries.extend(planning.delivery_docs(message, contact, now))
    store.insert_new("digest_items", waiting)
    return _enqueue(store, deliveries)


def send_document(store, document, now):
    """Deliveries of one document (``DocumentSendSchema``) to each active contact named; the number planned
    (0 when this source was sent before: delivery ids derive from it)."""
    deliveries = []
    for contact_id in dict.fromkeys(document["contact_ids"]):
        contact = store.get_contact(contact_id)
        if contact is None or not contact["active"]:
            continue
        message = planning.Message(f"{document['source']}:{contact_id}", [], document["subject"], document["text"],
                                   {"attachments": document["attachments"]})
        deliveries.extend(planning.delivery_docs(message, contact, now))
    return _enqueue(store, deliveries)


def _enqueue(store, deliveries):
    deliveries = [with_buckets(d) for d in deliveries]
    inserted = store.insert_new("deliveries", deliveries)
    store.note_delivery_days(deliveries)
    # Outbox after delivery: a crash in between leaves a pending delivery that repair() re-queues.
    store.insert_new("outbox", [{"_id": d["_id"], "next_attempt_at": d["next_attempt_at"]} for d in deliveries])
    return len(inserted)


def pace_fields(notice):
    """What a webhook's JSON says of the centre's status: ``pace`` (colour, expected_percent, percent_done, on)
    and ``pace_text`` in words."""
    pace = notice.get("pace")
    return {"pace": pace, "pace_text": messages.pace_line(pace) or None}


def digest_due(day, hour, zone):
    """When the digest of ``day`` (ISO) goes out: ``hour`` o'clock of the next day, in the local zone (China)."""
    following = date.fromisoformat(day) + timedelta(days=1)
    return datetime(following.year, following.month, following.day, hour, tzinfo=zone)


def build_digests(store, now):
    """One digest per contact and past day, built once its time has come: the first call at or after the hour
    the contact chose (``digest_hour``, else NOTIFY_DIGEST_HOUR) of the next day, China time."""
    current = settings()
    groups = {}
    for entry in store.digest_entries():
        groups.setdefault((entry["contact_id"], entry["digest_date"]), []).append(entry["_id"])
    count, contacts = 0, {}
    for (contact_id, day), ids in sorted(groups.items()):
        if contact_id not in contacts:
            contacts[contact_id] = store.get_contact(contact_id)
        contact = contacts[contact_id]
        hour = (contact or {}).get("digest_hour")
        if now < digest_due(day, current.notify_digest_hour if hour is None else hour, current.zone):
            continue
        notices = once_per_item(store.notices_by_id(ids))
        if contact is not None and contact["active"] and notices:
            subject = f"【每日汇总】{day} 建设进度通知 {len(notices)} 项"
            text = messages.digest(contact["name"], day, notices)
            extra = {"digest_date": day, "items": [{"item_key": n["item_key"], "link": messages.item_url(n["item"]),
                                                    **pace_fields(n)} for n in notices]}
            message = planning.Message(f"digest:{contact_id}:{day}", [n["_id"] for n in notices], subject, text, extra,
                                       planning.rich_of(notices, messages.digest_heading(contact["name"], day,
                                                                                         len(notices))))
            count += _enqueue(store, planning.delivery_docs(message, contact, now))
        store.drop_digest_entries(ids)
    return count


STEP_RANK = {"remind": 0, "overdue": 1, "escalate_head": 2, "escalate_bureau": 3}


def once_per_item(notices):
    """A digest's notices: one per item (the furthest step of the day), in (office, centre, title) order."""
    best = {}
    for n in notices:
        rank = (STEP_RANK.get(n["kind"], 0), n.get("days") or 0, n["_id"])
        if n["item_key"] not in best or rank > best[n["item_key"]][0]:
            best[n["item_key"]] = (rank, n)
    chosen = [n for _, n in best.values()]
    return sorted(chosen, key=lambda n: (n["item"]["office"], n["item"]["centre_id"], n["item"]["title"], n["_id"]))


def repair(store, now, since):
    """After a start: plan what a crashed scan or round left half-done (all writes are idempotent).

    Only notices issued on or after ``since`` are looked at: a crash leaves its debris in the
    last scan, and re-planning years of history would cost FerretDB thousands of rejected inserts.
    """
    recent = [n for n in store.contact_notices() if n["as_of"] >= since.isoformat()]
    planned = plan_deliveries(store, recent, now)
    store.count_new_notices(store.recent_inbox_notices(since))  # a crash between a notice and its count
    pending = store.pending_deliveries()
    store.insert_new("outbox", [{"_id": d["_id"], "next_attempt_at": d["next_attempt_at"]} for d in pending])
    return planned


# delivery
def deliver(store, send, now, config):
    """One delivery round over the outbox: claim each due attempt by inserting its claim, then send.

    ``config``: max_attempts, base, cap, lease (seconds), batch.
    """
    tally = {"attempted": 0, "sent": 0, "failed": 0, "retrying": 0}
    events = []
    due = [e for e in store.outbox_entries() if e.get("next_attempt_at") is None or e["next_attempt_at"] <= now]
    for entry in sorted(due, key=lambda e: (e["next_attempt_at"] if e.get("next_attempt_at") else now, e["_id"])):
        if tally["attempted"] >= config["batch"]:
            break
        delivery = store.get_delivery(entry["_id"])
        if delivery is None or delivery["status"] != "pending":
            store.drop_outbox(entry["_id"])
            continue
        if delivery["next_attempt_at"] is not None and delivery["next_attempt_at"] > now:
            store.reschedule(entry["_id"], delivery["next_attempt_at"])
            continue
        attempt = delivery["attempts"] + 1
        if not store.claim(delivery["_id"], attempt, now):
            _expire_stale_claim(store, delivery, attempt, now, config)
            continue
        tally["attempted"] += 1
        try:
            send(delivery)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            final = attempt >= config["max_attempts"]
            retry_at = None if final else now + backoff(attempt, config["base"], config["cap"])
            store.record_attempt(delivery["_id"], attempt, {"status": "failed" if final else "pending",
                                                            "last_error": error, "next_attempt_at": retry_at},
                                 delivery_day(delivery))
            if final:
                store.drop_outbox(delivery["_id"])
            else:
                store.reschedule(delivery["_id"], retry_at)
            tally["failed" if final else "retrying"] += 1
            log.warning("delivery %s attempt %s failed: %s", delivery["_id"], attempt, error)
            events.append((ev.NOTICE_FAILED, _outcome(delivery, attempt, now, error, not final)))
            continue
        store.record_attempt(delivery["_id"], attempt, {"status": "sent", "sent_at": now, "next_attempt_at": None},
                             delivery_day(delivery))
        store.drop_outbox(delivery["_id"])
        tally["sent"] += 1
        events.append((ev.NOTICE_SENT, _outcome(delivery, attempt, now)))
    return tally, events


def _expire_stale_claim(store, delivery, attempt, now, config):
    """A replica that claimed an attempt and died leaves no outcome; after the lease, count it as failed."""
    claim = store.get_claim(delivery["_id"], attempt)
    if claim is None or now - claim["at"] < timedelta(seconds=config["lease"]):
        return
    final = attempt >= config["max_attempts"]
    store.record_attempt(delivery["_id"], attempt, {"status": "failed" if final else "pending",
                                                    "last_error": "claim expired: no outcome recorded",
                                                    "next_attempt_at": None if final else now},
                         delivery_day(delivery))
    if final:
        store.drop_outbox(delivery["_id"])


def _outcome(delivery, attempt, now, error=None, will_retry=False):
    return {"delivery_id": delivery["_id"], "contact_id": delivery["contact_id"], "channel": delivery["channel"],
            "notice_ids": delivery["notice_ids"], "attempts": attempt, "error": error, "will_retry": will_retry,
            "at": now.isoformat()}


# report
def overdue_report(store, page, query):
    """What is overdue on ``query.as_of``, since when, by how many working days, and who was told: the rows of
    one ``page`` (``items.overdue_items``: items, total, sources), with the notices of those items only."""
    as_of = query.as_of
    told = {}
    for notice in store.notices_for_items([i.key for i in page.items]):
        told.setdefault(notice["item_key"], []).append({
            "step": notice["step"], "recipient": notice["recipient"], "recipient_name": notice["recipient_name"],
            "as_of": notice["as_of"], "created_at": notice["created_at"]})
    rows = []
    for item in page.items:
        rows.append({"item_key": item.key, "kind": item.kind, "ref": item.ref, "centre_id": item.centre_id,
                     "centre_name": item.centre_name, "office": item.office, "title": item.title,
                     "due": item.due.isoformat(), "overdue_since": (item.due + timedelta(days=1)).isoformat(),
                     "days_overdue": count_workdays(item.due, as_of), "calendar_days": (as_of - item.due).days,
                     "phase_end": item.phase_end.isoformat() if item.phase_end else None,
                     "behind": bool(item.phase_end and item.phase_end < as_of),
                     "told": sorted(told.get(item.key, []), key=lambda t: (t["as_of"], t["step"], t["recipient"]))})
    return {"as_of": as_of.isoformat(), "total": page.total, "limit": query.limit, "offset": query.offset,
            "sources": page.sources, "items": rows}


# inbox
def inbox_of(actor):
    """An office's inbox is its own; the district admin's is the bureau's."""
    authorize(actor or {}, "notices.read", message="只有区级管理员和街道办事处有站内通知")
    if (actor or {}).get("role") == "office":
        return office_filter(actor, "notices.read")
    return planning.BUREAU_INBOX  # one bureau inbox for every bureau account, whatever its area (docs/areas.md)


def mark_read(store, notice_id, actor, now):
    notice = store.get_notice(notice_id)
    if notice is None or notice.get("inbox") != inbox_of(actor):
        raise NotFound(f"通知“{notice_id}”不存在", {"id": [notice_id]})
    return store.mark_read(notice, now)


READ_ALL_BATCH = 200
READ_ALL_BATCHES = 25


def mark_all_read(store, actor, now):
    """全部已读: the inbox's unread notices, in batches read by equality (``unread_in``); at most
    READ_ALL_BATCH * READ_ALL_BATCHES per call, ``more`` says whether to call again."""
    inbox = inbox_of(actor)
    marked = 0
    for _ in range(READ_ALL_BATCHES):
        batch = store.unread_notices(inbox, READ_ALL_BATCH)
        for notice in batch:
            store.mark_read(notice, now)
        marked += len(batch)
        if len(batch) < READ_ALL_BATCH:
            return {"marked": marked, "more": False}
    return {"marked": marked, "more": bool(store.unread_notices(inbox, 1))}


@dataclass(frozen=True)
class InboxQuery:
    """One page of an inbox: filters (unread, item kind, centre) and where the last page ended (``cursor``)."""
    inbox: str
    unread: bool = False
    kind: str | None = None
    centre_id: str | None = None
    cursor: str | None = None
    limit: int = 20


MAX_DAYS_PER_PAGE = 60  # day buckets read for one page; a page may end early with a cursor to go on


def _order(n):
    created = n["created_at"].isoformat() if hasattr(n["created_at"], "isoformat") else str(n["created_at"])
    return f"{n['as_of']}|{created}|{n['_id']}"


UNREAD_BUCKET = 1000  # up to this many unread: the unread bucket is read whole and sorted here


def inbox_page(store, query):
    """Latest first, continued by a cursor: equality reads on bucket fields only (the centre's, the unread ones,
    or day by day), bounded; no skip, no count (the counters give ``total`` and ``unread``)."""
    total, unread = store.inbox_totals(query.inbox)
    filtered = query.unread or query.kind or query.centre_id
    page = {"unread": unread, "total": (unread if query.unread and not (query.kind or query.centre_id) else
                                        None if filtered else total)}

    def keep(n):
        return ((not query.unread or n.get("read_at") is None) and (not query.kind or n["item"]["kind"] == query.kind)
                and (query.cursor is None or _order(n) < query.cursor))

    if query.unread and unread == 0:
        return {**page, "items": [], "cursor": None}
    if query.centre_id:
        found = store.notices_of_centre(query.inbox, query.centre_id)
    elif query.unread and unread <= UNREAD_BUCKET:
        found = store.unread_notices(query.inbox, UNREAD_BUCKET)
    else:
        return {**page, **_by_days(store, query, keep)}
    found = sorted((n for n in found if keep(n)), key=_order, reverse=True)
    items = found[:query.limit]
    return {**page, "items": items, "cursor": _order(items[-1]) if len(found) > query.limit else None}


def _by_days(store, query, keep):
    items, cursor = [], None
    days = [d for d in store.inbox_day_list(query.inbox) if query.cursor is None or d <= query.cursor[:10]]
    for read, day in enumerate(days):
        if read >= MAX_DAYS_PER_PAGE:
            return {"items": items, "cursor": f"{day}|~"}  # go on from this day (its keys all sort below "~")
        found = sorted((n for n in store.notices_of_day(query.inbox, day) if keep(n)), key=_order, reverse=True)
        room = query.limit - len(items)
        items.extend(found[:room])
        if len(found) > room or (len(items) == query.limit and read + 1 < len(days)):
            cursor = _order(items[-1])
            break
    return {"items": items, "cursor": cursor}


@dataclass(frozen=True)
class Chase:
    """催办: the bureau's ``note`` about ``item`` (an ``items.Item``), chase number ``chase_id`` (unique per item)."""
    item: object
    chase_id: str
    note: str
    actor: dict
    now: datetime


def chase(store, command, as_of):
    """Tell the office (its inbox, its staff and its head) of a chase, through the usual deliveries;
    the notice ids derive from the chase, so a repeated call sends nothing twice. Returns the notices made."""
    authorize(command.actor or {}, "rectifications.chase", message="只有区文化主管部门可以催办")
    item, text = command.item, messages.chase_text(command.item, command.note)
    step = "chase_" + command.chase_id
    base = {"item_key": item.key, "item": item.snapshot(), "step": step, "kind": "chase", "days": 0,
            "subject": f"【催办】{item.office} {item.centre_name}：{item.title}", "text": text,
            "as_of": as_of.isoformat(), "created_at": command.now}
    recipient = "inbox:" + item.office
    docs = [{"_id": planning.notice_id(item.key, step, recipient), **base, "recipient": recipient,
             "recipient_name": item.office, "inbox": item.office, "read_at": None,
             **planning.inbox_fields(item.office, as_of.isoformat(), item.centre_id)}]
    for contact in store.active_contacts():
        if contact["scope"] == "office" and contact["office"] == item.office and contact["role"] in ("staff", "head"):
            recipient = "contact:" + contact["id"]
            docs.append({"_id": planning.notice_id(item.key, step, recipient), **base, "recipient": recipient,
                         "recipient_name": contact["name"], "inbox": None, "contact_id": contact["id"],
                         "mode": contact["mode"]})
    inserted = store.insert_new("notices", docs)
    fresh = [d for d in docs if d["_id"] in inserted]
    store.count_new_notices(fresh)  # the office's unread count (the inbox's counters)
    deliveries = plan_deliveries(store, [d for d in fresh if d.get("contact_id")], command.now)
    return {"notices": len(fresh), "deliveries": deliveries}


def acknowledge_notice(store, notice_id, actor, now):
    """签收 of an escalation notice by the office it is addressed to: once (the first time is kept)."""
    authorize(actor or {}, "notices.acknowledge", message="升级通知由街道办事处签收")
    notice = store.get_notice(notice_id)
    if notice is None or notice.get("inbox") != inbox_of(actor):
        raise NotFound(f"通知“{notice_id}”不存在", {"id": [notice_id]})
    if not str(notice.get("kind") or "").startswith("escalate_"):
        raise InvalidInput("只有升级通知需要签收", {"kind": ["不是升级通知"]})
    if notice.get("acknowledged_at"):
        raise Conflict("该通知已签收，无需重复签收", {"acknowledged_at": ["已签收"]})
    return store.acknowledge(notice_id, now)


# contacts
CONTACTS_ADMIN_ONLY = "只有区文化主管部门管理员可以管理联系人"


def add_contact(store, contact, actor, now):
    authorize(actor or {}, "contacts.manage", message=CONTACTS_ADMIN_ONLY)
    if store.get_contact(contact["id"]) is not None:
        raise InvalidInput("联系人编号“{}”已存在".format(contact["id"]), {"id": ["already exists"]})
    _check_reachable(contact)
    return store.save_contact(contact, 0, actor, "新增联系人", now)


def update_contact(store, command):
    """An ``UpdateContact``: the contact saved on top of the version expected (else the current one)."""
    actor, contact_id = command.actor, command.contact_id
    authorize(actor or {}, "contacts.manage", message=CONTACTS_ADMIN_ONLY)
    current = store.get_contact(contact_id)
    if current is None:
        raise NotFound(f"联系人“{contact_id}”不存在", {"id": [contact_id]})
    changes = dict(command.changes)
    expected = changes.pop("expected_version", None)
    updated = {**current, **changes}
    _check_reachable(updated)
    return store.save_contact(updated, current["version"] if expected is None else expected, actor, command.reason,
                              command.now)


def _check_reachable(contact):
    if contact.get("mode") == "daily_digest" and not planning.channels_of(contact):
        raise InvalidInput("选择每日汇总的接收人必须填写邮箱或机器人地址", {"mode": ["每日汇总须有邮箱或机器人地址"]})



# test sends and a contact's recent deliveries
CHANNEL_NAMES = {("email", None): "邮件", ("sms", None): "短信",
                 **{("webhook", fmt): text for fmt, text in labels.WEBHOOK_FORMATS.items()}}


def named_channels(contact):
    """Every channel a contact names, whether or not it is switched on (a test says why one cannot send)."""
    out = []
    if contact.get("email"):
        out.append(("email", contact["email"], None))
    if contact.get("webhook"):
        out.append(("webhook", contact["webhook"], contact.get("webhook_format") or "json"))
    if contact.get("mobile"):
        out.append(("sms", contact["mobile"], None))
    return out


@dataclass(frozen=True)
class SendTest:
    """Send a test message to each channel of ``contact_id`` now, through ``send(delivery, secret)``."""
    contact_id: str
    actor: dict
    now: datetime
    send: object
    app_url: str


def send_test(store, command):
    """Each channel's outcome, in words; every attempt is kept in the contact's delivery log."""
    authorize(command.actor or {}, "contacts.manage", message=CONTACTS_ADMIN_ONLY)
    contact = store.get_contact(command.contact_id)
    if contact is None:
        raise NotFound(f"联系人“{command.contact_id}”不存在", {"id": [command.contact_id]})
    targets = named_channels(contact)
    if not targets:
        raise InvalidInput("该联系人没有填写邮箱、手机号或机器人地址，无法测试发送", {"id": ["no channel"]})
    stamp = command.now.strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:8]
    subject = "【测试消息】文化服务中心建设管理系统"
    results = []
    for channel, target, fmt in targets:
        label = CHANNEL_NAMES.get((channel, fmt), channel)
        text = (f"【测试消息】{contact['name']}，这是一条来自文化服务中心建设管理系统的测试消息，收到即表示{label}"
                f"设置正确。\n打开系统：{command.app_url}")
        delivery = {"_id": f"test:{contact['id']}:{stamp}#{channel}", "contact_id": contact["id"], "channel": channel,
                    "target": target, "format": fmt, "subject": subject, "text": text, "extra": {"test": True},
                    "notice_ids": [], "attempts": 1, "next_attempt_at": None, "created_at": command.now, "test": True,
                    "contact_day": "{}|{}".format(contact["id"], command.now.date().isoformat())}
        try:
            command.send(delivery, contact.get("secret"))
        except Exception as exc:  # every failure is reported to the person, in words
            reason = str(exc) if isinstance(exc, ChannelError) else "发送失败（内部错误）"
            log.warning("test send %s failed: %r", delivery["_id"], exc)
            store.record_delivery({**delivery, "status": "failed", "last_error": reason, "sent_at": None})
            results.append({"channel": channel, "format": fmt, "label": label, "ok": False,
                            "message": f"{label}发送失败：{reason}"})
            continue
        store.record_delivery({**delivery, "status": "sent", "last_error": None, "sent_at": command.now})
        results.append({"channel": channel, "format": fmt, "label": label, "ok": True, "message": f"{label}发送成功"})
    return {"results": results}


RECENT_DAYS = 30


def recent_deliveries(store, contact_id, today, limit=20):
    """A contact's latest deliveries (tests included): day buckets from ``today`` back, each an equality read."""
    if store.get_contact(contact_id) is None:
        raise NotFound(f"联系人“{contact_id}”不存在", {"id": [contact_id]})
    out = []
    for back in range(RECENT_DAYS):
        day = (today - timedelta(days=back)).isoformat()
        out.extend(sorted(store.deliveries_of_contact_day(contact_id, day), key=lambda d: (d["created_at"], d["_id"]),
                          reverse=True))
        if len(out) >= limit:
            break
    return out[:limit]


# people with an account (gateway event account_changed)
ACCOUNT_ACTOR = {"role": "system", "office": None, "name": "accounts"}


def account_contact_id(account_id):
    return "account:" + account_id


def sync_account_contact(store, account, now, attempts=3):
    """Keep the contact ``account:<id>`` of a person in step with the account: office users are their
    office's staff, admins the bureau; disabled accounts and inspectors are inactive contacts.
    What an admin chose on the contact (role head, digest mode, webhook) is kept. Returns the contact or None."""
    def write(current):
        contact = _account_contact(current, account)
        if contact is None or (current is not None and all(current.get(k) == contact.get(k) for k in contact)):
            return current
        return store.save_contact(contact, current["version"] if current else 0, ACCOUNT_ACTOR, "账号变更", now)
    # changed meanwhile (another event or an admin): re-read and apply on top
    return retry_on_conflict(write, lambda: store.get_contact(account_contact_id(account["id"])), attempts=attempts,
                             exhausted=Conflict("联系人“{}”反复被并发修改".format(account_contact_id(account["id"])),
                                                {"id": [account["id"]]}))


def _account_contact(current, account):
    receives = account["active"] and account["role"] in ("admin", "office")
    if account["role"] not in ("admin", "office"):
        return None if current is None else {**current, "name": account["name"], "active": False}
    scope = "bureau" if account["role"] == "admin" else "office"
    wanted = {"id": account_contact_id(account["id"]), "name": account["name"], "scope": scope,
              "office": account.get("office") if scope == "office" else None, "email": account.get("email"),
              "mobile": account.get("mobile"), "active": receives}
    if current is None:
        return None if not receives else {"role": "staff", "mode": "immediate", "webhook": None,
                                          "webhook_format": "json", **wanted}
    return {**current, **wanted}
