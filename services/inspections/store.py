"""MongoDB adapter of the inspections service.

Collections (database ``<prefix>_inspections``):
- ``inspections``: immutable, ``_id`` "<centre>-i<seq>", unique on (centre_id, seq):
  two inspections of one centre recorded at once cannot both take a number, so
  their rectification effects never interleave (the loser gets Conflict).
  ``applied`` turns true once its effects are written and its events sent; a
  periodic repair pass finishes any left false by a crash in between.
- ``corrections``: ``_id`` = the corrected inspection: at most one correction each.
- ``rectifications``: current state, a projection of the latest revision;
  ``_id`` "<centre>-<item>-<n>", so two openers of the same item collide.
- ``rectification_revisions``: append-only, unique on (rectification_id, version):
  the write guard between an office's submission and an inspector's verdict.
- ``acceptances``: ``_id`` = centre, the first passing acceptance;
  ``failed_acceptances``: one per failed district acceptance.
- ``evidence``: file contents, ``_id`` = SHA-256 (content-addressed, so a retry
  stores nothing twice).
"""
from bson.binary import Binary
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from shared.errors import Conflict
from services.inspections.rectification import ACTIVE


def _clean(doc):
    if doc is None:
        return None
    out = {k: v for k, v in doc.items() if k != "_id"}
    out["id"] = doc["_id"]
    return out


