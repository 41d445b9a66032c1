"""MongoDB adapter of the assignment service.

Collections (database ``<prefix>_assignment``):
- ``centre_revisions``: append-only, one document per accepted change of a centre,
  unique on (centre_id, version). The unique index is the write guard: two
  concurrent changes based on the same version cannot both insert, on MongoDB
  and on FerretDB v1 alike (neither transactions nor compare-and-set needed).
- ``centres``: the current state, a projection of the latest revision, for reads.
- ``offices``: the sub-district offices in table order (``seq``, unique: two offices created at
  once cannot take the same place; ``bucket`` = seq // 100, indexed, to read a page of offices by
  equality) with their centre ``counts`` (per level, and pilots per level),
  recounted by equality on ``office`` after every change of the office's centres, so listing
  offices and paging centres read office documents, never count the centres.
- ``office_buckets``: per bucket of 100 offices the sum of their ``counts``, and ``meta`` ``office_totals``
  the sum of every bucket's, recomputed after each recount: a page of the whole table's centres
  skips whole buckets and takes its total from there.
- ``imports``: one document per import run (who, which file, what changed); a long import
  also keeps ``import_progress:<id>`` in ``meta`` while it runs.

Name search: each centre keeps ``name_grams`` (the characters and character pairs of its
name and of its office's name, indexed); a search reads the centres holding the query's rarest
pair by equality and filters the rest here, bounded, so it works for Chinese text at any number
of centres, and an office's name (花园路) finds that office's centres.
"""
import contextlib
from datetime import date

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.assignment.areas import AreaStore
from services.assignment.offices import OFFICE_BUCKET, OfficeStore, count
from shared.clock import as_date
from shared.errors import Conflict
from shared.mongo import insert_absent
from shared.revisions import append_revision, project_forward

FIELDS = ("name", "level", "office", "deadline", "pilot", "remark", "lat", "lng")
CODES = ("province", "city", "district")  # the office's areas, copied onto each centre (not revisioned)
SEARCH_PROBES = 4     # how many of the query's grams are weighed to find the rarest
PROBE_CAP = 200       # a gram seen this often counts as common
SEARCH_SCAN = 5000    # most centres read for one search


def name_grams(text):
    """The characters and adjacent character pairs of ``text`` (lower-cased, spaces split words)."""
    grams = set()
    for word in str(text or "").lower().split():
        grams.update(word)
        grams.update(word[i:i + 2] for i in range(len(word) - 1))
    return grams


def search_grams(doc):
    """The grams a centre is found by: those of its name and of its office's name."""
    return sorted(name_grams(doc.get("name")) | name_grams(doc.get("office")))


def _to_doc(centre):
    doc = {f: centre.get(f) for f in FIELDS}
    if isinstance(doc["deadline"], date):
        doc["deadline"] = doc["deadline"].isoformat()
    return doc


def _from_doc(doc):
    if doc is None:
        return None
    out = {"id": doc["_id"], **{f: doc.get(f) for f in FIELDS}}
    out["deadline"] = as_date(out["deadline"])
    out["version"] = doc.get("version")
    out["updated_at"] = doc.get("updated_at")
    out.update({k: doc.get(k) for k in CODES})
    return out


