"""MongoDB adapter of the assignment service.

Collections (database ``<prefix>_assignment``):
- ``centre_revisions``: append-only, one document per accepted change of a centre,
  unique on (centre_id, version). The unique index is the write guard: two
  concurrent changes based on the same version cannot both insert, on MongoDB
  and on FerretDB v1 alike (neither transactions nor compare-and-set needed).
- ``centres``: the current state, a projection of the latest revision, for reads.
- ``offices``: the sub-district offices in table order.
- ``imports``: one document per import run (who, which file, what changed).

Name search: each centre keeps ``name_grams`` (the characters and character pairs of its
name, indexed); a search reads the centres holding the query's rarest pair by equality
and filters the rest here, bounded, so it works for Chinese text at any number of centres.
"""
from datetime import date, datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from shared.errors import Conflict
from shared.schemas.common import LEVELS

FIELDS = ("name", "level", "office", "deadline", "pilot", "remark")
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
    return out


class AssignmentStore:
    def __init__(self, db):
        self.db = db
        self.centres = db.centres
        self.revisions = db.centre_revisions
        self.offices = db.offices
        self.imports = db.imports

    def ensure_indexes(self):
        self.revisions.create_index([("centre_id", ASCENDING), ("version", ASCENDING)], unique=True, name="centre_version")
        self.centres.create_index([("office", ASCENDING), ("level", ASCENDING)], name="office_level")
        self.offices.create_index([("seq", ASCENDING)], name="seq")
        self.centres.create_index([("name_grams", ASCENDING)], name="name_grams")
        self._backfill_name_grams()

    def _backfill_name_grams(self):
        """Once per database: centres saved before name search existed get their grams."""
        if self.db.meta.find_one({"_id": "name_grams"}) is not None:
            return
        for doc in self.centres.find({}, {"name": 1}):
            self.centres.update_one({"_id": doc["_id"]}, {"$set": {"name_grams": sorted(name_grams(doc["name"]))}})
        try:
            self.db.meta.insert_one({"_id": "name_grams"})
        except DuplicateKeyError:
            pass

    # reads
    def get(self, centre_id):
        return _from_doc(self.centres.find_one({"_id": centre_id}))

    def all_by_id(self):
        return {doc["_id"]: _from_doc(doc) for doc in self.centres.find({})}

    def find(self, office=None, level=None, pilot=None, limit=100, offset=0):
        """A page of centres, office by office in table order and by id within an office: every read is
        equality on office (plus level / pilot), so none reads the whole collection."""
        offices = [office] if office else self.office_names()
        items, total = [], 0
        for name in offices:
            query = {k: v for k, v in (("office", name), ("level", level), ("pilot", pilot)) if v is not None}
            count = self.centres.count_documents(query)
            start = max(0, offset - total)
            if len(items) < limit and start < count:
                docs = sorted(self.centres.find(query), key=lambda d: d["_id"])
                items.extend(_from_doc(d) for d in docs[start:start + limit - len(items)])
            total += count
        return items, total

    def centres_after(self, office, after, limit):
        """A page of one office's centres in ``_id`` order: equality on office, the rest on those only."""
        query = {"office": office}
        if after:
            query["_id"] = {"$gt": after}
        docs = list(self.centres.find(query).sort([("_id", ASCENDING)]).limit(limit + 1))
        return [_from_doc(d) for d in docs[:limit]], (docs[limit - 1]["_id"] if len(docs) > limit else None)

    def search(self, q, office=None, limit=20):
        """Centres whose name contains every word of ``q`` (at most ``limit``, the first found), shortest names first."""
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
            if all(w in doc["name"].lower() for w in words):
                found.append(_from_doc(doc))
                if len(found) >= limit:
                    break  # enough: a common word ("社区") must not read thousands of centres
        found.sort(key=lambda c: (len(c["name"]), c["id"]))
        return found[:limit]

    def office_names(self):
        return [d["_id"] for d in self.offices.find({}).sort([("seq", ASCENDING)])]

    def office_counts(self):
        """[{name, seq, total, subdistrict, community, village, pilots}] in table order (counts by equality)."""
        rows = []
        for i, name in enumerate(self.office_names()):
            row = {"name": name, "seq": i + 1, "pilots": self.centres.count_documents({"office": name, "pilot": True})}
            for level in LEVELS:
                row[level] = self.centres.count_documents({"office": name, "level": level})
            rows.append({**row, "total": sum(row[level] for level in LEVELS)})
        return rows

    def history(self, centre_id):
        docs = self.revisions.find({"centre_id": centre_id}).sort([("version", ASCENDING)])
        return [{k: v for k, v in d.items() if k != "_id"} for d in docs]

    # writes
    def ensure_office(self, name):
        if self.offices.find_one({"_id": name}) is None:
            seq = (self.offices.find_one({}, sort=[("seq", DESCENDING)]) or {"seq": 0})["seq"] + 1
            try:
                self.offices.insert_one({"_id": name, "seq": seq})
            except DuplicateKeyError:
                pass  # created concurrently; either seq is fine

    def save(self, centre, based_on, actor, reason, now):
        """Record a new revision of ``centre`` on top of version ``based_on`` (0 for new).

        Raises Conflict when another change already took that slot.
        """
        version = based_on + 1
        doc = _to_doc(centre)
        try:
            self.revisions.insert_one({"centre_id": centre["id"], "version": version, "centre": doc,
                                       "actor": actor, "reason": reason, "at": now})
        except DuplicateKeyError:
            raise Conflict("中心“{}”已被他人修改，请刷新后重试".format(centre["id"]),
                           {"version": ["stale: based on {}".format(based_on)]}) from None
        self.ensure_office(doc["office"])
        projection = {**doc, "name_grams": sorted(name_grams(doc["name"])), "version": version, "updated_at": now}
        try:
            # Only move the projection forward: a slower writer of an older version must not win.
            self.centres.update_one({"_id": centre["id"], "version": {"$lt": version}}, {"$set": projection}, upsert=True)
        except DuplicateKeyError:
            pass  # a newer version is already projected
        return {"id": centre["id"], **doc, "deadline": as_date(doc["deadline"]), "version": version, "updated_at": now}

    def record_import(self, entry):
        self.imports.insert_one(entry)


def as_date(value):
    return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(value)