class InspectionStore:
    def __init__(self, db):
        self.db = db
        self.inspections = db.inspections
        self.corrections = db.corrections
        self.rectifications = db.rectifications
        self.revisions = db.rectification_revisions
        self.acceptances = db.acceptances
        self.failed_acceptances = db.failed_acceptances
        self.evidence = db.evidence

    def ensure_indexes(self):
        self.inspections.create_index([("centre_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="centre_seq")
        self.revisions.create_index([("rectification_id", ASCENDING), ("version", ASCENDING)], unique=True,
                                    name="rectification_version")
        self.rectifications.create_index([("office", ASCENDING), ("status", ASCENDING)], name="office_status")
        self.rectifications.create_index([("centre_id", ASCENDING), ("item_id", ASCENDING)], name="centre_item")
        self.failed_acceptances.create_index([("centre_id", ASCENDING)], name="centre")

    # inspections
    def next_seq(self, centre_id):
        last = self.inspections.find_one({"centre_id": centre_id}, sort=[("seq", DESCENDING)])
        return (last["seq"] if last else 0) + 1

    def insert_inspection(self, doc):
        try:
            self.inspections.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict("中心“{}”正在同时录入另一条检查记录，请刷新后重试".format(doc["centre_id"]),
                           {"centre_id": ["concurrent inspection"]}) from None

    def mark_applied(self, inspection_id):
        self.inspections.update_one({"_id": inspection_id}, {"$set": {"applied": True}})

    def unapplied(self, before):
        docs = self.inspections.find({"applied": False, "recorded_at": {"$lt": before}})
        return sorted((_clean(d) for d in docs), key=lambda d: (d["centre_id"], d["seq"]))

    def get_inspection(self, inspection_id):
        return _clean(self.inspections.find_one({"_id": inspection_id}))

    def find_inspections(self, centre_id, kind=None, limit=50, offset=0):
        query = {"centre_id": centre_id}
        if kind:
            query["kind"] = kind
        total = self.inspections.count_documents(query)
        cursor = self.inspections.find(query).sort([("seq", DESCENDING)]).skip(offset).limit(limit)
        return [_clean(d) for d in cursor], total

    def claim_correction(self, corrected_id, centre_id):
        try:
            self.corrections.insert_one({"_id": corrected_id, "centre_id": centre_id, "by": None})
        except DuplicateKeyError:
            raise Conflict("检查记录“{}”已被更正过，请更正最新的记录".format(corrected_id),
                           {"corrects": ["already corrected"]}) from None

    def complete_correction(self, corrected_id, by):
        self.corrections.update_one({"_id": corrected_id}, {"$set": {"by": by}})

    def release_correction(self, corrected_id):
        self.corrections.delete_one({"_id": corrected_id, "by": None})

    def corrected_by(self, inspection_ids):
        docs = self.corrections.find({"_id": {"$in": list(inspection_ids)}})
        return {d["_id"]: d.get("by") for d in docs if d.get("by")}

    # acceptance
    def record_failed_acceptance(self, centre_id, inspection_id, at):
        try:
            self.failed_acceptances.insert_one({"_id": inspection_id, "centre_id": centre_id, "at": at})
        except DuplicateKeyError:
            pass  # the same inspection applied again by the repair pass

    def has_failed_acceptance(self, centre_id):
        return self.failed_acceptances.find_one({"centre_id": centre_id}) is not None

    def record_acceptance(self, centre_id, inspection_id, at):
        try:
            self.acceptances.insert_one({"_id": centre_id, "inspection_id": inspection_id, "at": at})
        except DuplicateKeyError:
            pass  # accepted before; the first acceptance stays the one of record

    def acceptance(self, centre_id):
        return self.acceptances.find_one({"_id": centre_id})

    # rectifications
    def get_rectification(self, rectification_id):
        return _clean(self.rectifications.find_one({"_id": rectification_id}))

    def active_rectifications(self, centre_id):
        docs = self.rectifications.find({"centre_id": centre_id, "status": {"$in": list(ACTIVE)}})
        return {d["item_id"]: _clean(d) for d in docs}

    def count_for_item(self, centre_id, item_id):
        return self.rectifications.count_documents({"centre_id": centre_id, "item_id": item_id})

    def find_rectifications(self, office=None, status=None, centre_id=None, limit=50, offset=0):
        query = {}
        if office:
            query["office"] = office
        if status:
            query["status"] = status
        if centre_id:
            query["centre_id"] = centre_id
        total = self.rectifications.count_documents(query)
        cursor = self.rectifications.find(query).sort([("due", ASCENDING), ("_id", ASCENDING)]).skip(offset).limit(limit)
        return [_clean(d) for d in cursor], total

    def unverified(self):
        docs = self.rectifications.find({"status": {"$in": list(ACTIVE)}}).sort([("due", ASCENDING), ("_id", ASCENDING)])
        return [_clean(d) for d in docs]

    def of_centre(self, centre_id):
        """Acceptance, failed acceptances and rectifications of one centre (equality and _id reads)."""
        return (self.acceptances.find_one({"_id": centre_id}) is not None,
                sorted(d["_id"] for d in self.failed_acceptances.find({"centre_id": centre_id})),
                [_clean(d) for d in self.rectifications.find({"centre_id": centre_id})])

    def history(self, rectification_id):
        docs = self.revisions.find({"rectification_id": rectification_id}).sort([("version", ASCENDING)])
        return [{k: v for k, v in d.items() if k != "_id"} for d in docs]

    def save_rectification(self, rect, based_on, change):
        """Record ``change`` (status, actor, at, ...) as version ``based_on + 1`` of ``rect``.

        Raises Conflict when another change took that version first.
        """
        version = based_on + 1
        try:
            self.revisions.insert_one({"rectification_id": rect["id"], "version": version, **change})
        except DuplicateKeyError:
            raise Conflict("整改项“{}”已被他人更新，请刷新后重试".format(rect["id"]),
                           {"version": ["stale: based on {}".format(based_on)]}) from None
        doc = {k: v for k, v in rect.items() if k != "id"}
        doc.update(status=change["status"], version=version, updated_at=change["at"])
        try:
            # Only move forward: a slower writer of an older version must not win.
            self.rectifications.update_one({"_id": rect["id"], "version": {"$lt": version}}, {"$set": doc}, upsert=True)
        except DuplicateKeyError:
            pass
        return {**doc, "id": rect["id"]}

    def store_evidence(self, sha256, content, content_type):
        try:
            self.evidence.insert_one({"_id": sha256, "content": Binary(content), "content_type": content_type,
                                      "size": len(content)})
        except DuplicateKeyError:
            pass  # same bytes already stored

    def get_evidence(self, sha256):
        return self.evidence.find_one({"_id": sha256})

    def evidence_exists(self, sha256):
        return self.evidence.find_one({"_id": sha256}, {"_id": 1}) is not None
