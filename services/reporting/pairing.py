"""An import chunk's two batches meet through the store, so the read model applies them as ONE change.

An import announces a chunk of new centres (``centres_registered``) and the milestones service answers it
with their planned milestones (``milestones_planned_batch``). Applied one after the other, the first inserts
every centre and the second rewrites every centre (its own figures count its milestones): one store write per
centre, most of the read model's time during an import. Met, the chunk is applied once
(``batch.apply_centres_and_planned``: the same functions in the same order) and each centre is inserted once.

The meeting needs no process's memory. Under the writer's lock (its partition's one writer), a batch

1. looks for its partner in ``pair_stash`` (one ``_id`` read: ``<kind>:<first centre>``, tagged with the
   partition): found and fitting (the planned batch's centres are all in the chunk, on the same day), both
   are applied as one change and then the stash is deleted;
2. else is applied alone when no partner will come: a planned batch whose chunk is in the model already, or
   a chunk whose first centre the model has (its planned milestones, or a redelivery, came first);
3. else is stashed (its payload as received, ``due``: when to stop waiting) and its message acknowledged.

``sweep`` (the service's timer) applies alone every stash of its partition that is overdue: a chunk waits
``REPORTING_PAIR_WAIT_SECONDS`` for its planned milestones, a planned batch ``PLANNED_WAIT_SECONDS`` for its
chunk. A crash anywhere leaves figures a single writer would have: the stash is written (replaced on a
redelivery) before the message is acknowledged, and deleted only after both batches' keys are recorded, so a
stash found again after a crash is applied again, and the applied keys (and versions) make that change nothing.
"""
import logging
from typing import NamedTuple

from pymongo import ASCENDING

log = logging.getLogger(__name__)
CENTRES, PLANNED = "centres", "planned"
OTHER = {CENTRES: PLANNED, PLANNED: CENTRES}
PLANNED_WAIT_SECONDS = 600  # how long planned milestones wait for their chunk, while it is not in the model
SWEEP_PAGE = 200


def ensure_indexes(db):
    db.pair_stash.create_index([("part", ASCENDING)], name="part")


def stash_id(store, kind, first):
    return store.partition.doc_id(f"{kind}:{first}")


def fits(kind, ids, day, partner):
    """The partner (a stash) goes with this batch: same day, and the planned batch's centres are in the chunk."""
    if partner.get("day") != day:
        return False
    planned, centres = (ids, set(partner["ids"])) if kind == PLANNED else (partner["ids"], set(ids))
    return all(i in centres for i in planned)


def partner_of(store, kind, ids, day):
    """The stash of this batch's partner, if one is waiting and fits (one ``_id`` read)."""
    if not ids:
        return None
    partner = store.db.pair_stash.find_one({"_id": stash_id(store, OTHER[kind], ids[0])})
    return partner if partner is not None and fits(kind, ids, day, partner) else None


def partner_gone(store, ids):
    """No partner will come: the model has the chunk's first centre already (a planned batch's chunk was applied,
    or a chunk's planned milestones, or this very batch, came first)."""
    return bool(ids) and store.get("centres", ids[0]) is not None


class Batch(NamedTuple):
    """A batch to stash: its kind, centres in order, day, payload as received and ``due`` (epoch seconds)."""
    kind: str
    ids: list
    day: str
    payload: dict
    due: float


def stash(store, batch):
    """Keep the batch until its partner comes or its ``due`` passes (replaced when its message comes again)."""
    doc = {"_id": stash_id(store, batch.kind, batch.ids[0]), "kind": batch.kind, "ids": list(batch.ids),
           "day": batch.day, "payload": batch.payload, "due": batch.due, "part": store.partition.tag}
    store.db.pair_stash.replace_one({"_id": doc["_id"]}, doc, upsert=True)


def drop(store, doc):
    store.db.pair_stash.delete_one({"_id": doc["_id"]})


def overdue(store, now):
    """This partition's stashes whose partner is overdue (equality on ``part``; a handful in flight)."""
    docs = store.db.pair_stash.find({"part": store.partition.tag}, {"payload": 0}).limit(SWEEP_PAGE)
    return sorted((d for d in docs if d["due"] <= now), key=lambda d: (d["due"], d["_id"]))


def load(store, doc_id):
    return store.db.pair_stash.find_one({"_id": doc_id})
