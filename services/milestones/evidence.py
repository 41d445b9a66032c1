"""Progress evidence: checked by ``shared.evidence``, kept as one document per file naming its bytes in the
object store (photos also with their facts, verdict and thumbnail: services/milestones/photo_checks.py)."""
import uuid

from shared import photos
from shared.evidence import check_uploads
from shared.objects import object_store


def prepare(uploads):
    """[(document ready to insert, the file's bytes)]: the bytes stay in the object store (the document names
    them by ``sha256``) and are read here only to judge a photo; the whole batch is refused if any file is wrong."""
    return [({"_id": uuid.uuid4().hex, **meta}, content) for meta, content in check_uploads(uploads)]


def meta(doc):
    """What lists show of one file; a photo adds what it says about itself and its verdict (``photo``)."""
    out = {"id": doc["_id"], "filename": doc["filename"], "content_type": doc["content_type"],
           "size": doc["size"], "sha256": doc["sha256"]}
    if doc.get("photo") is not None:
        out.update(doc["photo"])
    return out


def migrate(store, limit):
    """Move up to ``limit`` documents' bytes (kept inside them before the object store) to the object store:
    file first, then the document, so a crash between leaves the bytes in both, never in neither."""
    moved = 0
    for doc in store.legacy_evidence(limit):
        objects = object_store()
        key = objects.put(bytes(doc["content"]))
        thumbnail = doc.get("thumbnail")
        if thumbnail is None and (doc.get("photo") or {}).get("thumbnail"):
            thumbnail = photos.thumbnail(bytes(doc["content"]))
        store.finish_migration(doc["_id"], key, None if thumbnail is None else objects.put(bytes(thumbnail)))
        moved += 1
    return moved
