"""Progress evidence: checked by ``shared.evidence``, kept as one document per file (photos also with
their facts, verdict and thumbnail: services/milestones/photo_checks.py)."""
import uuid

from shared.evidence import check_uploads


def prepare(uploads):
    """Documents ready to insert (with ``content``); the whole batch is refused if any file is wrong."""
    return [{"_id": uuid.uuid4().hex, **meta, "content": content} for meta, content in check_uploads(uploads)]


def meta(doc):
    """What lists show of one file; a photo adds what it says about itself and its verdict (``photo``)."""
    out = {"id": doc["_id"], "filename": doc["filename"], "content_type": doc["content_type"],
           "size": doc["size"], "sha256": doc["sha256"]}
    if doc.get("photo") is not None:
        out.update(doc["photo"])
    return out
