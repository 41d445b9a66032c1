"""Who is told what for one item on one day: plain functions, no store.

Recipients of a step: the in-app inbox of the office (or of the bureau for
``escalate_bureau``) and the active contacts it names: office staff for
reminders and overdue notices, the office head for ``escalate_head``, the
bureau's contacts for ``escalate_bureau``. Milestones only an inspection sets
(``p4_acceptance``, ``p5_rectification``) go to the bureau's inbox and contacts.
"""
import hashlib
from dataclasses import dataclass

from services.notifications import channels, messages
from shared.settings import settings

BUREAU_INBOX = "bureau"


def inbox_for(step, item):
    return BUREAU_INBOX if step.kind == "escalate_bureau" or messages.awaited(item) else item.office


def contacts_for(step, item, contacts):
    if step.kind == "escalate_bureau" or messages.awaited(item):
        # the bureau's contacts (inspectors among them): an office cannot set an inspection's result
        return [c for c in contacts if c["scope"] == "bureau"]
    role = "head" if step.kind == "escalate_head" else "staff"
    return [c for c in contacts if c["scope"] == "office" and c["office"] == item.office and c["role"] == role]


def notice_id(item_key, step_key, recipient):
    # Deterministic, so a repeated scan computes the same id; hashed, so it is safe in a URL.
    return hashlib.sha1(f"{item_key}|{step_key}|{recipient}".encode()).hexdigest()[:24]


def coloured(docs, pace):
    """The notices with their centre's status colour and 序时进度 (``pace``, messages.py), kept on each notice so
    its message never changes."""
    return [{**doc, "pace": pace, "text": messages.with_pace(doc["body"], pace)} for doc in docs]


def plan_notices(item, steps, contacts, as_of, now):
    """The notice documents for ``item`` today (without a colour: ``coloured``); the store keeps the first of
    each id."""
    docs = []
    for step in steps:
        subject, body = messages.subject(item, step), messages.text(item, step, as_of)
        base = {"item_key": item.key, "item": item.snapshot(), "step": step.key, "kind": step.kind,
                "days": step.days, "subject": subject, "body": body, "text": body,
                "pace": None, "as_of": as_of.isoformat(), "created_at": now}
        inbox = inbox_for(step, item)
        recipient = "inbox:" + inbox
        docs.append({"_id": notice_id(item.key, step.key, recipient), **base, "recipient": recipient,
                     "recipient_name": "区文化主管部门" if inbox == BUREAU_INBOX else inbox, "inbox": inbox,
                     "read_at": None, **inbox_fields(inbox, as_of.isoformat(), item.centre_id)})
        for contact in contacts_for(step, item, contacts):
            recipient = "contact:" + contact["id"]
            docs.append({"_id": notice_id(item.key, step.key, recipient), **base, "recipient": recipient,
                         "recipient_name": contact["name"], "inbox": None, "contact_id": contact["id"],
                         "mode": contact["mode"]})
    return docs


def inbox_fields(inbox, day, centre_id, read=False):
    """The bucket fields an inbox notice is read by (store.py): by day, by centre, unread."""
    return {"inbox_day": f"{inbox}|{day}", "inbox_centre": f"{inbox}|{centre_id}", "unread_in": None if read else inbox}


def channels_of(contact):
    """(channel, target, format) for each way a contact can be reached (SMS only once a provider is configured)."""
    out = []
    if contact.get("email") and settings().emails_enabled:
        out.append(("email", contact["email"], None))
    if contact.get("webhook"):
        out.append(("webhook", contact["webhook"], contact.get("webhook_format") or "json"))
    if contact.get("mobile") and channels.sms_provider() is not None:
        out.append(("sms", contact["mobile"], None))
    return out


def digest_entry(notice):
    return {"_id": notice["_id"], "contact_id": notice["contact_id"], "digest_date": notice["as_of"]}


@dataclass(frozen=True)
class Message:
    """What is sent to a contact about one notice or one digest (``source_id``)."""
    source_id: str
    notice_ids: list
    subject: str
    text: str
    extra: dict
    rich: dict | None = None  # {"blocks": [messages.block(...)], "heading"}: the HTML and markdown forms


def rich_of(notices, heading=None):
    return {"blocks": [messages.block(n) for n in notices], "heading": heading}


def delivery_docs(message, contact, now):
    """One pending delivery of ``message`` per channel of ``contact``; ``_id`` makes planning the same source
    twice a no-op."""
    docs = []
    for channel, target, fmt in channels_of(contact):
        docs.append({"_id": f"{message.source_id}#{channel}", "contact_id": contact["id"], "channel": channel,
                     "target": target, "format": fmt, "subject": message.subject, "text": message.text,
                     "extra": message.extra, "rich": message.rich, "notice_ids": message.notice_ids, "status": "pending",
                     "attempts": 0, "last_error": None,
                     "next_attempt_at": now, "created_at": now, "sent_at": None,
                     "contact_day": "{}|{}".format(contact["id"], now.date().isoformat())})
    return docs
