"""MongoDB adapter of the inspections service.

Collections (database ``<prefix>_inspections``):
- ``inspections``: immutable, ``_id`` "<centre>-i<seq>", unique on (centre_id, seq):
  two inspections of one centre recorded at once cannot both take a number, so
  their rectification effects never interleave (the loser gets Conflict).
  ``applied`` turns true once its effects are written and its events sent; a
  periodic repair pass finishes any left false by a crash in between. ``request_id`` (indexed) is the
  gateway's id of the request that wrote it: a resend finds it there and gets it back, nothing stored twice.
- ``corrections``: ``_id`` = the corrected inspection: at most one correction each.
- ``rectifications``: current state, a projection of the latest revision;
  ``_id`` "<centre>-<item>-<n>", so two openers of the same item collide. ``status`` is
  indexed alone too: the district-wide queue (what waits for a re-check) reads it by equality,
  a page at a time in ``_id`` order. ``ack_pending`` (indexed) is true from opening until the office
  signs for the order (签收) or it is verified: the orders the notifications service reminds.
- ``rectification_revisions``: append-only, unique on (rectification_id, version):
  the write guard between an office's submission and an inspector's verdict. A submission's revision
  keeps the gateway's ``request_id`` (indexed), so a resent submission finds it instead of adding another.
- ``acceptances``: ``_id`` = centre, the first passing acceptance;
  ``failed_acceptances``: one per failed district acceptance.
- ``response_times``: per office, counts and sums of the seconds from an order to its 签收 and to its 销号,
  the projection of ``response_time_revisions`` (unique on office and version: two replicas adding at once
  cannot both take a version; ``rectification_kind`` keeps one rectification from being counted twice).
- ``evidence``: one document per file of rectification submissions and inspections' item photos,
  ``_id`` = SHA-256 = its key in the object store (shared/objects.py), where its bytes are
  (content-addressed, so a retry stores nothing twice); recorded before the inspection or
  submission that names it, so the sweep of unnamed files asks here by ``_id``. A document
  from before the object store holds ``content`` until ``cctrack evidence migrate`` moves it.
"""
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.inspections.rectification import ACTIVE
from shared.errors import Conflict, InvalidInput
from shared.revisions import append_revision


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
        self.timings = db.response_times
        self.timing_revisions = db.response_time_revisions

    def ensure_indexes(self):
        self.inspections.create_index([("centre_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="centre_seq")
        self.revisions.create_index([("rectification_id", ASCENDING), ("version", ASCENDING)], unique=True,
                                    name="rectification_version")
        self.rectifications.create_index([("office", ASCENDING), ("status", ASCENDING)], name="office_status")
        self.rectifications.create_index([("centre_id", ASCENDING), ("item_id", ASCENDING)], name="centre_item")
        self.rectifications.create_index([("status", ASCENDING)], name="status")
        self.rectifications.create_index([("ack_pending", ASCENDING)], name="ack_pending")
        self.failed_acceptances.create_index([("centre_id", ASCENDING)], name="centre")
        self.inspections.create_index([("applied", ASCENDING)], name="applied")
        self.inspections.create_index([("request_id", ASCENDING)], name="request_id")
        self.revisions.create_index([("request_id", ASCENDING)], name="request_id")
        self.corrections.create_index([("centre_id", ASCENDING)], name="centre")
        self.timing_revisions.create_index([("office", ASCENDING), ("version", ASCENDING)], unique=True,
                                           name="office_version")
        self.timing_revisions.create_index([("rectification_kind", ASCENDING)], name="rectification_kind")

    # inspections
    def next_seq(self, centre_id):
        return max((d["seq"] for d in self.inspections.find({"centre_id": centre_id}, {"seq": 1})), default=0) + 1

    def insert_inspection(self, doc):
        try:
            self.inspections.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict("中心“{}”正在同时录入另一条检查记录，请刷新后重试".format(doc["centre_id"]),
                           {"centre_id": ["concurrent inspection"]}) from None

    def mark_applied(self, inspection_id, rectifications=None):
        """``applied`` true; with the rectifications the inspection opened or moved, kept for a resent request."""
        changes = {"applied": True, **({"rectifications": rectifications} if rectifications is not None else {})}
        self.inspections.update_one({"_id": inspection_id}, {"$set": changes})

    def inspection_by_request(self, request_id):
        """The inspection a request (the gateway's request id) wrote, or None (equality on the indexed field)."""
        return _clean(self.inspections.find_one({"request_id": request_id}))

    def revision_by_request(self, request_id):
        """The rectification revision a request wrote, or None (equality on the indexed ``request_id``)."""
        return self.revisions.find_one({"request_id": request_id})

    def unapplied(self, before):
        """Inspections left half-applied (equality on ``applied``: only crashed ones are false for long)."""
        docs = [d for d in self.inspections.find({"applied": False}) if d["recorded_at"] < before]
        return sorted((_clean(d) for d in docs), key=lambda d: (d["centre_id"], d["seq"]))

    def get_inspection(self, inspection_id):
        return _clean(self.inspections.find_one({"_id": inspection_id}))

    def find_inspections(self, centre_id, kind=None, limit=50, offset=0):
        query = {"centre_id": centre_id}
        if kind:
            query["kind"] = kind
        docs = sorted((_clean(d) for d in self.inspections.find(query)), key=lambda d: -d["seq"])  # one centre's
        return docs[offset:offset + limit], len(docs)

    def latest_inspection(self, centre_id, kinds):
        """The newest inspection of one centre whose kind is one of ``kinds``, or None: the numbers and kinds of
        the centre's inspections by equality on the centre (bounded by one centre), then one ``_id`` read."""
        heads = sorted(self.inspections.find({"centre_id": centre_id}, {"seq": 1, "kind": 1}), key=lambda d: -d["seq"])
        newest = next((d for d in heads if d["kind"] in kinds), None)
        return None if newest is None else self.get_inspection(newest["_id"])

    def claim_correction(self, corrected_id, centre_id):
        try:
            self.corrections.insert_one({"_id": corrected_id, "centre_id": centre_id, "by": None})
        except DuplicateKeyError:
            raise Conflict(f"检查记录“{corrected_id}”已被更正过，请更正最新的记录",
                           {"corrects": ["already corrected"]}) from None

    def complete_correction(self, corrected_id, by):
        self.corrections.update_one({"_id": corrected_id}, {"$set": {"by": by}})

    def release_correction(self, corrected_id):
        self.corrections.delete_one({"_id": corrected_id, "by": None})

    def corrected_by(self, centre_id):
        """{inspection id: the inspection correcting it} for one centre (equality on the centre)."""
        return {d["_id"]: d.get("by") for d in self.corrections.find({"centre_id": centre_id}) if d.get("by")}

    def correction_of(self, inspection_id):
        doc = self.corrections.find_one({"_id": inspection_id})
        return doc.get("by") if doc else None

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
        docs = self.rectifications.find({"centre_id": centre_id})
        return {d["item_id"]: _clean(d) for d in docs if d["status"] in ACTIVE}

    def count_for_item(self, centre_id, item_id):
        return self.rectifications.count_documents({"centre_id": centre_id, "item_id": item_id})

    def find_rectifications(self, office=None, status=None, centre_id=None, limit=50, offset=0):
        """One centre's or one office's rectifications (equality on indexed fields), sorted by (due, id) and paged
        here: the answer is bounded by one office. Without either, InvalidInput: a district-wide list would read
        every rectification of the programme (the read model counts them by office)."""
        if not office and not centre_id:
            raise InvalidInput("请指定街道办事处（office）或中心（centre_id）：整改项按街道或中心查询",
                               {"office": ["required unless centre_id is given"]})
        query = {k: v for k, v in (("office", office), ("status", status), ("centre_id", centre_id)) if v}
        docs = sorted((_clean(d) for d in self.rectifications.find(query)), key=lambda d: (str(d["due"]), d["id"]))
        return docs[offset:offset + limit], len(docs)

    def queue_page(self, status, office=None, after=None, limit=100):
        """(page, next cursor): rectifications in ``status`` of every office (or of ``office``), by equality on the
        indexed ``status`` (with ``office``: the office_status index), at most ``limit`` in ``_id`` order after
        ``after``; the page itself is sorted here by (due, id). The cursor is the page's last ``_id``, None at the end."""
        query = {"status": status, **({"office": office} if office else {})}
        if after:
            query["_id"] = {"$gt": after}
        docs = list(self.rectifications.find(query).sort([("_id", ASCENDING)]).limit(limit + 1))
        following = docs[limit - 1]["_id"] if len(docs) > limit else None
        page = sorted((_clean(d) for d in docs[:limit]), key=lambda d: (str(d["due"]), d["id"]))
        return page, following

    def unacknowledged(self, limit):
        """Orders not signed for yet (equality on the indexed ``ack_pending``: true only until the office signs
        or the item is verified, so the answer is what waits now, not history), at most ``limit``."""
        return [_clean(d) for d in self.rectifications.find({"ack_pending": True}).limit(limit)]

    def of_centre(self, centre_id):
        """Acceptance, failed acceptances and rectifications of one centre (equality and _id reads)."""
        return (self.acceptances.find_one({"_id": centre_id}) is not None,
                sorted(d["_id"] for d in self.failed_acceptances.find({"centre_id": centre_id})),
                [_clean(d) for d in self.rectifications.find({"centre_id": centre_id})])

    def history(self, rectification_id):
        docs = sorted(self.revisions.find({"rectification_id": rectification_id}), key=lambda d: d["version"])
        return [{k: v for k, v in d.items() if k != "_id"} for d in docs]

    def save_rectification(self, rect, based_on, change):
        """Record ``change`` (status, actor, at, ...) as version ``based_on + 1`` of ``rect``.

        Raises Conflict when another change took that version first.
        """
        version = based_on + 1
        doc = {k: v for k, v in rect.items() if k != "id"}
        doc.update(status=change["status"], version=version, updated_at=change["at"])
        append_revision(self.revisions, {"rectification_id": rect["id"], "version": version, **change},
                        self.rectifications, {"_id": rect["id"], **doc},
                        Conflict("整改项“{}”已被他人更新，请刷新后重试".format(rect["id"]),
                                 {"version": [f"stale: based on {based_on}"]}))
        return {**doc, "id": rect["id"]}

    # response times (per office: counts and sums, versioned like every contended write)
    def timing_head(self, office):
        """The office's sums: the projection, walked forward along its revisions (a crash may leave it behind)."""
        doc = self.timings.find_one({"_id": office}) or {"_id": office, "version": 0, "ack_count": 0,
                                                          "ack_seconds": 0, "fix_count": 0, "fix_seconds": 0}
        while True:
            following = self.timing_revisions.find_one({"office": office, "version": doc["version"] + 1})
            if following is None:
                return doc
            doc = {"_id": office, **{k: v for k, v in following.items()
                                     if k not in ("_id", "office", "rectification_kind", "at")}}

    def add_timing(self, rect, kind, seconds, head):
        """Add one ``kind`` (ack / fix) of ``seconds`` to ``head`` as its next version (Conflict when another
        replica took that version: re-read and retry); nothing when this rectification's ``kind`` was counted."""
        key = "{}|{}".format(rect["id"], kind)
        if self.timing_revisions.find_one({"rectification_kind": key}, {"_id": 1}) is not None:
            return head
        sums = {k: head.get(k, 0) for k in ("ack_count", "ack_seconds", "fix_count", "fix_seconds")}
        sums[f"{kind}_count"] += 1
        sums[f"{kind}_seconds"] += seconds
        version = head["version"] + 1
        append_revision(self.timing_revisions, {"office": rect["office"], "version": version,
                                                "rectification_kind": key, **sums},
                        self.timings, {"_id": rect["office"], "version": version, **sums},
                        Conflict("统计正在更新，请稍后重试", {"office": ["并发更新"]}))
        return {"_id": rect["office"], "version": version, **sums}

    def response_times(self, limit=5000):
        """Every office's sums: one small document per office (bounded by the number of offices)."""
        return [self.timing_head(d["_id"]) for d in self.timings.find({}, {"_id": 1}).limit(limit)]

    def record_evidence(self, meta):
        """Record that a file (its bytes already in the object store under ``meta["sha256"]``) is named."""
        try:
            self.evidence.insert_one({"_id": meta["sha256"], "content_type": meta["content_type"], "size": meta["size"]})
        except DuplicateKeyError:
            pass  # same bytes already recorded

    def legacy_evidence(self, limit):
        """Up to ``limit`` documents still holding their bytes (a one-off migration: its scan is paid per batch)."""
        return list(self.evidence.find({"content": {"$exists": True}}).limit(limit))

    def finish_migration(self, sha256):
        self.evidence.update_one({"_id": sha256}, {"$unset": {"content": ""}})

    def get_evidence(self, sha256):
        return self.evidence.find_one({"_id": sha256})

    def evidence_exists(self, sha256):
        return self.evidence.find_one({"_id": sha256}, {"_id": 1}) is not None
