"""MongoDB adapter of the milestones service.

Collections (database ``<prefix>_milestones``):
- ``milestone_revisions``: append-only, one document per accepted change of one
  milestone, holding the full state after the change and ``before``; unique on
  (centre_id, key, version). Two writers based on the same version race for the
  same slot and exactly one insert succeeds, on MongoDB and on FerretDB v1 alike
  (FerretDB v1 updates are read-modify-write, so an update could not be the guard).
- ``milestones``: the latest state per milestone, a projection for fast reads.
- ``centres``: name, level, office, deadline and pilot flag as last heard from
  the assignment service (``assignment_version`` keeps an older copy from winning).
- ``audit``: append-only refused attempts and centre-level notes (moved, ...).
- ``evidence``: one document per file with its bytes. GridFS does work on
  FerretDB 1.24, but it writes chunks and a file document separately; one
  document per file (below the size limit) is a single atomic insert.
"""
from datetime import date, datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from shared.errors import Conflict

STATE_FIELDS = ("centre_id", "key", "phase", "title", "owner", "order", "due", "status", "percent", "note",
                "reason", "evidence", "version")
CENTRE_FIELDS = ("name", "level", "office", "deadline", "pilot", "assignment_version")


def iso(value):
    return value.isoformat() if isinstance(value, date) and not isinstance(value, datetime) else value


def as_date(value):
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    return date.fromisoformat(value)


def _state(doc):
    out = {f: doc.get(f) for f in STATE_FIELDS}
    out["due"] = as_date(out["due"])
    out["updated_at"] = doc.get("at") or doc.get("updated_at")
    return out


def _centre(doc):
    if doc is None:
        return None
    out = {"id": doc["_id"], **{f: doc.get(f) for f in CENTRE_FIELDS}}
    out["deadline"] = as_date(out["deadline"])
    return out


