"""Applying many centres or many centres' planned milestones to the read model at once.

An import announces its new centres in chunks (``centres_registered``, up to 500 centres) and the
milestones service answers each chunk with one ``milestones_planned_batch`` (the two met are applied
together: ``apply_centres_and_planned``, see pairing.py). A whole batch is ONE change
(``projection.apply_once`` with the batch's key, under the service's write lock): the projection
functions run unchanged on a ``BatchStore``, which

- reads each document at most once (an office, its bucket, the district and a due day are read and
  written once per batch);
- reads the batch's centres (and, for planned milestones, their milestones) with one equality read per
  office, none for an office the model does not have yet (its document is written with its first centre).
  A centre not found under its office is presumed new (it could only be elsewhere if it moved before its
  registration reached the model, or a write was interrupted): it is inserted before anything else is
  written, and if that insert finds it after all, the batch is applied again reading such centres by
  ``_id``. A centre the model does not have has no milestones or rectifications either, so those are not read;
- buffers the writes and, at the end, inserts the new documents with ``insert_many`` (one found meanwhile
  is replaced) and writes the others by ``_id``, each only if it changed and only its changed fields; the
  batch's key is recorded after every write, so a redelivered batch changes nothing, and a batch
  interrupted part-way is applied again (each document refuses a version it already holds).
"""
import copy
import hashlib
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from services.reporting.projection import apply_once, set_centre, set_milestone
from shared.mongo import insert_absent

OFFICE_READ = 200  # an office with more centres has its batch's milestones read centre by centre


class BatchStore:
    """A ``ReportingStore`` seen by one batch: cached reads, buffered writes (everything else passes through)."""

    def __init__(self, store):
        self._store = store
        self._docs = {}          # (collection, _id) -> document read (None: known not to exist)
        self._read = {}          # (collection, _id) -> a copy of that document as read (to write only what changed)
        self._absent = set()     # centres the read model does not have: nor their milestones/rectifications
        self._loaded = set()     # centres whose milestones were all read (equality on centre_id)
        self._writes = {}        # (collection, _id) -> document to write, in order
        self._presumed = set()   # centres presumed new (not found under their office, not read by _id)
        self._drops, self._snapshots = [], []  # written at commit too

    def __getattr__(self, name):
        return getattr(self._store, name)

    def preload(self, centres, milestones=False, presume_new=False):
        """Read the batch's centres, ``centres`` being (id, office) pairs: one equality read per office
        (an import's chunk holds whole offices), then by ``_id`` the ones not found under their office
        (with ``presume_new``: none; those are presumed new and ``commit`` checks it by inserting them
        first). With ``milestones``, the milestones of the centres found: one equality read per office
        (of at most ``OFFICE_READ`` centres), else one per centre."""
        offices = {}
        for centre_id, office in centres:
            offices.setdefault(office, []).append(centre_id)
        for office, ids in offices.items():
            if presume_new and self.get("offices", office) is None:
                found = {}  # an office the model does not have has no centres here (see the docstring)
            else:
                found = {d["_id"]: d for d in self._store.centres_of(office)}
            for doc in found.values():
                self._keep("centres", doc["_id"], doc)
            if milestones and found and len(found) <= OFFICE_READ:
                for m in self._store.milestones.find({"office": office}):
                    self._keep("milestones", m["_id"], m)
                self._loaded.update(found)
            for centre_id in ids:
                if presume_new and centre_id not in found:
                    self._presumed.add(centre_id)
                doc = found.get(centre_id) or (None if presume_new else self._store.get("centres", centre_id))
                self._keep("centres", centre_id, doc)
                if doc is None:
                    self._absent.add(centre_id)
                elif milestones and centre_id not in self._loaded:
                    for m in self._store.of_centre("milestones", centre_id):
                        self._keep("milestones", m["_id"], m)
                    self._loaded.add(centre_id)

    def _keep(self, collection, doc_id, doc):
        self._docs[(collection, doc_id)] = doc
        if doc is not None and (collection, doc_id) not in self._read:
            self._read[(collection, doc_id)] = copy.deepcopy(doc)

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
            self._keep(collection, doc_id,
                       None if self._known_missing(collection, doc_id) else self._store.get(collection, doc_id))
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

    def drop(self, collection, doc_id):
        self._writes.pop((collection, doc_id), None)
        self._drops.append((collection, doc_id))

    def insert_snapshot(self, doc, *collection):
        self._snapshots.append((doc, collection))

    def mark_applied(self, key, at):
        self.commit()
        self._store.mark_applied(key, at)

    def commit(self):
        """New documents with one ``insert_many`` per collection, the others replaced by ``_id``.
        The centres presumed new go first: if one exists after all (stored under another office: it
        moved before its registration reached the model), nothing else is written, the ones just
        inserted are removed again and ``Presumed`` asks for the batch to be applied reading by ``_id``."""
        self._insert_presumed()
        fresh, known = {}, []
        for (collection, doc_id), doc in self._writes.items():
            if (collection, doc_id) in self._docs and self._docs[(collection, doc_id)] is None:
                fresh.setdefault(collection, []).append(doc)
            else:
                known.append((collection, doc))
        for collection, docs in fresh.items():
            for i in insert_absent(getattr(self._store, collection), docs):  # written meanwhile: replace those
                self._store.put(collection, docs[i])
        for collection, doc in known:  # one by one: FerretDB stalls on a bulk_write longer than its pool
            self._update(collection, doc)
        for collection, doc_id in self._drops:
            self._store.drop(collection, doc_id)
        for doc, collection in self._snapshots:
            self._store.insert_snapshot(doc, *collection)
        self._writes.clear()
        self._drops, self._snapshots = [], []

    def _update(self, collection, doc):
        """Write a document that existed: nothing if it is as it was read, else ``$set`` (and ``$unset``) of
        its changed top-level fields (cheaper than a replace on FerretDB: it sends and decodes less); a
        document not read here, or gone meanwhile, is replaced whole."""
        read = self._read.get((collection, doc["_id"]))
        if read is None:
            return self._store.put(collection, doc)
        changed = {k: v for k, v in doc.items() if k not in read or read[k] != v}
        gone = {k: "" for k in read if k not in doc}
        if not changed and not gone:
            return None
        update = {"$set": changed} if changed else {}
        if gone:
            update["$unset"] = gone
        if getattr(self._store, collection).update_one({"_id": doc["_id"]}, update).matched_count == 0:
            self._store.put(collection, doc)
        return None

    def _insert_presumed(self):
        keys = [("centres", c) for c in self._presumed if ("centres", c) in self._writes]
        docs = [self._writes.pop(k) for k in keys]
        if not docs:
            return
        taken = insert_absent(self._store.centres, docs)
        if taken:
            for i, doc in enumerate(docs):
                if i not in taken:
                    self._store.centres.delete_one({"_id": doc["_id"]})
            raise Presumed()


