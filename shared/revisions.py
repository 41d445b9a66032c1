"""The one versioned write: append revision n+1 of an entity, then move its projection forward.

Every service that keeps history writes the same way, because FerretDB v1 (and the store rules) give
neither transactions nor compare-and-set:

1. the revision is inserted into an append-only collection with a unique index on (entity, version).
   Two writers based on the same version race for the same slot and exactly one insert succeeds; the
   other gets ``DuplicateKeyError``, which is the caller's conflict ("someone else wrote that version").
2. the projection (the latest state, read by ``_id``) is moved forward only:
   ``update_one({_id, version: {$lt: v}}, {$set: ...}, upsert=True)``. When a newer version is
   projected already the filter matches nothing, the upsert's insert hits the ``_id`` and the
   ``DuplicateKeyError`` is ignored: the newer state stays.

The revisions are the truth; a projection left behind by a crash between the two steps is repaired by
the owning service (readers that must not lag walk forward along the revisions).
"""
from collections.abc import Mapping
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError


def append_revision(revisions: Collection, revision: Mapping[str, Any], projection: Collection,
                    projected: Mapping[str, Any], conflict: Exception) -> None:
    """Insert ``revision``, then project ``projected`` (a document with its ``_id`` and ``version``).

    Raises ``conflict`` when the revision's slot (its unique key) is taken; nothing is written then."""
    try:
        revisions.insert_one(dict(revision))
    except DuplicateKeyError:
        raise conflict from None
    project_forward(projection, projected)


def project_forward(projection: Collection, projected: Mapping[str, Any]) -> None:
    """``$set`` ``projected`` on its ``_id`` unless a version as new or newer is projected there already."""
    fields = {k: v for k, v in projected.items() if k != "_id"}
    try:
        projection.update_one({"_id": projected["_id"], "version": {"$lt": projected["version"]}}, {"$set": fields},
                              upsert=True)
    except DuplicateKeyError:
        pass  # a newer (or the same) version is projected already
