"""MongoDB adapter of the reporting read model (database ``<prefix>_reporting``).

Every read here is an ``_id`` lookup or equality on indexed top-level fields, so it stays
fast on FerretDB-on-PostgreSQL (GIN indexes made from these declarations) and on MongoDB:
- ``milestones``: ``_id`` "centre:key"; current state with office, level, phase, ``due``
  (ISO day or None), ``open`` (not done) and ``due_office`` ("day|office" while open, else None).
  Indexed: centre_id; office; due + open; due_office.
- ``centres``: ``_id`` centre id; name, office, level, pilot, deadline, assignment version,
  acceptance results, ``fig`` (its own counters), ``colour`` (序时进度, on the district's ``pace_day``) and
  ``pace_next`` (the day that colour next changes). Indexed: office, pace_next.
- ``rectifications``: ``_id`` rectification id; centre_id, office, due, open, due_office. Indexed as milestones.
- ``offices``: ``_id`` office; ``fig`` (counters by phase and level, open items by due day,
  acceptance results, open rectifications, centres by level), ``day`` (day of the last change),
  ``snap_days``, ``seq`` (order of arrival), ``bucket`` (seq // OFFICE_BUCKET), ``rank_pct`` (percent done
  in tenths: its place in the ranking) and ``rank_slot`` ("rank_pct|seq // RANK_SLOT"). Indexed: bucket, rank_pct,
  rank_slot.
- ``rank_places``: ``_id`` rank_pct: ``slots`` {seq // RANK_SLOT: offices at that place}, so a page deep in a
  tie reads only the slots it reaches.
- ``snapshots``: ``_id`` "office:day": an office's ``fig`` at the end of ``day`` (history).
- ``district``: ``_id`` "district": the sum of every office's ``fig`` (kept by the same changes),
  ``day``, ``snap_days`` and ``offices`` (how many offices have a seq); its ``fig`` also counts the offices
  per ``rank_pct`` (``ranks``), so any office's rank is known without reading the others; ``ranked``
  marks a district whose offices all carry their rank fields (``rank_slots``: and their slots); ``pace_day`` the day the colours stand at and
  ``pace_swept`` the last day whose centres the pace timer has moved. ``_id`` "district:day": its snapshots.
- ``office_buckets``: ``_id`` bucket number: ``fig`` with the centres (by level) of its offices, to page
  the district's centres office by office without reading every office.
- ``due_days``: ``_id`` "kind:day:bucket": open items of ``kind`` due on ``day`` per office of one
  office bucket (``offices`` {office: n}, ``total``); ``kind_day`` "kind:day" indexed.
- ``applied``: ``_id`` = the key of an applied event (its source's revision id).
- ``centre_stints``, ``rect_stints``, ``rect_spans``: where each centre and rectification stood on each day
  (office_history.py, which declares their indexes); kept by a reset, like the snapshots.
"""
import contextlib

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.reporting import office_history

PAGE = 1000
OFFICE_BUCKET = 100
DISTRICT = "district"


