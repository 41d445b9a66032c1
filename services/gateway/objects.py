"""The gateway's side of the object store (shared/objects.py): an upload's bytes go there before any
RPC names them, and downloads stream from there, range requests included."""
from typing import Any

from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from shared.errors import NotFound
from shared.objects import MissingObject, object_store


def stash(filename: str, content: bytes) -> dict[str, str]:
    """``{filename, key}``: how one uploaded file travels over RPC once its bytes are stored."""
    return {"filename": filename, "key": object_store().put(content)}


def send(request: Any, key: str, content_type: str, headers: dict[str, str]) -> Response:
    """The file ``key`` streamed (206 for a ``Range``, 304 for a matching ``If-None-Match``): its key is its
    SHA-256, so it is its ETag and never changes."""
    try:
        handle, size = object_store().open(key)
    except MissingObject:
        raise NotFound("文件已不在存储中，请联系管理员", {"key": ["missing"]}) from None
    response = Response(wrap_file(request.environ, handle), content_type=content_type or "application/octet-stream",
                        headers=headers, direct_passthrough=True)
    response.set_etag(key)
    return response.make_conditional(request, accept_ranges=True, complete_length=size)
