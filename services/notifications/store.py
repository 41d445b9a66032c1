"""MongoDB adapter of the notifications service (database ``<prefix>_notifications``).

Every write that two replicas (or a restarted scan) could repeat is an insert
guarded by a unique index, so the second attempt is a DuplicateKeyError and
nothing is sent twice; FerretDB v1 has neither transactions nor compare-and-set.

- ``notices``: one per (item_key, step, recipient), unique; the in-app inbox too.
- ``detections``: one per item_key (kind, ref and due date): ``overdue_detected`` fires once.
- ``deliveries``: one per (notice or digest, channel); status pending/sent/failed (the history). Each carries
  the bucket fields ``day`` (the day it was made) and ``status_day`` (status|day, moved with its status), both
  indexed: the bureau's delivery log reads one day at a time by equality, newest day first, continued by a
  cursor (``delivery_page``); ``delivery_days`` lists the days that have deliveries (one document per day).
- ``delivery_claims``: one per (delivery, attempt); whoever inserts it may send.
- ``outbox``: the deliveries still to attempt, and ``digest_items``: notices waiting for a
  contact's daily digest. Both stay small, because FerretDB v1 pushes down only ``_id``
  lookups and scans whole collections otherwise; the timer reads only these two.
- ``contact_revisions`` (unique (contact_id, version)) and its projection ``contacts``.

The in-app inbox (docs/notifications.md): each inbox notice carries top-level bucket fields, so every read is
an equality on an indexed field: ``inbox_day`` (inbox|day), ``inbox_centre`` (inbox|centre), ``unread_in``
(the inbox while unread, else None). ``inbox_days`` lists the days an inbox has notices (one per inbox
and day). Counts are counters in ``inbox_counts``: one document per inbox and writing process, changed only
by that process under ``COUNTER_LOCK`` (FerretDB has no atomic ``$inc``), and only for what the process
itself inserted: a notice (the unique index decides) or a read (``notice_reads``, one per notice).
"""
import os
import socket
from datetime import timedelta

from eventlet.semaphore import Semaphore
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from shared.errors import Conflict
from shared.mongo import insert_absent
from shared.retry import backoff_seconds
from shared.revisions import append_revision

CONTACT_FIELDS = ("name", "scope", "office", "role", "mode", "email", "mobile", "webhook", "webhook_format", "secret",
                  "active", "digest_hour")
COUNTER_LOCK = Semaphore(1)  # one writer of this process's counter documents at a time
WRITER = f"{socket.gethostname()}:{os.getpid()}"
DAY_READ_LIMIT = 5000  # notices of one inbox on one day (or of one centre) read at once
DELIVERY_DAYS_LIMIT = 20000  # days with deliveries read for the delivery log (one small document per day)
PAGE_DAYS = 62  # day buckets one page of the delivery log reads at most (a filtered page may come back short)


def delivery_day(doc):
    return doc.get("day") or doc["created_at"].date().isoformat()


def with_buckets(doc):
    """A delivery with its bucket fields ``day`` and ``status_day``."""
    day = delivery_day(doc)
    return {**doc, "day": day, "status_day": "{}|{}".format(doc["status"], day)}


def _delivery_key(doc):
    return doc["created_at"], doc["_id"]


