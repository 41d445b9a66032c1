"""MongoDB adapter of the notifications service (database ``<prefix>_notifications``).

Every write that two replicas (or a restarted scan) could repeat is an insert
guarded by a unique index, so the second attempt is a DuplicateKeyError and
nothing is sent twice; FerretDB v1 has neither transactions nor compare-and-set.

- ``notices``: one per (item_key, step, recipient), unique; the in-app inbox too.
- ``detections``: one per item_key (kind, ref and due date): ``overdue_detected`` fires once.
- ``deliveries``: one per (notice or digest, channel); status pending/sent/failed (the history).
- ``delivery_claims``: one per (delivery, attempt); whoever inserts it may send.
- ``outbox``: the deliveries still to attempt, and ``digest_items``: notices waiting for a
  contact's daily digest. Both stay small, because FerretDB v1 pushes down only ``_id``
  lookups and scans whole collections otherwise; the timer reads only these two.
- ``contact_revisions`` (unique (contact_id, version)) and its projection ``contacts``.
"""
from datetime import timedelta

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from shared.errors import Conflict
from shared.mongo import insert_absent
from shared.retry import backoff_seconds
from shared.revisions import append_revision

CONTACT_FIELDS = ("name", "scope", "office", "role", "mode", "email", "webhook", "webhook_format", "active")


class NotificationsStore:
    def __init__(self, db):
        self.db = db
        self.notices = db.notices
        self.detections = db.detections
        self.deliveries = db.deliveries
        self.claims = db.delivery_claims
        self.contacts = db.contacts
        self.revisions = db.contact_revisions
        self.outbox = db.outbox
        self.digest_items = db.digest_items
        self.repaired = False  # per container: the first tick after a start repairs what a crash left
        # Notices and detections are never deleted, so an id seen once exists for good: a hint that
        # spares FerretDB thousands of rejected inserts per tick. The unique index stays the guard.
        self.known = {"notices": set(), "detections": set()}

    def ensure_indexes(self):
        self.notices.create_index([("item_key", ASCENDING), ("step", ASCENDING), ("recipient", ASCENDING)],
                                  unique=True, name="one_notice_per_item_step_recipient")
        self.notices.create_index([("inbox", ASCENDING), ("created_at", DESCENDING)], name="inbox")
        self.deliveries.create_index([("status", ASCENDING)], name="status")
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

    def inbox(self, inbox, unread=False, limit=100, offset=0):
        query = {"inbox": inbox}
        if unread:
            query["read_at"] = None
        total = self.notices.count_documents(query)
        unread_count = self.notices.count_documents({"inbox": inbox, "read_at": None})
        cursor = self.notices.find(query).sort([("created_at", DESCENDING), ("_id", ASCENDING)]).skip(offset).limit(limit)
        return list(cursor), total, unread_count

    def get_notice(self, notice_id):
        return self.notices.find_one({"_id": notice_id})

    def mark_read(self, notice_id, now):
        # Read-modify-write is harmless here: two readers would set nearly the same time.
        self.notices.update_one({"_id": notice_id, "read_at": None}, {"$set": {"read_at": now}})
        return self.get_notice(notice_id)

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

    def record_attempt(self, delivery_id, attempt, changes):
        self.deliveries.update_one({"_id": delivery_id, "attempts": attempt - 1}, {"$set": {"attempts": attempt, **changes}})

    def get_delivery(self, delivery_id):
        return self.deliveries.find_one({"_id": delivery_id})

    def find_deliveries(self, status=None, limit=100, offset=0):
        query = {"status": status} if status else {}
        total = self.deliveries.count_documents(query)
        cursor = self.deliveries.find(query).sort([("created_at", DESCENDING), ("_id", ASCENDING)]).skip(offset).limit(limit)
        return list(cursor), total

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
