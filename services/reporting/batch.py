"""Applying many centres or many centres' planned milestones to the read model at once.

An import announces its new centres in chunks (``centres_registered``, up to 500 centres) and the
milestones service answers each chunk with one ``milestones_planned_batch``. Applied one centre at a
time, each would read and write its office's documents (office, bucket, district, due days) and
every milestone by ``_id``. Here a whole batch is ONE change (``projection.apply_once`` with the
batch's key, under the service's write lock): the projection functions run unchanged on a
``BatchStore``, which

- reads each document at most once (the ``Model`` keeps the office-level documents of the change,
  so an office, its bucket, the district and a due day are read once and written once per batch);
- reads the batch's centres (and, for planned milestones, their milestones) with one equality read per
  office, and by ``_id`` only the centres not found under their office; when the read model has no
  such centre it knows without reading that it has no milestones or rectifications either (they are
  written together with their centre);
- buffers the writes and, at the end, inserts the documents that did not exist with ``insert_many``
  (a concurrent writer's row falls back to a replace) and replaces the others by ``_id``; the batch's
  key is recorded only after every write, so a redelivered batch changes nothing, and a batch
  interrupted part-way is applied again (each document refuses a version it already holds).
"""
import hashlib

from pymongo.errors import BulkWriteError

from services.reporting.projection import apply_once, set_centre, set_milestone

OFFICE_READ = 200  # an office with more centres has its batch's milestones read centre by centre


class BatchStore:
    """A ``ReportingStore`` seen by one batch: cached reads, buffered writes (everything else passes through)."""

    def __init__(self, store):
        self._store = store
        self._docs = {}          # (collection, _id) -> document read (None: known not to exist)
        self._absent = set()     # centres the read model does not have: nor their milestones/rectifications
        self._loaded = set()     # centres whose milestones were all read (equality on centre_id)
        self._writes = {}        # (collection, _id) -> document to write, in order

    def __getattr__(self, name):
        return getattr(self._store, name)

    def preload(self, centres, milestones=False):
        """Read the batch's centres, ``centres`` being (id, office) pairs: one equality read per office
        (an import's chunk holds whole offices), then by ``_id`` the ones not found under their office.
        With ``milestones``, the milestones of the centres found: one equality read per office (of at
        most ``OFFICE_READ`` centres), else one per centre."""
        offices = {}
        for centre_id, office in centres:
            offices.setdefault(office, []).append(centre_id)
        for office, ids in offices.items():
            found = {d["_id"]: d for d in self._store.centres_of(office)}
            for doc in found.values():
                self._docs[("centres", doc["_id"])] = doc
            if milestones and found and len(found) <= OFFICE_READ:
                for m in self._store.milestones.find({"office": office}):
                    self._docs[("milestones", m["_id"])] = m
                self._loaded.update(found)
            for centre_id in ids:
                doc = found.get(centre_id) or self._store.get("centres", centre_id)
                self._docs[("centres", centre_id)] = doc
                if doc is None:
                    self._absent.add(centre_id)
                elif milestones and centre_id not in self._loaded:
                    for m in self._store.of_centre("milestones", centre_id):
                        self._docs[("milestones", m["_id"])] = m
                    self._loaded.add(centre_id)

    def _known_missing(self, collection, doc_id):
        if collection == "milestones" and isinstance(doc_id, str):
            centre_id = doc_id.rsplit(":", 1)[0]
            return centre_id in self._absent or centre_id in self._loaded
        return False

    def get(self, collection, doc_id):
        key = (collection, doc_id)
        if key in self._writes:
            return self._writes[key]
        if key not in self._docs:
            self._docs[key] = None if self._known_missing(collection, doc_id) else self._store.get(collection, doc_id)
        return self._docs[key]

    def of_centre(self, collection, centre_id):
        if centre_id in self._absent:
            return []
        if collection == "milestones" and centre_id in self._loaded:
            prefix = centre_id + ":"
            return [d for (c, i), d in self._docs.items() if c == collection and d is not None and i.startswith(prefix)]
        return self._store.of_centre(collection, centre_id)

    def put(self, collection, doc):
        self._writes[(collection, doc["_id"])] = doc

    def mark_applied(self, key, at):
        self.commit()
        self._store.mark_applied(key, at)

    def commit(self):
        """New documents with one ``insert_many`` per collection, the others replaced by ``_id``."""
        fresh, known = {}, []
        for (collection, doc_id), doc in self._writes.items():
            if (collection, doc_id) in self._docs and self._docs[(collection, doc_id)] is None:
                fresh.setdefault(collection, []).append(doc)
            else:
                known.append((collection, doc))
        for collection, docs in fresh.items():
            try:
                getattr(self._store, collection).insert_many(docs, ordered=False)
            except BulkWriteError as exc:  # written meanwhile (or by an interrupted run): replace those
                for error in exc.details.get("writeErrors", []):
                    if error.get("code") != 11000:
                        raise
                    self._store.put(collection, docs[error["index"]])
        for collection, doc in known:  # one by one: FerretDB's multi-update bulk_write is slower (measured)
            self._store.put(collection, doc)
        self._writes.clear()


def batch_key(kind, parts):
    """The key a batch is applied once under: its kind and a digest of what it carries."""
    return "{}:{}".format(kind, hashlib.sha256("\n".join(sorted(parts)).encode("utf-8")).hexdigest())


def apply_centres(store, centres, day, now):
    """A ``centres_registered`` batch: each centre as ``set_centre`` applies it, all in one change."""
    batch = BatchStore(store)
    batch.preload((c["id"], c["office"]) for c in centres)

    def change(model):
        for centre in centres:
            set_centre(model, centre)
    key = batch_key("centres", ("{}:{}".format(c["id"], c.get("version") or 0) for c in centres))
    return apply_once(batch, key, day, change, now)


def apply_planned(store, planned, day, now):
    """A ``milestones_planned_batch``: every centre's version-1 milestones, all in one change."""
    batch = BatchStore(store)
    batch.preload(((p["centre_id"], p["office"]) for p in planned), milestones=True)

    def change(model):
        for item in planned:
            for m in item["milestones"]:
                set_milestone(model, item["centre_id"], {**m, "office": item["office"]})
    key = batch_key("planned", ("{}:{}".format(p["centre_id"], ",".join(sorted(m["key"] for m in p["milestones"])))
                                for p in planned))
    return apply_once(batch, key, day, change, now)