class MilestoneStore:
    def __init__(self, db):
        self.db = db
        self.revisions = db.milestone_revisions
        self.milestones = db.milestones
        self.centres = db.centres
        self.audit = db.audit
        self.evidence = db.evidence

    def ensure_indexes(self):
        self.revisions.create_index([("centre_id", ASCENDING), ("key", ASCENDING), ("version", ASCENDING)],
                                    unique=True, name="centre_key_version")
        self.revisions.create_index([("office", ASCENDING), ("at", ASCENDING)], name="office_at")
        self.milestones.create_index([("centre_id", ASCENDING), ("order", ASCENDING)], name="centre_order")
        self.centres.create_index([("office", ASCENDING), ("level", ASCENDING)], name="office_level")
        self.audit.create_index([("centre_id", ASCENDING), ("at", ASCENDING)], name="centre_at")
        self.audit.create_index([("office", ASCENDING), ("at", ASCENDING)], name="office_at")
        self.evidence.create_index([("centre_id", ASCENDING), ("key", ASCENDING)], name="centre_key")

    # centres
    def get_centre(self, centre_id):
        return _centre(self.centres.find_one({"_id": centre_id}))

    def centres_where(self, office=None, level=None):
        query = {k: v for k, v in (("office", office), ("level", level)) if v}
        return [_centre(d) for d in self.centres.find(query).sort([("_id", ASCENDING)])]

    def save_centre(self, centre, now):
        doc = {f: iso(centre.get(f)) for f in CENTRE_FIELDS}
        self.centres.update_one({"_id": centre["id"]}, {"$set": {**doc, "synced_at": now}}, upsert=True)

    # milestones
    def latest(self, centre_id, key):
        doc = self.revisions.find_one({"centre_id": centre_id, "key": key}, sort=[("version", DESCENDING)])
        return None if doc is None else _state(doc)

    def latest_of_centre(self, centre_id):
        """The newest revision per key, read from the revisions themselves (never stale)."""
        out = {}
        for doc in self.revisions.find({"centre_id": centre_id}).sort([("version", ASCENDING)]):
            out[doc["key"]] = _state(doc)
        return out

    def insert_revision(self, revision):
        """Append one revision; Conflict when its (centre, key, version) slot is taken."""
        doc = {**revision, "due": iso(revision.get("due"))}
        try:
            self.revisions.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict("里程碑“{}”已被他人更新（版本 {} 已存在），请刷新后重试".format(revision["key"], revision["version"]),
                           {"based_on_version": ["stale: version {} already exists".format(revision["version"])]}) from None
        self.project(revision["centre_id"], revision["key"])

    def project(self, centre_id, key):
        """Move the projection up to the newest revision. A slower writer of an older
        version cannot move it back (filter on version), and re-reading afterwards
        repairs the rare interleaving of two read-modify-write updates on FerretDB."""
        _id = "{}:{}".format(centre_id, key)
        for _ in range(5):
            newest = self.revisions.find_one({"centre_id": centre_id, "key": key}, sort=[("version", DESCENDING)])
            current = self.milestones.find_one({"_id": _id}, {"version": 1})
            if current is not None and current["version"] >= newest["version"]:
                return
            state = {f: newest.get(f) for f in STATE_FIELDS}
            try:
                self.milestones.update_one({"_id": _id, "version": {"$lt": newest["version"]}},
                                           {"$set": {**state, "updated_at": newest["at"]}}, upsert=True)
            except DuplicateKeyError:
                pass  # a newer version got there first; the loop checks again

    def current_states(self, centre_ids=None, phase=None, status=None, key=None, skip=0, limit=0):
        query = {}
        if centre_ids is not None:
            query["centre_id"] = {"$in": list(centre_ids)}
        for field, value in (("phase", phase), ("status", status), ("key", key)):
            if value is not None:
                query[field] = value
        total = self.milestones.count_documents(query)
        cursor = self.milestones.find(query).sort([("centre_id", ASCENDING), ("order", ASCENDING)]).skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return [_state(d) for d in cursor], total

    def states_as_of(self, centre_ids, cutoff):
        """State of every milestone at ``cutoff``: the newest revision before it, or
        the initial one when the milestone was created later (the plan still applied)."""
        query = {} if centre_ids is None else {"centre_id": {"$in": list(centre_ids)}}
        best = {}
        for doc in self.revisions.find(query).sort([("version", ASCENDING)]):
            slot = (doc["centre_id"], doc["key"])
            if slot not in best or doc["at"] < cutoff:
                best[slot] = doc
        return [_state(d) for _, d in sorted(best.items(), key=lambda kv: (kv[0][0], kv[1].get("order", 0)))]

    # audit
    def record(self, entry):
        self.audit.insert_one({**entry})

    def centre_history(self, centre_id):
        accepted = list(self.revisions.find({"centre_id": centre_id}))
        other = list(self.audit.find({"centre_id": centre_id}))
        return sorted(accepted + other, key=_history_order)

    def office_history(self, office, limit, offset):
        """Newest first; both collections are read up to offset+limit and merged."""
        query = {"office": office}
        total = self.revisions.count_documents(query) + self.audit.count_documents(query)
        wanted = offset + limit
        accepted = list(self.revisions.find(query).sort([("at", DESCENDING)]).limit(wanted))
        other = list(self.audit.find(query).sort([("at", DESCENDING)]).limit(wanted))
        merged = sorted(accepted + other, key=_history_order, reverse=True)
        return merged[offset:wanted], total

    # evidence
    def insert_evidence(self, docs):
        if docs:
            self.evidence.insert_many(docs)

    def delete_evidence(self, ids):
        if ids:
            self.evidence.delete_many({"_id": {"$in": list(ids)}})

    def get_evidence(self, evidence_id):
        return self.evidence.find_one({"_id": evidence_id})

    def count_evidence(self):
        return self.evidence.count_documents({})


def _history_order(doc):
    return (doc["at"], doc.get("version") or 0)