class AssignmentStore(OfficeStore, AreaStore):
    def __init__(self, db):
        self.db = db
        self.centres = db.centres
        self.revisions = db.centre_revisions
        self.offices = db.offices
        self.office_buckets = db.office_buckets
        self.imports = db.imports
        self.meta = db.meta

    def ensure_indexes(self):
        self.revisions.create_index([("centre_id", ASCENDING), ("version", ASCENDING)], unique=True, name="centre_version")
        self.centres.create_index([("office", ASCENDING), ("level", ASCENDING)], name="office_level")
        if "seq" in self.offices.index_information():
            self.offices.drop_index("seq")  # before offices' places were unique
        self.offices.create_index([("seq", ASCENDING)], unique=True, name="seq_unique")
        self.offices.create_index([("bucket", ASCENDING)], name="bucket")
        self.centres.create_index([("name_grams", ASCENDING)], name="name_grams")
        self.ensure_area_indexes()
        self._backfill_name_grams()
        self._backfill_office_counts()
        self._once("office_buckets", self.backfill_office_buckets)  # offices made before they had a bucket
        self._once("office_bucket_sums", lambda: self.sum_buckets(  # before the buckets' sums were kept
            {d["seq"] // OFFICE_BUCKET for d in self.offices.find({}, {"seq": 1})}))

    def _once(self, marker, work):
        if self.meta.find_one({"_id": marker}) is not None:
            return
        work()
        with contextlib.suppress(DuplicateKeyError):
            self.meta.insert_one({"_id": marker})

    def _backfill_name_grams(self):
        """Once per database: centres saved before search by name and office existed get their grams."""
        def work():
            for doc in self.centres.find({}, {"name": 1, "office": 1}):
                self.centres.update_one({"_id": doc["_id"]}, {"$set": {"name_grams": search_grams(doc)}})
        self._once("search_grams", work)

    def _backfill_office_counts(self):
        """Once per database: offices made before they kept counters are counted."""
        self._once("office_counts", lambda: self.recount_offices([d["_id"] for d in self.offices.find({}, {"_id": 1})]))

    # reads
    def get(self, centre_id):
        return _from_doc(self.centres.find_one({"_id": centre_id}))

    def current(self, centre_id):
        """The centre by ``_id``, else from its newest revision (a write interrupted before its projection)."""
        centre = self.get(centre_id)
        if centre is not None:
            return centre
        revisions = list(self.revisions.find({"centre_id": centre_id}))
        if not revisions:
            return None
        newest = max(revisions, key=lambda r: r["version"])
        return _from_doc({"_id": centre_id, **newest["centre"], "version": newest["version"], "updated_at": newest["at"]})

    def of_offices(self, names):
        """{id: centre} of every centre stored under one of ``names``: one equality read per office that
        has centres (an office without a document, or counted empty, is not read)."""
        out = {}
        for name in names:
            office = self.offices.find_one({"_id": name})
            if office is None or not (office.get("counts") or {}).get("total", 1):
                continue
            for doc in self.centres.find({"office": name}):
                out[doc["_id"]] = _from_doc(doc)
        return out

    def find(self, office=None, level=None, pilot=None, limit=100, offset=0):
        """A page of centres, office by office in table order and by id within an office. The counters place
        the page (one office's, or the buckets' sums and then the offices of the buckets the page falls into);
        only the offices it falls into are read (equality on office, level, pilot). Without an office the
        total is the table's kept sum."""
        if office:
            docs = [(0, doc) for doc in self.office_docs(office)]
            total = count((docs[0][1].get("counts") or {}) if docs else {}, level, pilot)
        else:
            docs, total = self.offices_from(offset, level, pilot), count(self.table_counts(), level, pilot)
        items = []
        for before, doc in docs:
            if len(items) >= limit:
                break
            matching = count(doc.get("counts") or {}, level, pilot)
            start = max(0, offset - before)
            if start < matching:
                query = {k: v for k, v in (("office", doc["_id"]), ("level", level), ("pilot", pilot)) if v is not None}
                found = sorted(self.centres.find(query), key=lambda d: d["_id"])
                items.extend(_from_doc(d) for d in found[start:start + limit - len(items)])
        return items, total

    def centres_after(self, office, after, limit):
        """A page of one office's centres in ``_id`` order: equality on office, the rest on those only."""
        query = {"office": office}
        if after:
            query["_id"] = {"$gt": after}
        docs = list(self.centres.find(query).sort([("_id", ASCENDING)]).limit(limit + 1))
        return [_from_doc(d) for d in docs[:limit]], (docs[limit - 1]["_id"] if len(docs) > limit else None)

    def search(self, q, office=None, limit=20):
        """Centres whose name or office's name contains every word of ``q`` (at most ``limit``, the first found),
        shortest names first."""
        words = str(q).lower().split()
        pairs = sorted({g for g in name_grams(q) if len(g) == 2}, key=lambda g: g)[:SEARCH_PROBES]
        probes = pairs or sorted(name_grams(q))[:SEARCH_PROBES]
        if not probes:
            return []
        # The rarest probe: the one whose equality query returns fewest ids (each probe bounded).
        probe = min(probes, key=lambda g: (len(list(self.centres.find({"name_grams": g}, {"_id": 1}).limit(PROBE_CAP))), g))
        query = {"name_grams": probe, **({"office": office} if office else {})}
        found = []
        for doc in self.centres.find(query).limit(SEARCH_SCAN):
            text = "{} {}".format(doc["name"], doc.get("office") or "").lower()
            if all(w in text for w in words):
                found.append(_from_doc(doc))
                if len(found) >= limit:
                    break  # enough: a common word ("社区") must not read thousands of centres
        found.sort(key=lambda c: (len(c["name"]), c["id"]))
        return found[:limit]

    def history(self, centre_id):
        docs = self.revisions.find({"centre_id": centre_id}).sort([("version", ASCENDING)])
        return [{k: v for k, v in d.items() if k != "_id"} for d in docs]

    # writes
    def save(self, centre, based_on, actor, reason, now):
        """Record a new revision of ``centre`` on top of version ``based_on`` (0 for new).

        Raises Conflict when another change already took that slot. The caller recounts the office(s).
        """
        version = based_on + 1
        doc = _to_doc(centre)
        self.ensure_office(doc["office"])  # before the revision: a projected centre always has its office
        revision = _revision(centre["id"], version, doc, {"actor": actor, "reason": reason, "at": now})
        codes = self.office_codes(doc["office"])
        append_revision(self.revisions, revision, self.centres, {**_projected(centre["id"], doc, version, now), **codes},
                        Conflict("中心“{}”已被他人修改，请刷新后重试".format(centre["id"]),
                                 {"version": [f"stale: based on {based_on}"]}))
        return {**_saved(centre["id"], doc, version, now), **codes}

    def insert_new(self, centres, actor, reason, now):
        """Version 1 of many new centres: revisions, then projections, each with one ``insert_many``.

        Returns (saved, taken): ``taken`` are the ids whose version 1 already existed (a centre stored
        under another office, or created meanwhile); nothing of them was written here."""
        docs = {c["id"]: _to_doc(c) for c in centres}
        revisions = [_revision(cid, 1, doc, {"actor": actor, "reason": reason, "at": now}) for cid, doc in docs.items()]
        taken = {revisions[i]["centre_id"] for i in insert_absent(self.revisions, revisions)}
        fresh = [cid for cid in docs if cid not in taken]
        codes = {office: self.office_codes(office) for office in {docs[cid]["office"] for cid in fresh}}
        projections = [{**_projected(cid, docs[cid], 1, now), **codes[docs[cid]["office"]]} for cid in fresh]
        for i in insert_absent(self.centres, projections):  # projected already (a retried write): move forward
            project_forward(self.centres, projections[i])
        return [{**_saved(cid, docs[cid], 1, now), **codes[docs[cid]["office"]]} for cid in fresh], taken

    def record_import(self, entry):
        self.imports.insert_one(entry)

    def set_progress(self, import_id, stage, done, total):
        self.meta.replace_one({"_id": "import_progress:" + import_id},
                              {"stage": stage, "done": done, "total": total}, upsert=True)

    def progress(self, import_id):
        doc = self.meta.find_one({"_id": "import_progress:" + import_id})
        return None if doc is None else {"import_id": import_id, **{k: doc[k] for k in ("stage", "done", "total")}}


def _revision(centre_id, version, doc, stamp):
    """Revision ``version`` of a centre: its fields (``doc``) and who changed it, why and when (``stamp``)."""
    return {"centre_id": centre_id, "version": version, "centre": doc, **stamp}


def _projected(centre_id, doc, version, now):
    return {"_id": centre_id, **doc, "name_grams": search_grams(doc), "version": version, "updated_at": now}


def _saved(centre_id, doc, version, now):
    return {"id": centre_id, **doc, "deadline": as_date(doc["deadline"]), "version": version, "updated_at": now}