class Presumed(Exception):
    """A centre presumed new was in the read model after all."""


class Change(NamedTuple):
    """A batch as one change: the key it is applied once under, its day, what it does to the model
    (``change(model)``) and the (centre id, office) pairs it touches (``preload`` reads them first,
    with their milestones if ``milestones``)."""
    key: str
    day: str
    change: Callable
    centres: list
    milestones: bool = False


def _apply(store, change, now):
    """Apply once, presuming the centres not found under their office are new; if one was not, again
    with every such centre read by ``_id``."""
    for presume in (True, False):
        batch = BatchStore(store)
        batch.preload(change.centres, milestones=change.milestones, presume_new=presume)
        try:
            return apply_once(batch, change.key, change.day, change.change, now)
        except Presumed:
            continue
    raise AssertionError("unreachable: the second attempt presumes nothing")


def batch_key(kind, parts):
    """The key a batch is applied once under: its kind and a digest of what it carries."""
    return "{}:{}".format(kind, hashlib.sha256("\n".join(sorted(parts)).encode("utf-8")).hexdigest())


def _centres_key(centres):
    return batch_key("centres", ("{}:{}".format(c["id"], c.get("version") or 0) for c in centres))


def _planned_key(planned):
    return batch_key("planned", ("{}:{}".format(p["centre_id"], ",".join(sorted(m["key"] for m in p["milestones"])))
                                 for p in planned))


def _set_centres(centres, model):
    for centre in centres:
        set_centre(model, centre)


def _set_planned(planned, model):
    for item in planned:
        for m in item["milestones"]:
            set_milestone(model, item["centre_id"], {**m, "office": item["office"]})


def _set_centres_and_planned(centres, planned, model):
    _set_centres(centres, model)
    _set_planned(planned, model)


def apply_centres(store, centres, day, now):
    """A ``centres_registered`` batch: each centre as ``set_centre`` applies it, all in one change."""
    return _apply(store, Change(_centres_key(centres), day, partial(_set_centres, centres),
                                [(c["id"], c["office"]) for c in centres]), now)


def apply_planned(store, planned, day, now):
    """A ``milestones_planned_batch``: every centre's version-1 milestones, all in one change."""
    return _apply(store, Change(_planned_key(planned), day, partial(_set_planned, planned),
                                [(p["centre_id"], p["office"]) for p in planned], milestones=True), now)


def apply_centres_and_planned(store, centres, planned, day, now):
    """A ``centres_registered`` chunk and the ``milestones_planned_batch`` that answers it (its centres are
    the chunk's) as ONE change: ``apply_centres`` then ``apply_planned`` in one Model, so each new centre is
    inserted once, with its milestones' figures, instead of inserted and then rewritten. The same functions
    in the same order give the same documents; both keys are kept (the chunk's after every write, then the
    milestones'), and a batch whose key is kept already is applied alone (a redelivery changes nothing)."""
    centres_key, planned_key = _centres_key(centres), _planned_key(planned)
    if store.was_applied(centres_key):
        return apply_planned(store, planned, day, now)
    if store.was_applied(planned_key):
        return apply_centres(store, centres, day, now)
    pairs = [(c["id"], c["office"]) for c in centres]
    known = {c["id"] for c in centres}
    pairs += [(p["centre_id"], p["office"]) for p in planned if p["centre_id"] not in known]
    if not _apply(store, Change(centres_key, day, partial(_set_centres_and_planned, centres, planned), pairs,
                                milestones=True), now):
        return apply_planned(store, planned, day, now)
    store.mark_applied(planned_key, now)
    return True
