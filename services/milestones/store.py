"""MongoDB adapter of the milestones service.

Collections (database ``<prefix>_milestones``):
- ``milestone_revisions``: append-only, one document per accepted change of one
  milestone, holding the full state after the change and ``before``; ``_id`` is
  ``centre:key:version`` and (centre_id, key, version) is also a unique index. Two
  writers based on the same version race for the same slot and exactly one insert
  succeeds, on MongoDB and on FerretDB v1 alike (FerretDB v1 updates are
  read-modify-write, so an update could not be the guard).
- ``milestones``: the latest state per milestone (``_id`` ``centre:key``), a
  projection for fast reads; it may briefly lag, so writers look up the next
  version by ``_id`` before trusting it. Lookups by ``_id`` are the only cheap
  reads on FerretDB v1 (other filters scan), which is why the write path uses them.
- ``centres``: name, level, office, deadline and pilot flag as last heard from
  the assignment service (``assignment_version`` keeps an older copy from winning).
- ``audit``: append-only refused attempts and centre-level notes (moved, ...).
- ``meta``: ``_id`` "sync": where the periodic sync continues (``offset``, the next office's place).
- ``evidence``: one document per file, naming its bytes in the object store by ``sha256``
  (shared/objects.py; indexed, as is ``thumbnail_key``, so the sweep of unnamed files asks
  by equality). A photo also keeps ``photo`` (capture time, GPS, the phone's position,
  receipt time, verdict) and ``thumbnail_key`` (a small JPEG in the object store), and,
  when judged 存疑, ``doubtful_office`` and ``doubtful_centre`` (indexed): the pages of
  存疑 evidence are equality reads on them. A document from before the object store still
  holds ``content`` (and ``thumbnail``) until ``cctrack evidence migrate`` moves them;
  lists never read those (``BRIEF``).
- ``fingerprints``: one document per perceptual hash of a photo (whole frame and centred crops),
  ``band0``..``band3`` (16 bits each) indexed one by one: candidates for "the same picture"
  are found by equality on a band (services/milestones/photo_checks.py).
"""
from datetime import date, datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import BulkWriteError

from shared.clock import as_date, local_date, utcnow
from shared.errors import Conflict
from shared.mongo import insert_absent, upsert_by_id
from shared.revisions import append_revision, project_forward

BRIEF = {"content": 0, "thumbnail": 0}  # evidence lists never read the bytes
DOUBTFUL_READ = 1000  # most 存疑 evidence documents one page request reads (newest first after sorting here)
STATE_FIELDS = ("centre_id", "key", "phase", "title", "owner", "order", "due", "status", "percent", "note",
                "reason", "evidence", "version")
CENTRE_FIELDS = ("name", "level", "office", "deadline", "pilot", "lat", "lng", "assignment_version", "district")


