"""Progress evidence: checked by ``shared.evidence``, kept as one document per file."""
import uuid

from shared.evidence import check_uploads


def prepare(uploads):
    """Documents ready to insert (with ``content``); the whole batch is refused if any file is wrong."""
    return [{"_id": uuid.uuid4().hex, **meta, "content": content} for meta, content in check_uploads(uploads)]


def meta(doc):
    return {"id": doc["_id"], "filename": doc["filename"], "content_type": doc["content_type"],
            "size": doc["size"], "sha256": doc["sha256"]}