class ReportingStore:
    def __init__(self, db):
        self.db = db
        self.milestones = db.milestones
        self.centres = db.centres
        self.rectifications = db.rectifications
        self.offices = db.offices
        self.snapshots = db.snapshots
        self.district = db.district
        self.office_buckets = db.office_buckets
        self.due_days = db.due_days
        self.rank_places = db.rank_places
        self.applied = db.applied

    def ensure_indexes(self):
        for collection in (self.milestones, self.rectifications):
            collection.create_index([("centre_id", ASCENDING)], name="centre")
            collection.create_index([("office", ASCENDING)], name="office")
            collection.create_index([("due", ASCENDING), ("open", ASCENDING)], name="due_open")
            collection.create_index([("due_office", ASCENDING)], name="due_office")
        self.milestones.create_index([("key", ASCENDING), ("open", ASCENDING)], name="key_open")
        self.centres.create_index([("office", ASCENDING)], name="office")
        self.centres.create_index([("pace_next", ASCENDING)], name="pace_next")
        self.offices.create_index([("bucket", ASCENDING)], name="bucket")
        self.offices.create_index([("rank_pct", ASCENDING)], name="rank_pct")
        self.offices.create_index([("rank_slot", ASCENDING)], name="rank_slot")
        self.due_days.create_index([("kind_day", ASCENDING)], name="kind_day")
        from services.reporting import areas  # the areas' roll-ups (areas.py imports figures, which imports this)

        areas.ensure_indexes(self.db)
        office_history.ensure_indexes(self.db)  # where centres and rectifications stood on past days

    # applied events
    def was_applied(self, key):
        return self.applied.find_one({"_id": key}, {"_id": 1}) is not None

    def mark_applied(self, key, at):
        with contextlib.suppress(DuplicateKeyError):
            self.applied.insert_one({"_id": key, "at": at})

    # documents by _id
    def get(self, collection, doc_id):
        return getattr(self, collection).find_one({"_id": doc_id})

    def put(self, collection, doc):
        getattr(self, collection).replace_one({"_id": doc["_id"]}, doc, upsert=True)

    def drop(self, collection, doc_id):
        getattr(self, collection).delete_one({"_id": doc_id})

    def insert_snapshot(self, doc, collection="snapshots"):
        target = getattr(self, collection)
        try:
            target.insert_one(doc)
        except DuplicateKeyError:
            target.replace_one({"_id": doc["_id"]}, doc)

    def district_doc(self):
        return self.district.find_one({"_id": DISTRICT}) or {"_id": DISTRICT, "fig": {}, "day": None, "snap_days": [],
                                                            "offices": 0, "ranked": True, "rank_slots": True}

    # equality reads, each bounded by what one centre, one office, one office bucket or one due day holds
    def of_centre(self, collection, centre_id):
        return list(getattr(self, collection).find({"centre_id": centre_id}))

    def centres_of(self, office):
        return list(self.centres.find({"office": office}))

    def office_docs(self, office=None):
        """One office by ``_id``, or every office (one small document per office: the Excel report only)."""
        if office:
            doc = self.offices.find_one({"_id": office})
            return [doc] if doc else []
        return list(self.offices.find({}))

    def centres_paced(self, day, limit=PAGE):
        """Centres whose 序时进度 colour changes on ``day`` (equality on ``pace_next``), at most ``limit``."""
        return list(self.centres.find({"pace_next": day}).limit(limit))

    def offices_in_bucket(self, bucket):
        return sorted(self.offices.find({"bucket": bucket}), key=lambda d: d["seq"])

    def offices_ranked(self, rank_pct):
        """The offices at one place of the ranking (equality on ``rank_pct``), in table order."""
        return sorted(self.offices.find({"rank_pct": rank_pct}), key=lambda d: d["seq"])

    def offices_ranked_in_slot(self, rank_pct, slot):
        """The offices of one slot of one place of the ranking (equality on ``rank_slot``), in table order."""
        return sorted(self.offices.find({"rank_slot": f"{rank_pct}|{slot}"}), key=lambda d: d["seq"])

    def due_day_counts(self, kind, day):
        """{office: open items of ``kind`` due on ``day``}, from the day's bucket documents."""
        counts = {}
        for doc in self.due_days.find({"kind_day": f"{kind}:{day}"}):
            counts.update(doc["offices"])
        return counts

    def open_of_key(self, key, office, limit):
        """Open milestones of one step (equality on the indexed ``key``, ``open`` and maybe ``office``), at most limit."""
        query = {"key": key, "open": True, **({"office": office} if office else {})}
        return list(self.milestones.find(query).limit(limit))

    def open_group(self, collection, day, office):
        """Open items due on ``day`` in ``office``: one equality read on ``due_office``."""
        return list(getattr(self, collection).find({"due_office": f"{day}|{office}"}))

    def open_day(self, collection, day):
        """Every open item due on ``day``: equality on ``due`` and ``open`` (the scan, for a day it may read whole)."""
        return list(getattr(self, collection).find({"due": day, "open": True}))

    def open_due_page(self, collection, due, office, after, limit):
        """Open items due on ``due`` (equality), after ``_id`` ``after``; sorted by _id, at most ``limit``."""
        query = {"due": due, "open": True}
        if office:
            query["office"] = office
        if after:
            query["_id"] = {"$gt": after}
        return list(getattr(self, collection).find(query).sort([("_id", ASCENDING)]).limit(limit))

    def reset(self):
        """Forget the current state; the history (snapshots, each office's snapshot days), the offices'
        order of arrival and the applied event keys stay (events older than what a rebuild reads are
        refused by version anyway)."""
        for collection in (self.milestones, self.centres, self.rectifications, self.due_days, self.office_buckets,
                           self.rank_places):
            collection.drop()
        self.ensure_indexes()
        for doc in list(self.offices.find({}, {"_id": 1})):
            self.offices.update_one({"_id": doc["_id"]}, {"$set": {"fig": {}, "rank_pct": None, "rank_slot": None},
                                                          "$unset": {"rank_bucket": ""}})
        self.district.update_one({"_id": DISTRICT}, {"$set": {"fig": {}, "ranked": True, "rank_slots": True}})

    def rank_offices_once(self, set_rank):
        """Once, for a read model from before the ranking (or its slots) was kept: every office gets its rank
        fields, the district its counts and each place its slots (one pass over the offices, at start;
        ``set_rank`` from model.py)."""
        district = self.district.find_one({"_id": DISTRICT})
        if district is None or (district.get("ranked") and district.get("rank_slots")):
            return 0
        fig, count, places = dict(district.get("fig") or {}), 0, {}
        fig.pop("ranks", None)
        self.rank_places.drop()
        for doc in self.offices.find({}):
            doc.pop("rank_pct", None)
            doc.pop("rank_slot", None)
            set_rank(doc, fig, lambda tenths: places.setdefault(tenths, {"_id": tenths, "slots": {}}))
            self.offices.update_one({"_id": doc["_id"]}, {"$set": {"rank_pct": doc["rank_pct"],
                                                                   "rank_slot": doc["rank_slot"]},
                                                          "$unset": {"rank_bucket": ""}})
            count += 1
        for doc in places.values():
            if doc["slots"]:
                self.rank_places.insert_one(doc)
        self.district.update_one({"_id": DISTRICT}, {"$set": {"fig": fig, "ranked": True, "rank_slots": True}})
        return count
