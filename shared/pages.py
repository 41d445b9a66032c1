"""Reading every item of a paged RPC (``{offset, limit}`` -> ``{items, total, ...}``), page by page."""
from collections.abc import Callable
from typing import Any


def every_item(call: Callable[[dict[str, int]], dict[str, Any]], page: int = 1000) -> list[Any]:
    """Every item ``call({"offset": o, "limit": page})`` answers, in order; ``total`` (from the first answer on)
    says when to stop. A page may be shorter than ``page`` (a place left empty), so the offset moves by ``page``."""
    items, offset, total = [], 0, 1
    while offset < total:
        step = call({"offset": offset, "limit": page})
        items.extend(step["items"])
        offset, total = offset + page, step["total"]
    return items
