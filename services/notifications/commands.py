"""Use cases of the notifications service, on a store, item lists and a clock.

Each returns ``(result, events)`` like the assignment service; ``service.py``
dispatches the events. Nothing here talks to the broker.
"""
import logging
from datetime import timedelta, timezone

from shared import events as ev
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.workdays import is_workday, workdays_between
from services.notifications import messages, planning
from services.notifications.rules import current_steps
from services.notifications.store import backoff

log = logging.getLogger(__name__)


def require_admin(actor, what):
    if (actor or {}).get("role") != "admin":
        raise Forbidden("只有区文化主管部门管理员可以{}".format(what), {"role": ["admin required"]})


# scan
def scan(store, items, sources, as_of, now, rules):
    """Issue today's notices for ``items``: idempotent, so every replica and every tick may run it.

    On a non-working day nothing is issued; the next working day's scan catches up.
    """
    result = {"as_of": as_of.isoformat(), "workday": is_workday(as_of), "items": len(items), "created": 0,
              "detected": 0, "escalated": 0, "deliveries": 0, "sources": sources}
    events = []
    if not result["workday"]:
        return result, events
    contacts = store.active_contacts()
    planned = []
    for item in items:
        steps = current_steps(item.due, as_of, rules)
        planned.extend((item, doc) for doc in planning.plan_notices(item, steps, contacts, as_of, now))
        if as_of > item.due:
            detected = {"_id": item.key, "item": item.snapshot(), "as_of": as_of.isoformat(), "at": now}
            if store.insert_detection(detected):
                result["detected"] += 1
                events.append((ev.OVERDUE_DETECTED, _event(item, workdays_between(item.due, as_of), as_of)))
    existing = store.existing_notice_ids([doc["_id"] for _, doc in planned])
    for item, doc in planned:
        if doc["_id"] in existing or not store.insert_notice(doc):
            continue
        result["created"] += 1
        if doc["inbox"] is not None and doc["kind"].startswith("escalate_"):
            result["escalated"] += 1
            events.append((ev.ESCALATED, {**_event(item, doc["days"], as_of), "level": doc["kind"][len("escalate_"):]}))
    result["deliveries"] = plan_deliveries(store, now) + build_digests(store, as_of, now)
    return result, events


def _event(item, days, as_of):
    return {"item_key": item.key, "kind": item.kind, "centre_id": item.centre_id, "office": item.office,
            "title": item.title, "due": item.due.isoformat(), "days_overdue": days, "as_of": as_of.isoformat()}


def plan_deliveries(store, now):
    """Deliveries for immediate notices not yet planned (also those a crashed scan left behind)."""
    count = 0
    for notice in store.unplanned_notices():
        contact = store.get_contact(notice.get("contact_id"))
        if contact is not None and contact["active"]:
            extra = {"notice_id": notice["_id"], "item": notice["item"], "step": notice["step"]}
            for doc in planning.delivery_docs(notice["_id"], contact, [notice["_id"]], notice["subject"],
                                              notice["text"], extra, now):
                count += store.insert_delivery(doc)
        store.mark_planned(notice["_id"])
    return count


def build_digests(store, as_of, now):
    """One digest per contact and past day, built once that day is over."""
    groups = {}
    for notice in store.undigested_notices():
        if notice.get("digest_date") and notice["digest_date"] < as_of.isoformat():
            groups.setdefault((notice["contact_id"], notice["digest_date"]), []).append(notice)
    count = 0
    for (contact_id, day), notices in sorted(groups.items()):
        contact = store.get_contact(contact_id)
        notices.sort(key=lambda n: n["_id"])
        if contact is not None and contact["active"]:
            ids = [n["_id"] for n in notices]
            subject = "【每日汇总】{} 建设进度通知 {} 条".format(day, len(notices))
            text = messages.digest(contact["name"], day, notices)
            for doc in planning.delivery_docs("digest:{}:{}".format(contact_id, day), contact, ids, subject, text,
                                              {"digest_date": day}, now):
                count += store.insert_delivery(doc)
        store.mark_digested([n["_id"] for n in notices])
    return count


# delivery
def deliver(store, send, now, config):
    """One delivery round: claim each due attempt by inserting its claim, then send.

    ``config``: max_attempts, base, cap, lease (seconds), batch.
    """
    tally = {"attempted": 0, "sent": 0, "failed": 0, "retrying": 0}
    events = []
    for delivery in store.pending_deliveries(config["batch"]):
        if tally["attempted"] >= config["batch"]:
            break
        if delivery["next_attempt_at"] is not None and _aware(delivery["next_attempt_at"]) > now:
            continue
        attempt = delivery["attempts"] + 1
        if not store.claim(delivery["_id"], attempt, now):
            _expire_stale_claim(store, delivery, attempt, now, config)
            continue
        tally["attempted"] += 1
        try:
            send(delivery)
        except Exception as exc:  # noqa: BLE001 - every channel failure is recorded, whatever its type
            error = "{}: {}".format(type(exc).__name__, exc)[:500]
            final = attempt >= config["max_attempts"]
            retry_at = None if final else now + backoff(attempt, config["base"], config["cap"])
            store.record_attempt(delivery["_id"], attempt, {"status": "failed" if final else "pending",
                                                            "last_error": error, "next_attempt_at": retry_at})
            tally["failed" if final else "retrying"] += 1
            log.warning("delivery %s attempt %s failed: %s", delivery["_id"], attempt, error)
            events.append((ev.NOTICE_FAILED, _outcome(delivery, attempt, now, error, not final)))
            continue
        store.record_attempt(delivery["_id"], attempt, {"status": "sent", "sent_at": now, "next_attempt_at": None})
        tally["sent"] += 1
        events.append((ev.NOTICE_SENT, _outcome(delivery, attempt, now)))
    return tally, events


