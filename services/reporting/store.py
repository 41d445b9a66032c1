"""MongoDB adapter of the reporting read model (database ``<prefix>_reporting``).

Every read here is an ``_id`` lookup or equality on indexed top-level fields, so it stays
fast on FerretDB-on-PostgreSQL (GIN indexes made from these declarations) and on MongoDB:
- ``milestones``: ``_id`` "centre:key"; current state with office, level, phase, ``due``
  (ISO day or None) and ``open`` (not done). Indexed: centre_id; office; due; open.
- ``centres``: ``_id`` centre id; name, office, level, pilot, deadline, assignment version,
  acceptance results and ``fig`` (its own counters). Indexed: office.
- ``rectifications``: ``_id`` rectification id; centre_id, office, due, open. Indexed as milestones.
- ``offices``: ``_id`` office; ``fig`` (counters by phase and level, open items by due day,
  acceptance results, open rectifications), ``day`` (day of the last change), ``snap_days``.
- ``snapshots``: ``_id`` "office:day": an office's ``fig`` at the end of ``day`` (history).
- ``applied``: ``_id`` = the key of an applied event (its source's revision id).
"""
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

PAGE = 1000


class ReportingStore:
    def __init__(self, db):
        self.db = db
        self.milestones = db.milestones
        self.centres = db.centres
        self.rectifications = db.rectifications
        self.offices = db.offices
        self.snapshots = db.snapshots
        self.applied = db.applied

    def ensure_indexes(self):
        for collection in (self.milestones, self.rectifications):
            collection.create_index([("centre_id", ASCENDING)], name="centre")
            collection.create_index([("office", ASCENDING)], name="office")
            collection.create_index([("due", ASCENDING), ("open", ASCENDING)], name="due_open")
        self.centres.create_index([("office", ASCENDING)], name="office")

    # applied events
    def was_applied(self, key):
        return self.applied.find_one({"_id": key}, {"_id": 1}) is not None

    def mark_applied(self, key, at):
        try:
            self.applied.insert_one({"_id": key, "at": at})
        except DuplicateKeyError:
            pass

    # documents by _id
    def get(self, collection, doc_id):
        return getattr(self, collection).find_one({"_id": doc_id})

    def put(self, collection, doc):
        getattr(self, collection).replace_one({"_id": doc["_id"]}, doc, upsert=True)

    def insert_snapshot(self, doc):
        try:
            self.snapshots.insert_one(doc)
        except DuplicateKeyError:
            self.snapshots.replace_one({"_id": doc["_id"]}, doc)

    # equality reads, each bounded by what one centre or one office holds
    def of_centre(self, collection, centre_id):
        return list(getattr(self, collection).find({"centre_id": centre_id}))

    def centres_of(self, office):
        return list(self.centres.find({"office": office}))

    def office_docs(self, office=None):
        """One office by ``_id``, or every office (one small document per office)."""
        if office:
            doc = self.offices.find_one({"_id": office})
            return [doc] if doc else []
        return list(self.offices.find({}))

    def open_due_page(self, collection, due, office, after, limit):
        """Open items due on ``due`` (equality), after ``_id`` ``after``; sorted by _id, at most ``limit``."""
        query = {"due": due, "open": True}
        if office:
            query["office"] = office
        if after:
            query["_id"] = {"$gt": after}
        return list(getattr(self, collection).find(query).sort([("_id", ASCENDING)]).limit(limit))

    def reset(self):
        """Forget the current state; the history (snapshots, each office's snapshot days) and the applied
        event keys stay (events older than what a rebuild reads are refused by version anyway)."""
        for collection in (self.milestones, self.centres, self.rectifications):
            collection.drop()
        self.ensure_indexes()
        for doc in list(self.offices.find({}, {"_id": 1})):
            self.offices.update_one({"_id": doc["_id"]}, {"$set": {"fig": {}}})
