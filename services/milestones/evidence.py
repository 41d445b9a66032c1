"""Evidence files (photos, PDFs): checked by their first bytes, not by the name a
browser sent, and refused as a whole batch if any one file is wrong, so a
refused update stores nothing."""
import base64
import binascii
import hashlib
import uuid

from shared.config import setting
from shared.errors import InvalidInput, PayloadTooLarge

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# type -> (magic prefix, allowed extensions)
ALLOWED = {
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "application/pdf": (b"%PDF-", (".pdf",)),
}


def max_bytes():
    return int(setting("EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)


def sniff(content):
    for content_type, (magic, _) in ALLOWED.items():
        if content.startswith(magic):
            return content_type
    return None


def prepare(uploads):
    """Decode and check every upload; return documents ready to insert (with ``content``).

    Raises InvalidInput / PayloadTooLarge naming each bad file by its position.
    """
    limit = max_bytes()
    errors, too_large, ready = {}, {}, []
    for i, upload in enumerate(uploads):
        name = upload["filename"]
        field = "evidence[{}]".format(i)
        try:
            content = base64.b64decode(upload["content_b64"], validate=True)
        except (binascii.Error, ValueError):
            errors[field] = ["“{}”的内容不是有效的 base64".format(name)]
            continue
        if len(content) > limit:
            too_large[field] = ["“{}”有 {} 字节，超过上限 {} 字节".format(name, len(content), limit)]
            continue
        if not content:
            errors[field] = ["“{}”是空文件".format(name)]
            continue
        detected = sniff(content)
        extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if detected is None:
            errors[field] = ["“{}”不是允许的类型（只接受 JPEG、PNG 图片和 PDF）".format(name)]
        elif extension not in ALLOWED[detected][1]:
            errors[field] = ["“{}”的扩展名与内容（{}）不符".format(name, detected)]
        else:
            ready.append({"_id": uuid.uuid4().hex, "filename": name, "content_type": detected, "size": len(content),
                          "sha256": hashlib.sha256(content).hexdigest(), "content": content})
    if too_large:
        raise PayloadTooLarge("佐证材料过大，未保存任何内容", {**too_large, **errors})
    if errors:
        raise InvalidInput("佐证材料不符合要求，未保存任何内容", errors)
    return ready


def meta(doc):
    return {"id": doc["_id"], "filename": doc["filename"], "content_type": doc["content_type"],
            "size": doc["size"], "sha256": doc["sha256"]}