def _expire_stale_claim(store, delivery, attempt, now, config):
    """A replica that claimed an attempt and died leaves no outcome; after the lease, count it as failed."""
    claim = store.get_claim(delivery["_id"], attempt)
    if claim is None or now - _aware(claim["at"]) < timedelta(seconds=config["lease"]):
        return
    final = attempt >= config["max_attempts"]
    store.record_attempt(delivery["_id"], attempt, {"status": "failed" if final else "pending",
                                                    "last_error": "claim expired: no outcome recorded",
                                                    "next_attempt_at": None if final else now})


def _aware(instant):
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=timezone.utc)


def _outcome(delivery, attempt, now, error=None, will_retry=False):
    return {"delivery_id": delivery["_id"], "contact_id": delivery["contact_id"], "channel": delivery["channel"],
            "notice_ids": delivery["notice_ids"], "attempts": attempt, "error": error, "will_retry": will_retry,
            "at": now.isoformat()}


# report
def overdue_report(store, items, sources, as_of, office=None, limit=100, offset=0):
    """What is overdue on ``as_of``, since when, by how many working days, and who was told."""
    late = [i for i in items if i.due < as_of and (office is None or i.office == office)]
    late.sort(key=lambda i: (i.due, i.office, i.centre_id, i.ref))
    page = late[offset:offset + limit]
    told = {}
    for notice in store.notices_for_items([i.key for i in page]):
        told.setdefault(notice["item_key"], []).append({
            "step": notice["step"], "recipient": notice["recipient"], "recipient_name": notice["recipient_name"],
            "as_of": notice["as_of"], "created_at": notice["created_at"]})
    rows = []
    for item in page:
        rows.append({"item_key": item.key, "kind": item.kind, "ref": item.ref, "centre_id": item.centre_id,
                     "centre_name": item.centre_name, "office": item.office, "title": item.title,
                     "due": item.due.isoformat(), "overdue_since": (item.due + timedelta(days=1)).isoformat(),
                     "days_overdue": workdays_between(item.due, as_of), "calendar_days": (as_of - item.due).days,
                     "phase_end": item.phase_end.isoformat() if item.phase_end else None,
                     "behind": bool(item.phase_end and item.phase_end < as_of),
                     "told": sorted(told.get(item.key, []), key=lambda t: (t["as_of"], t["step"], t["recipient"]))})
    return {"as_of": as_of.isoformat(), "total": len(late), "limit": limit, "offset": offset, "sources": sources,
            "items": rows}


# inbox
def inbox_of(actor):
    role = (actor or {}).get("role")
    if role == "admin":
        return planning.BUREAU_INBOX
    if role == "office" and actor.get("office"):
        return actor["office"]
    raise Forbidden("只有区级管理员和街道办事处有站内通知", {"role": ["admin or office required"]})


def mark_read(store, notice_id, actor, now):
    notice = store.get_notice(notice_id)
    if notice is None or notice.get("inbox") != inbox_of(actor):
        raise NotFound("通知“{}”不存在".format(notice_id), {"id": [notice_id]})
    return store.mark_read(notice_id, now)


# contacts
def add_contact(store, contact, actor, now):
    require_admin(actor, "管理联系人")
    if store.get_contact(contact["id"]) is not None:
        raise InvalidInput("联系人编号“{}”已存在".format(contact["id"]), {"id": ["already exists"]})
    _check_reachable(contact)
    return store.save_contact(contact, 0, actor, "新增联系人", now)


def update_contact(store, contact_id, changes, actor, now, reason="修改联系人"):
    require_admin(actor, "管理联系人")
    current = store.get_contact(contact_id)
    if current is None:
        raise NotFound("联系人“{}”不存在".format(contact_id), {"id": [contact_id]})
    expected = changes.pop("expected_version", None)
    updated = {**current, **changes}
    _check_reachable(updated)
    return store.save_contact(updated, current["version"] if expected is None else expected, actor, reason, now)


def _check_reachable(contact):
    if contact.get("mode") == "daily_digest" and not planning.channels_of(contact):
        raise InvalidInput("选择每日汇总的联系人必须填写邮箱或 webhook", {"mode": ["daily_digest needs email or webhook"]})

