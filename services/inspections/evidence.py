"""Checking uploaded evidence files before anything is stored.

The type comes from the file's first bytes (magic numbers), not from its name
or the browser's Content-Type, and must be on the allow-list; the file name's
extension must agree with it. Each file's SHA-256 is recorded so a document can
later be proven unchanged. (The milestones service needs the same checks; this
is a self-contained module the lead may move to ``shared/``.)
"""
import base64
import binascii
import hashlib
import os

from shared.config import setting
from shared.errors import InvalidInput, PayloadTooLarge

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 10
# type -> (magic prefix, accepted extensions)
ALLOWED = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
}


def max_bytes():
    return int(setting("EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)


def sniff(content):
    for content_type, (magic, _) in ALLOWED.items():
        if content.startswith(magic):
            return content_type
    return None


def check_files(files):
    """[(metadata, bytes)] for uploads ``[{filename, content_b64}]``; refuses the whole
    set (InvalidInput / PayloadTooLarge) if any one file is unacceptable."""
    if not files:
        raise InvalidInput("请至少上传一个整改证明材料（PDF、JPEG 或 PNG）", {"evidence": ["at least one file required"]})
    if len(files) > MAX_FILES:
        raise InvalidInput("一次最多上传 {} 个文件".format(MAX_FILES), {"evidence": ["too many files"]})
    limit, checked, errors, too_large = max_bytes(), [], {}, False
    for index, upload in enumerate(files):
        name = os.path.basename(upload["filename"]) or "file{}".format(index + 1)
        key = "evidence[{}]".format(index)
        try:
            content = base64.b64decode(upload["content_b64"], validate=True)
        except (binascii.Error, ValueError):
            errors[key] = ["{}：内容不是有效的 base64".format(name)]
            continue
        if len(content) > limit:
            too_large = True
            errors[key] = ["{}：{} 字节，超过单个文件上限 {} 字节".format(name, len(content), limit)]
            continue
        if not content:
            errors[key] = ["{}：文件为空".format(name)]
            continue
        content_type = sniff(content)
        if content_type is None:
            errors[key] = ["{}：文件类型不允许，只接受 PDF、JPEG、PNG（按文件内容判断）".format(name)]
            continue
        if not name.lower().endswith(ALLOWED[content_type][1]):
            errors[key] = ["{}：扩展名与文件内容（{}）不符".format(name, content_type)]
            continue
        checked.append(({"filename": name, "content_type": content_type, "size": len(content),
                         "sha256": hashlib.sha256(content).hexdigest()}, content))
    if errors:
        cls = PayloadTooLarge if too_large and len(errors) == 1 else InvalidInput
        raise cls("整改材料未通过检查，未保存任何内容", errors)
    return checked
