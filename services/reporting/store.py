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

Partitions (partition.py, docs/read-model.md). With ``REPORTING_PARTITION`` set, the documents every change of a
partition writes carry its tag: the district ``district@<tag>`` (and its snapshots), office buckets, due days and
ranking places ``<id>@<tag>`` (with ``bucket``, ``tenths`` and ``part`` fields to read and reset them by
equality), applied keys ``<key>@<tag>``; centres carry ``part`` (the pace timer reads its own by equality). An
office's ``seq`` is claimed in ``office_seqs`` (``_id`` office, ``seq`` unique), so it is unique across partitions.
``partitions`` lists the partitions that have run; the reads (``district_doc``, ``bucket_fig``, ``rank_place``)
sum their documents, at most one ``_id`` read per partition.
"""
import contextlib
import time

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.reporting import office_history
from services.reporting.partition import Partition

PAGE = 1000
OFFICE_BUCKET = 100
DISTRICT = "district"
PARTITIONS_FRESH_S = 10.0  # how long a replica trusts its list of partitions


class LayoutError(RuntimeError):
    """The read model's documents are laid out for the other mode (one writer, or partitions)."""


def summed(into, fig):
    """Add the numbers of ``fig`` into ``into`` (nested dicts of counters, as an office's ``fig``)."""
    for key, value in (fig or {}).items():
        if isinstance(value, dict):
            summed(into.setdefault(key, {}), value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            into[key] = into.get(key, 0) + value
    return into


def empty_district(doc_id):
    return {"_id": doc_id, "fig": {}, "day": None, "snap_days": [], "offices": 0, "ranked": True, "rank_slots": True}


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
        self.office_seqs = db.office_seqs
        self.partitions = db.partitions
        self.partition = Partition()  # the whole model; the service sets its own (service.ReportingMongo)
        self._tags = (0.0, None)

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
        self.office_buckets.create_index([("bucket", ASCENDING)], name="bucket")
        self.rank_places.create_index([("tenths", ASCENDING)], name="tenths")
        for collection in (self.due_days, self.office_buckets, self.rank_places, self.centres):
            collection.create_index([("part", ASCENDING)], name="part")
        self.office_seqs.create_index([("seq", ASCENDING)], unique=True, name="seq_unique")
        from services.reporting import areas  # the areas' roll-ups (areas.py imports figures, which imports this)

        areas.ensure_indexes(self.db)
        office_history.ensure_indexes(self.db)  # where centres and rectifications stood on past days

    # partitions
    def register_partition(self):
        """Record that this partition runs (the reads sum the documents of every partition recorded)."""
        if not self.partition.whole:
            with contextlib.suppress(DuplicateKeyError):
                self.partitions.insert_one({"_id": self.partition.tag, "codes": sorted(self.partition.codes)})
            self._tags = (0.0, None)

    def check_layout(self):
        """Refuse to write a model laid out for the other mode: a whole-model writer where partitions have run, or a
        partition where one writer's model is (upgrade: drop the read model's database, start the partitions and
        run ``cctrack reports rebuild``; docs/read-model.md)."""
        if self.partition.whole and self.partition_tags() != [""]:
            raise LayoutError("the read model is written in partitions {}: set REPORTING_PARTITION".format(
                ", ".join(self.partition_tags())))
        if not self.partition.whole and self.district.find_one({"_id": DISTRICT}, {"_id": 1}) is not None:
            raise LayoutError("the read model was written by one writer: drop its database, then start the partitions "
                              "and run `cctrack reports rebuild`")

    def partition_tags(self):
        """The tags of the partitions that have run (['']: one writer for everything), re-read every few seconds."""
        at, tags = self._tags
        if tags is None or time.monotonic() - at > PARTITIONS_FRESH_S:
            tags = sorted(d["_id"] for d in self.partitions.find({}, {"_id": 1}).limit(100)) or [""]
            self._tags = (time.monotonic(), tags)
        return tags

    def _parts(self, doc_id):
        return [doc_id if not tag else f"{doc_id}@{tag}" for tag in self.partition_tags()]

    # applied events (per partition: partition.key)
    def was_applied(self, key):
        return self.applied.find_one({"_id": self.partition.key(key)}, {"_id": 1}) is not None

    def mark_applied(self, key, at):
        with contextlib.suppress(DuplicateKeyError):
            self.applied.insert_one({"_id": self.partition.key(key), "at": at})

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

    def own_district(self):
        """The district document this writer keeps (its partition's)."""
        doc_id = self.partition.doc_id(DISTRICT)
        return self.district.find_one({"_id": doc_id}) or empty_district(doc_id)

    def district_doc(self):
        """The district's totals as the reads see them: the one document, or the sum of the partitions' (their
        ``fig`` and ``offices`` added, ``day`` the latest, ``snap_days`` all; ``parts`` the documents summed)."""
        ids = self._parts(DISTRICT)
        if ids == [DISTRICT]:
            return self.district.find_one({"_id": DISTRICT}) or empty_district(DISTRICT)
        parts = [self.district.find_one({"_id": doc_id}) or empty_district(doc_id) for doc_id in ids]
        days = [p["day"] for p in parts if p.get("day")]
        paced = [p["pace_day"] for p in parts if p.get("pace_day")]
        fig = {}
        for part in parts:
            summed(fig, part.get("fig"))
        return {"_id": DISTRICT, "fig": fig, "offices": sum(p.get("offices", 0) for p in parts),
                "day": max(days) if days else None, "snap_days": sorted({d for p in parts for d in p.get("snap_days", [])}),
                "ranked": all(p.get("ranked") for p in parts), "rank_slots": all(p.get("rank_slots") for p in parts),
                "pace_day": min(paced) if paced else None, "parts": parts}

    def bucket_fig(self, bucket):
        """The ``fig`` of an office bucket (the sum of the partitions' documents of that bucket)."""
        if self.partition_tags() == [""]:
            return (self.office_buckets.find_one({"_id": bucket}) or {}).get("fig")
        fig = {}
        for doc in self.office_buckets.find({"bucket": bucket}):
            summed(fig, doc.get("fig"))
        return fig

    def rank_place(self, tenths):
        """A place of the ranking: {slots: {slot: offices}} summed over the partitions; None when not kept."""
        if self.partition_tags() == [""]:
            return self.rank_places.find_one({"_id": tenths})
        docs = list(self.rank_places.find({"tenths": tenths}))
        slots = {}
        for doc in docs:
            summed(slots, doc.get("slots"))
        return {"_id": tenths, "slots": slots} if docs else None

    def claim_seq(self, office, start):
        """The office's place in the order of arrival, unique across partitions: an insert guarded by the unique
        ``seq`` (tried from ``start``, the offices counted so far); an office claims once."""
        seq = start
        while True:
            found = self.office_seqs.find_one({"_id": office})
            if found is not None:
                return found["seq"]
            try:
                self.office_seqs.insert_one({"_id": office, "seq": seq})
                return seq
            except DuplicateKeyError:
                seq += 1

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
        """This partition's centres whose 序时进度 colour changes on ``day`` (equality on ``pace_next``), at most
        ``limit``."""
        query = {"pace_next": day} if self.partition.whole else {"pace_next": day, "part": self.partition.tag}
        return list(self.centres.find(query).limit(limit))

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
        for doc in self.due_days.find({"kind_day": f"{kind}:{day}"}):  # a bucket's documents, one per partition
            summed(counts, doc["offices"])
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

    def reset_partition(self, offices):
        """``reset`` for this partition only: the documents of its ``offices`` (equality on ``office``) and its own
        counters (equality on ``part``) go, its offices' and district's figures are emptied; the other partitions'
        documents are not touched."""
        for office in offices:
            for collection in (self.milestones, self.centres, self.rectifications):
                collection.delete_many({"office": office})
            self.offices.update_one({"_id": office}, {"$set": {"fig": {}, "rank_pct": None, "rank_slot": None}})
        for collection in (self.due_days, self.office_buckets, self.rank_places, self.centres):
            collection.delete_many({"part": self.partition.tag})
        self.district.update_one({"_id": self.partition.doc_id(DISTRICT)},
                                 {"$set": {"fig": {}, "ranked": True, "rank_slots": True}})

    def rank_offices_once(self, set_rank):
        """Once, for a read model from before the ranking (or its slots) was kept: every office gets its rank
        fields, the district its counts and each place its slots (one pass over the offices, at start;
        ``set_rank`` from model.py)."""
        district = self.district.find_one({"_id": DISTRICT})
        if not self.partition.whole or district is None or (district.get("ranked") and district.get("rank_slots")):
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
