"""Checking uploaded evidence files (photos, PDFs) before anything is stored.

Used by milestones (progress evidence) and inspections (rectification evidence).
The type comes from the file's first bytes (magic numbers), not from its name or
the browser's Content-Type, and must be on the allow-list; the extension must
agree with it. The whole batch is refused if any one file is wrong, so a refused
request stores nothing. Each file's SHA-256 is recorded so a document can later
be proven unchanged.

The bytes are not in the request: the gateway put them in the object store (shared/objects.py) and
sends each file's key; the check reads them from there, so they never travel over RPC.
"""
import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from shared.errors import InvalidInput, PayloadTooLarge
from shared.objects import MissingObject, object_store
from shared.settings import settings

MAX_FILES = 10
# type -> (magic prefix, accepted extensions); HEIC/HEIF (iPhones) has no fixed prefix: see heif_type
ALLOWED = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "image/heic": (None, (".heic", ".heif")),
    "image/heif": (None, (".heif", ".heic")),
}
# the major brand of an ISO-BMFF ``ftyp`` box that makes a file a HEIF still image
HEIF_BRANDS = {b"heic": "image/heic", b"heix": "image/heic", b"heim": "image/heic", b"heis": "image/heic",
               b"hevc": "image/heic", b"hevx": "image/heic", b"mif1": "image/heif", b"msf1": "image/heif",
               b"heif": "image/heif"}


# a checked file: its metadata ({filename, content_type, size, sha256}) and its bytes
Checked = tuple[dict[str, Any], bytes]


class Problem(NamedTuple):
    message: str  # for people
    too_large: bool = False


def max_bytes() -> int:
    return settings().evidence_max_bytes


def heif_type(content: bytes) -> str | None:
    """image/heic or image/heif when the bytes start with an ``ftyp`` box of a HEIF brand (bytes 4-12)."""
    if len(content) < 12 or content[4:8] != b"ftyp":
        return None
    return HEIF_BRANDS.get(content[8:12])


def sniff(content: bytes) -> str | None:
    for content_type, (magic, _) in ALLOWED.items():
        if magic is not None and content.startswith(magic):
            return content_type
    return heif_type(content)


def _check_one(name: str, key: str, limit: int) -> Checked | Problem:
    try:
        content = object_store().get(key)
    except MissingObject:
        return Problem(f"“{name}”的内容没有收到，请重新上传")
    if len(content) > limit:
        return Problem(f"“{name}”有 {len(content)} 字节，超过单个文件上限 {limit} 字节", too_large=True)
    if not content:
        return Problem(f"“{name}”是空文件")
    content_type = sniff(content)
    if content_type is None:
        return Problem(f"“{name}”的类型不允许，只接受 PDF、JPEG、PNG、HEIC（按文件内容判断）")
    if not name.lower().endswith(ALLOWED[content_type][1]):
        return Problem(f"“{name}”的扩展名与文件内容（{content_type}）不符")
    meta = {"filename": name, "content_type": content_type, "size": len(content), "sha256": key}
    return meta, content


def check_uploads(uploads: Sequence[Mapping[str, str]], required_message: str | None = None) -> list[Checked]:
    """[(metadata, bytes)] for uploads ``[{filename, key}]`` (the key of each file in the object store).

    Refuses the whole set, naming each bad file as ``evidence[i]``: PayloadTooLarge
    when any file is over the limit, InvalidInput otherwise. ``required_message``
    makes an empty set an error too.
    """
    if not uploads and required_message:
        raise InvalidInput(required_message, {"evidence": ["at least one file required"]})
    if len(uploads) > MAX_FILES:
        raise InvalidInput(f"一次最多上传 {MAX_FILES} 个文件", {"evidence": ["too many files"]})
    limit, too_large = max_bytes(), False
    checked: list[Checked] = []
    errors: dict[str, list[str]] = {}
    for index, upload in enumerate(uploads):
        name = os.path.basename(upload["filename"]) or f"file{index + 1}"
        outcome = _check_one(name, upload["key"], limit)
        if isinstance(outcome, Problem):
            errors[f"evidence[{index}]"] = [outcome.message]
            too_large = too_large or outcome.too_large
        else:
            checked.append(outcome)
    if errors:
        raise (PayloadTooLarge if too_large else InvalidInput)("佐证材料未通过检查，未保存任何内容", errors)
    return checked