def iso(value):
    return value.isoformat() if isinstance(value, date) and not isinstance(value, datetime) else value


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
        self.fingerprints = db.fingerprints
        self.projection_pending = db.projection_pending
        self.meta = db.meta

    def ensure_indexes(self):
        self.revisions.create_index([("centre_id", ASCENDING), ("key", ASCENDING), ("version", ASCENDING)],
                                    unique=True, name="centre_key_version")
        self.revisions.create_index([("office", ASCENDING), ("at", ASCENDING)], name="office_at")
        self.milestones.create_index([("centre_id", ASCENDING), ("order", ASCENDING)], name="centre_order")
        # office: the sync compares an office's centres here with the assignment's by equality on it
        self.centres.create_index([("office", ASCENDING), ("level", ASCENDING)], name="office_level")
        self.audit.create_index([("centre_id", ASCENDING), ("at", ASCENDING)], name="centre_at")
        self.audit.create_index([("office", ASCENDING), ("at", ASCENDING)], name="office_at")
        self.evidence.create_index([("centre_id", ASCENDING), ("key", ASCENDING)], name="centre_key")
        self.evidence.create_index([("doubtful_office", ASCENDING)], name="doubtful_office")
        self.evidence.create_index([("doubtful_centre", ASCENDING)], name="doubtful_centre")
        self.evidence.create_index([("sha256", ASCENDING)], name="sha256")
        self.evidence.create_index([("thumbnail_key", ASCENDING)], name="thumbnail_key")
        for band in range(4):
            self.fingerprints.create_index([(f"band{band}", ASCENDING)], name=f"band{band}")

    # centres
    def get_centre(self, centre_id):
        return _centre(self.centres.find_one({"_id": centre_id}))

    def centres_where(self, office, level=None):
        """One office's centres (equality on indexed fields), sorted here by id."""
        query = {"office": office, **({"level": level} if level else {})}
        return sorted((_centre(d) for d in self.centres.find(query)), key=lambda c: c["id"])

    def sync_cursor(self):
        """The place (offset) of the office the periodic sync continues with."""
        return (self.meta.find_one({"_id": "sync"}) or {}).get("offset", 0)

    def set_sync_cursor(self, offset):
        upsert_by_id(self.meta, "sync", {"offset": offset})

    def insert_centres(self, centres, now):
        """Insert centres not known here yet with one ``insert_many``; returns (inserted ids, known ids)."""
        docs = [{"_id": c["id"], **{f: iso(c.get(f)) for f in CENTRE_FIELDS}, "synced_at": now} for c in centres]
        known = {docs[i]["_id"] for i in insert_absent(self.centres, docs)}
        return {d["_id"] for d in docs} - known, known

    def save_centre(self, centre, now):
        doc = {f: iso(centre.get(f)) for f in CENTRE_FIELDS}
        upsert_by_id(self.centres, centre["id"], {**doc, "synced_at": now})

    # milestones
    def latest(self, centre_id, key):
        """The newest state: the projection, then forward along the revisions'
        deterministic ids, so a lagging projection never hides a newer version."""
        return self._newest(centre_id, key, self.milestones.find_one({"_id": _slot(centre_id, key)}))

    def latest_with_siblings(self, centre_id, key):
        """(the newest state of ``key``, {key: state} of every milestone of the centre with that one in it):
        the centre's projections in one equality read, then forward along the revisions for ``key`` only."""
        docs = {d["key"]: d for d in self.milestones.find({"centre_id": centre_id})}
        states = {k: _state(d) for k, d in docs.items()}
        current = self._newest(centre_id, key, docs.get(key))
        if current is not None:
            states[key] = current
        return current, states

    def _newest(self, centre_id, key, doc):
        if doc is None:
            doc = self.revisions.find_one({"_id": _rev_id(centre_id, key, 1)})
            if doc is None:
                return None
        newest = self._forward(centre_id, key, doc["version"])
        if newest is not None:
            self._set_projection(newest)
            doc = newest
        return _state(doc)

    def _forward(self, centre_id, key, version):
        newest = None
        while True:
            doc = self.revisions.find_one({"_id": _rev_id(centre_id, key, version + 1)})
            if doc is None:
                return newest
            newest, version = doc, version + 1

    def states_of_centre(self, centre_id):
        return {d["key"]: _state(d) for d in self.milestones.find({"centre_id": centre_id})}

    def insert_initial(self, revisions):
        """Create milestones at version 1; ones created concurrently are skipped."""
        docs = [{**r, "_id": _rev_id(r["centre_id"], r["key"], 1), "due": iso(r.get("due")), "logged_at": utcnow()}
                for r in revisions]
        taken = insert_absent(self.revisions, docs)
        created = [d for i, d in enumerate(docs) if i not in taken]
        if not created:
            return 0
        try:
            self.milestones.insert_many([_projected(d) for d in created], ordered=False)
        except BulkWriteError:
            pass  # already projected by a newer revision
        return len(created)

    def insert_revision(self, revision):
        """Append one revision; Conflict when its (centre, key, version) slot is taken."""
        doc = {**revision, "_id": _rev_id(revision["centre_id"], revision["key"], revision["version"]),
               "due": iso(revision.get("due")), "logged_at": utcnow()}
        # a marker first: a crash between the revision and its projection is repaired at start
        # (repair_projections), so list reads that use the projection never stay behind
        upsert_by_id(self.projection_pending, doc["_id"], {"at": doc["logged_at"]})
        try:
            append_revision(self.revisions, doc, self.milestones, _projected(doc), Conflict(
                "里程碑“{}”已被他人更新（版本 {} 已存在），请刷新后重试".format(revision["key"], revision["version"]),
                {"based_on_version": ["stale: version {} already exists".format(revision["version"])]}))
        except Conflict:
            self.projection_pending.delete_one({"_id": doc["_id"]})
            raise
        # FerretDB v1 updates are read-modify-write, so the forward-only update is no guard there:
        # walk forward once more in case a faster writer's projection was overwritten by ours
        newer = self._forward(doc["centre_id"], doc["key"], doc["version"])
        if newer is not None:
            self._set_projection(newer)
        self.projection_pending.delete_one({"_id": doc["_id"]})

    def repair_projections(self):
        """Bring forward every projection a crash may have left behind its revisions; returns how many
        milestones were looked at. The marker collection holds only writes in flight, so it is small."""
        count = 0
        for marker in list(self.projection_pending.find({}).limit(10000)):
            slot = marker["_id"].rpartition(":")[0]  # centre:key:version
            centre_id, _, key = slot.rpartition(":")
            self.latest(centre_id, key)  # walks forward along the revisions and fixes the projection
            self.projection_pending.delete_one({"_id": marker["_id"]})
            count += 1
        return count

    def revision(self, centre_id, key, version):
        return self.revisions.find_one({"_id": _rev_id(centre_id, key, version)})

    @staticmethod
    def state_of(doc):
        return _state(doc)

    def _set_projection(self, doc):
        # the revisions are the truth and readers walk forward from here (see latest())
        project_forward(self.milestones, _projected(doc))

    def states_as_of(self, centre_id, cutoff):
        """State of one centre's milestones at ``cutoff``: the newest revision in effect before it (a revision
        that states the day its work was done, ``done_on``, is in effect from that day, else from its instant),
        or the initial one when the milestone was created later (the plan still applied). Equality on the
        centre, sorted here."""
        best = {}
        for doc in sorted(self.revisions.find({"centre_id": centre_id}), key=lambda d: d["version"]):
            if doc["key"] not in best or in_effect(doc, cutoff):
                best[doc["key"]] = doc
        return [_state(d) for d in sorted(best.values(), key=lambda d: d.get("order") or 0)]

    # audit
    def record(self, entry):
        self.audit.insert_one({**entry, "logged_at": utcnow()})

    def centre_history(self, centre_id):
        accepted = list(self.revisions.find({"centre_id": centre_id}))
        other = list(self.audit.find({"centre_id": centre_id}))
        return sorted(accepted + other, key=_history_order)

    def office_history(self, office, limit, offset):
        """Newest first; both collections are read up to offset+limit and merged."""
        query = {"office": office}
        total = self.revisions.count_documents(query) + self.audit.count_documents(query)
        wanted = offset + limit
        newest = [("at", DESCENDING), ("logged_at", DESCENDING)]
        accepted = list(self.revisions.find(query).sort(newest).limit(wanted))
        other = list(self.audit.find(query).sort(newest).limit(wanted))
        merged = sorted(accepted + other, key=_history_order, reverse=True)
        return merged[offset:wanted], total

    # evidence
    def insert_evidence(self, docs):
        if docs:
            self.evidence.insert_many([{**d, **_doubtful_keys(d)} for d in docs])

    def delete_evidence(self, ids):
        for evidence_id in ids:  # by _id, one each: $in would read the whole collection on FerretDB
            self.evidence.delete_one({"_id": evidence_id})

    def get_evidence(self, evidence_id):
        return self.evidence.find_one({"_id": evidence_id})

    def uses_object(self, key):
        """Whether some evidence names object ``key`` as its file or its thumbnail (two equality reads)."""
        return any(self.evidence.find_one({field: key}, {"_id": 1}) is not None for field in ("sha256", "thumbnail_key"))

    def legacy_evidence(self, limit):
        """Up to ``limit`` documents still holding their bytes (kept so before the object store; a one-off
        migration reads them, so this query's scan is paid once per batch while any are left)."""
        return list(self.evidence.find({"content": {"$exists": True}}).limit(limit))

    def finish_migration(self, evidence_id, key, thumbnail_key):
        self.evidence.update_one({"_id": evidence_id}, {"$set": {"sha256": key, "thumbnail_key": thumbnail_key},
                                                       "$unset": {"content": "", "thumbnail": ""}})

    def doubtful_evidence(self, field, value):
        """存疑 evidence of one office or centre (``field`` doubtful_office / doubtful_centre): one equality
        read, bounded, without bytes, newest first (sorted here); and whether the bound cut it short."""
        docs = list(self.evidence.find({field: value}, BRIEF).limit(DOUBTFUL_READ + 1))
        docs.sort(key=lambda d: (d["at"], d["_id"]), reverse=True)
        return docs[:DOUBTFUL_READ], len(docs) > DOUBTFUL_READ

    # fingerprints of photos (perceptual hashes)
    def insert_fingerprints(self, docs):
        if docs:
            insert_absent(self.fingerprints, docs)

    def delete_fingerprints(self, ids):
        for fingerprint_id in ids:  # by _id, one each
            self.fingerprints.delete_one({"_id": fingerprint_id})

    def fingerprints_sharing_a_band(self, probes, limit):
        """Fingerprints whose band ``i`` equals ``value`` for some (i, value) in ``probes``: one equality read
        on an indexed top-level field per probe, each at most ``limit`` documents; deduplicated by ``_id``."""
        found = {}
        for band, value in sorted(probes):
            for doc in self.fingerprints.find({f"band{band}": value}).limit(limit):
                found[doc["_id"]] = doc
        return list(found.values())

    def count_evidence(self):
        return self.evidence.count_documents({})


def in_effect(revision, cutoff):
    """Whether ``revision`` is in effect before the instant ``cutoff`` (the first instant after a local day)."""
    if revision.get("done_on"):
        return as_date(revision["done_on"]) < local_date(cutoff)
    return revision["at"] < cutoff


def _doubtful_keys(doc):
    if not ((doc.get("photo") or {}).get("verdict") or {}).get("doubtful"):
        return {}
    return {"doubtful_office": doc["office"], "doubtful_centre": doc["centre_id"]}


def _slot(centre_id, key):
    return f"{centre_id}:{key}"


def _rev_id(centre_id, key, version):
    """Deterministic, so the slot of a version is taken by exactly one insert and
    the next version can be looked up by ``_id`` (fast on FerretDB v1)."""
    return f"{centre_id}:{key}:{version}"


def _projected(doc):
    return {"_id": _slot(doc["centre_id"], doc["key"]), **{f: doc.get(f) for f in STATE_FIELDS}, "updated_at": doc["at"]}


def _history_order(doc):
    return (doc["at"], doc.get("logged_at") or doc["at"], doc.get("version") or 0)