class NotificationsStore:
    def __init__(self, db):
        self.db = db
        self.notices = db.notices
        self.detections = db.detections
        self.deliveries = db.deliveries
        self.delivery_days = db.delivery_days
        self.claims = db.delivery_claims
        self.contacts = db.contacts
        self.revisions = db.contact_revisions
        self.outbox = db.outbox
        self.digest_items = db.digest_items
        self.inbox_days = db.inbox_days
        self.inbox_counts = db.inbox_counts
        self.reads = db.notice_reads
        self.counted = db.counted_notices
        self.migrations = db.migrations
        self.repaired = False  # per container: the first tick after a start repairs what a crash left
        # Notices and detections are never deleted, so an id seen once exists for good: a hint that
        # spares FerretDB thousands of rejected inserts per tick. The unique index stays the guard.
        self.known = {"notices": set(), "detections": set(), "delivery_days": set()}

    def ensure_indexes(self):
        self.notices.create_index([("item_key", ASCENDING), ("step", ASCENDING), ("recipient", ASCENDING)],
                                  unique=True, name="one_notice_per_item_step_recipient")
        self.notices.create_index([("inbox", ASCENDING), ("created_at", DESCENDING)], name="inbox")
        self.notices.create_index([("inbox_day", ASCENDING)], name="inbox_day")
        self.notices.create_index([("inbox_centre", ASCENDING)], name="inbox_centre")
        self.notices.create_index([("unread_in", ASCENDING)], name="unread_in")
        self.inbox_days.create_index([("inbox", ASCENDING)], name="inbox")
        self.inbox_counts.create_index([("inbox", ASCENDING)], name="inbox")
        self.deliveries.create_index([("status", ASCENDING)], name="status")
        self.deliveries.create_index([("contact_day", ASCENDING)], name="contact_day")
        self.deliveries.create_index([("day", ASCENDING)], name="day")
        self.deliveries.create_index([("status_day", ASCENDING)], name="status_day")
        self.claims.create_index([("delivery_id", ASCENDING), ("attempt", ASCENDING)], unique=True,
                                 name="one_claim_per_attempt")
        self.revisions.create_index([("contact_id", ASCENDING), ("version", ASCENDING)], unique=True,
                                    name="contact_version")

    # notices
    def insert_once(self, collection, doc):
        """True if this call inserted ``doc``; False if it (or its unique key) already existed."""
        try:
            getattr(self, collection).insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    def insert_new(self, collection, docs):
        """Insert what is not there yet, in one unordered batch; the ids this call inserted."""
        known = self.known.get(collection)
        if known is not None:
            docs = [d for d in docs if d["_id"] not in known]
        if not docs:
            return set()
        ids = [d["_id"] for d in docs]
        inserted = set(ids) - {ids[i] for i in insert_absent(getattr(self, collection), docs)}
        if known is not None:
            known.update(ids)
        return inserted

    def contact_notices(self):
        """Every notice to a contact (a full scan: only for the repair after a start)."""
        return list(self.notices.find({"contact_id": {"$exists": True}}))

    def notices_by_id(self, ids):
        return [d for d in (self.notices.find_one({"_id": i}) for i in ids) if d is not None]

    def digest_entries(self):
        return list(self.digest_items.find({}))

    def drop_digest_entries(self, ids):
        for entry_id in ids:
            self.digest_items.delete_one({"_id": entry_id})

    def notices_for_items(self, item_keys):
        """The notices of a page of items: one equality read per item key (indexed), never ``$in``."""
        return [doc for key in dict.fromkeys(item_keys) for doc in self.notices.find({"item_key": key})]

    def get_notice(self, notice_id):
        return self.notices.find_one({"_id": notice_id})

    # the inbox
    def count_new_notices(self, docs):
        """Count inbox notices not counted yet (``counted_notices``: one per notice, the insert decides who counts)
        and list their days; safe to repeat, so the start-up repair counts what a crash left uncounted."""
        docs = [d for d in docs if d.get("inbox") is not None]
        won = self.insert_new("counted", [{"_id": d["_id"]} for d in docs])
        per_inbox = {}
        for doc in docs:
            if doc["_id"] in won:
                per_inbox[doc["inbox"]] = per_inbox.get(doc["inbox"], 0) + 1
        days = {(d["inbox"], d["as_of"]) for d in docs}
        self.insert_new("inbox_days", [{"_id": f"{i}|{day}", "inbox": i, "day": day} for i, day in sorted(days)])
        for inbox, n in per_inbox.items():
            self._add_counts(inbox, created=n)

    def _add_counts(self, inbox, created=0, read=0):
        with COUNTER_LOCK:
            key = f"{inbox}|{WRITER}"
            doc = self.inbox_counts.find_one({"_id": key})
            if doc is None:
                try:
                    self.inbox_counts.insert_one({"_id": key, "inbox": inbox, "created": created, "read": read})
                    return
                except DuplicateKeyError:
                    doc = self.inbox_counts.find_one({"_id": key})
            self.inbox_counts.update_one({"_id": key}, {"$set": {"created": doc["created"] + created,
                                                                 "read": doc["read"] + read}})

    def inbox_totals(self, inbox):
        """(notices, unread) of an inbox: the sum of its counter documents (one per writing process)."""
        docs = list(self.inbox_counts.find({"inbox": inbox}).limit(10000))
        created = sum(d["created"] for d in docs)
        return created, max(0, created - sum(d["read"] for d in docs))

    def inbox_day_list(self, inbox):
        """The days with notices in an inbox, latest first (a few hundred a year; sorted here)."""
        return sorted((d["day"] for d in self.inbox_days.find({"inbox": inbox}).limit(20000)), reverse=True)

    def notices_of_day(self, inbox, day):
        return list(self.notices.find({"inbox_day": f"{inbox}|{day}"}).limit(DAY_READ_LIMIT))

    def notices_of_centre(self, inbox, centre_id):
        return list(self.notices.find({"inbox_centre": f"{inbox}|{centre_id}"}).limit(DAY_READ_LIMIT))

    def unread_notices(self, inbox, limit):
        return list(self.notices.find({"unread_in": inbox}).limit(limit))

    def mark_read(self, notice, now):
        """Mark one notice read; the first to insert its read counts it (two readers count it once)."""
        if notice.get("read_at") is None:
            won = self.insert_once("reads", {"_id": notice["_id"], "inbox": notice.get("inbox"), "at": now})
            if won:
                self.notices.update_one({"_id": notice["_id"]}, {"$set": {"read_at": now, "unread_in": None}})
                if notice.get("inbox") is not None:
                    self._add_counts(notice["inbox"], read=1)
            else:  # read by someone else meanwhile: their time stands
                self.notices.update_one({"_id": notice["_id"]}, {"$set": {"unread_in": None}})
        return self.get_notice(notice["_id"])

    def migrate_inbox(self, fields_of, now):
        """Once per database: give notices written before the inbox buckets their fields and counts."""
        if self.migrations.find_one({"_id": "inbox_buckets"}) is not None:
            return 0
        old = list(self.notices.find({"inbox": {"$ne": None}, "inbox_day": {"$exists": False}}))  # once, at a start
        for doc in old:
            self.notices.update_one({"_id": doc["_id"]}, {"$set": fields_of(doc)})
            if doc.get("read_at") is not None and self.insert_once("reads", {"_id": doc["_id"], "inbox": doc["inbox"],
                                                                            "at": doc["read_at"]}):
                self._add_counts(doc["inbox"], read=1)
        self.count_new_notices(old)
        self.insert_once("migrations", {"_id": "inbox_buckets", "at": now, "notices": len(old)})
        return len(old)

    def recent_inbox_notices(self, since):
        """Inbox notices issued on or after ``since`` (a full scan: only for the repair after a start)."""
        return list(self.notices.find({"inbox": {"$ne": None}, "as_of": {"$gte": since.isoformat()}}))

    def acknowledge(self, notice_id, now):
        """签收 (an escalation notice): read-modify-write is harmless, the first time is kept and two are alike."""
        self.notices.update_one({"_id": notice_id, "acknowledged_at": None},
                                {"$set": {"acknowledged_at": now, "read_at": now}})
        return self.get_notice(notice_id)

    # deliveries
    def outbox_entries(self):
        return list(self.outbox.find({}))

    def drop_outbox(self, delivery_id):
        self.outbox.delete_one({"_id": delivery_id})

    def reschedule(self, delivery_id, when):
        self.outbox.update_one({"_id": delivery_id}, {"$set": {"next_attempt_at": when}})

    def pending_deliveries(self):
        return list(self.deliveries.find({"status": "pending"}))

    def claim(self, delivery_id, attempt, now):
        return self.insert_once("claims", {"_id": f"{delivery_id}#{attempt}", "delivery_id": delivery_id,
                                           "attempt": attempt, "at": now})

    def get_claim(self, delivery_id, attempt):
        return self.claims.find_one({"_id": f"{delivery_id}#{attempt}"})

    def record_attempt(self, delivery_id, attempt, changes, day=None):
        """The outcome of an attempt; ``status_day`` follows the status (``day``: the delivery's)."""
        if day and "status" in changes:
            changes = {**changes, "day": day, "status_day": "{}|{}".format(changes["status"], day)}
        self.deliveries.update_one({"_id": delivery_id, "attempts": attempt - 1}, {"$set": {"attempts": attempt, **changes}})

    def get_delivery(self, delivery_id):
        return self.deliveries.find_one({"_id": delivery_id})

    def deliveries_of_contact_day(self, contact_id, day):
        return list(self.deliveries.find({"contact_day": f"{contact_id}|{day}"}).limit(DAY_READ_LIMIT))

    def record_delivery(self, doc):
        self.deliveries.insert_one(with_buckets(doc))
        self.note_delivery_days([doc])

    def bucket_deliveries(self, limit):
        """Give up to ``limit`` deliveries from before the bucket fields their ``day`` and ``status_day`` (a one-off
        migration: its scan is paid per batch); the number given. A status changed meanwhile is left to its writer."""
        docs = list(self.deliveries.find({"day": {"$exists": False}}).limit(limit))
        for doc in docs:
            buckets = with_buckets(doc)
            self.deliveries.update_one({"_id": doc["_id"], "status": doc["status"], "day": {"$exists": False}},
                                       {"$set": {"day": buckets["day"], "status_day": buckets["status_day"]}})
        self.note_delivery_days(docs)
        return len(docs)

    def note_delivery_days(self, docs):
        """Record the days of ``docs`` (deliveries) in ``delivery_days``, once each."""
        self.insert_new("delivery_days", [{"_id": day} for day in sorted({delivery_day(d) for d in docs})])

    def delivery_page(self, status=None, after=None, limit=100):
        """(page, next cursor) of the delivery log, newest first: the days with deliveries (``delivery_days``),
        newest first, each read by equality on ``day`` (or ``status_day`` for one status) and sorted here by
        (created_at, id). ``after`` is the previous page's cursor, "<day>|<last id>" (an empty id: that day
        from its start); the next is None at the end. At most ``PAGE_DAYS`` days are read for one page."""
        start, _, after_id = (after or "").partition("|")
        days = sorted((d["_id"] for d in self.delivery_days.find({}, {"_id": 1}).limit(DELIVERY_DAYS_LIMIT)),
                      reverse=True)
        days = [d for d in days if not start or d <= start]
        boundary = None
        if after_id:
            last = self.deliveries.find_one({"_id": after_id}, {"created_at": 1})
            boundary = (last["created_at"], last["_id"]) if last else None
        out = []
        for n, day in enumerate(days):
            if n == PAGE_DAYS:
                return out, f"{day}|"
            query = {"status_day": f"{status}|{day}"} if status else {"day": day}
            docs = sorted(self.deliveries.find(query).limit(DAY_READ_LIMIT), key=_delivery_key, reverse=True)
            if day == start and boundary is not None:
                docs = [d for d in docs if _delivery_key(d) < boundary]
            room = limit - len(out)
            if len(docs) > room:
                out.extend(docs[:room])
                return out, "{}|{}".format(day, out[-1]["_id"]) if out else f"{day}|"
            out.extend(docs)
            if len(out) == limit:
                return out, f"{days[n + 1]}|" if n + 1 < len(days) else None
        return out, None

    # contacts
    def active_contacts(self):
        return [_contact(d) for d in self.contacts.find({"active": True})]

    def get_contact(self, contact_id):
        return _contact(self.contacts.find_one({"_id": contact_id}))

    def find_contacts(self, office=None, scope=None, active=None, limit=100, offset=0):
        query = {k: v for k, v in (("office", office), ("scope", scope), ("active", active)) if v is not None}
        total = self.contacts.count_documents(query)
        cursor = self.contacts.find(query).sort([("_id", ASCENDING)]).skip(offset).limit(limit)
        return [_contact(d) for d in cursor], total

    def contact_history(self, contact_id):
        docs = self.revisions.find({"contact_id": contact_id}).sort([("version", ASCENDING)])
        return [{k: v for k, v in d.items() if k != "_id"} for d in docs]

    def save_contact(self, contact, based_on, actor, reason, now):
        """A new revision on top of version ``based_on`` (0 for new); Conflict if that slot is taken."""
        version = based_on + 1
        doc = {f: contact.get(f) for f in CONTACT_FIELDS}
        projection = {**doc, "version": version, "updated_at": now}
        append_revision(self.revisions, {"contact_id": contact["id"], "version": version, "contact": doc,
                                         "actor": actor, "reason": reason, "at": now},
                        self.contacts, {"_id": contact["id"], **projection},
                        Conflict("联系人“{}”已被他人修改或已存在，请刷新后重试".format(contact["id"]),
                                 {"version": [f"stale: based on {based_on}"]}))
        return {"id": contact["id"], **projection}


def _contact(doc):
    if doc is None:
        return None
    return {"id": doc["_id"], **{f: doc.get(f) for f in CONTACT_FIELDS}, "version": doc.get("version"),
            "updated_at": doc.get("updated_at")}


def backoff(attempt, base, cap):
    """Delay before the attempt after ``attempt``: about base, 2*base, 4*base, ... capped and
    jittered (shared/retry.py), so replicas that failed together do not retry together."""
    return timedelta(seconds=backoff_seconds(attempt, base, cap))
