"""The gateway's one input boundary: every request passes ``admit`` before the router, the
credentials, the idempotency keys or a route see any of it, and every answer leaves through
``secure`` (both called by ``http.JsonWsgiApp``, once per request).

``admit``:

- reads the body once, at most ``MAX_UPLOAD_BYTES``, also when it is sent chunked without a
  ``Content-Length`` (413 either way), and parses it once: JSON, or a form (urlencoded or
  multipart: fields, and uploaded files kept as bytes). The result (``Body``) is what
  ``http.json_body``, ``http.form_fields``, ``uploads``, the CSRF check and the idempotency
  hash read; ``request.form`` and ``request.files`` are set from it, without the transport
  fields (``csrf_token``, ``idempotency_key``), which belong to the gateway, not to the route;
- refuses with 400 (``invalid_characters``, the field named in ``details``) every string that
  holds a NUL character or an unpaired surrogate, wherever it is: path, query names and
  values, header names and values, form field names and values, file names, JSON keys and
  values at any depth; also when percent-encoded (``%00``, ``%ED%A0%80``: bytes that are not
  UTF-8 are refused in the path, the query and forms) or sent as a JSON escape (``\\u0000``,
  ``\\ud800``). The store cannot keep either, so they never get that far.

Dates and months are bounded where they are typed, by the shared schema fields
(``shared/schemas/common.py``: ``Day``, ``Month``).

``secure`` sets the security headers of every answer (``SECURITY_HEADERS``): the pages and the
API load nothing from elsewhere and cannot be framed; camera and location are for the app itself.
"""
import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import FileStorage, Headers, ImmutableMultiDict
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder

from services.gateway import survey
from services.gateway.objects import stash
from shared.errors import InvalidInput, PayloadTooLarge
from shared.settings import settings

BODY = "cctrack.body"
MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
FORM_TYPES = (MULTIPART, URLENCODED)
TRANSPORT_FIELDS = ("idempotency_key", "csrf_token")
MAX_PARTS = 1000  # as werkzeug's own form parser
FORBIDDEN = re.compile("[\x00\ud800-\udfff]")  # NUL, and surrogates (a str holds a pair as one code point)
UTF8_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")  # a surrogate encoded as UTF-8 bytes (in a header)
MESSAGE = "请求中含有不允许的字符（空字符或残缺的文字编码），请删除后重试"
BAD_VALUE = "含有不允许的字符"
BAD_NAME = "字段名含有不允许的字符"

# What the pages need: the built app (services/gateway/web) scripts, styles and fonts of its own, images of
# its own plus data: (the uploader's previews) and blob: (evidence thumbnails fetched with credentials, read
# back by the photo viewer, hence also connect-src blob:);
# the survey page (survey.py) its one inline stylesheet, allowed by its hash.
SURVEY_STYLE = "'sha256-{}'".format(base64.b64encode(hashlib.sha256(survey.STYLE.encode()).digest()).decode("ascii"))
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", f"style-src 'self' {SURVEY_STYLE}", "img-src 'self' data: blob:",
    "font-src 'self' data:", "connect-src 'self' blob:", "object-src 'none'", "base-uri 'none'",
    "form-action 'self'", "frame-ancestors 'none'"))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()",
}


@dataclass(frozen=True)
class Upload:
    """One file of a multipart form."""

    field: str
    filename: str
    content_type: str
    content: bytes


@dataclass
class Body:
    """The request body, read and parsed once."""

    raw: bytes = b""
    form: bool = False  # sent as a form (multipart or urlencoded)
    fields: list[tuple[str, str]] = field(default_factory=list)  # form fields, without the transport ones
    transport: dict[str, str] = field(default_factory=dict)  # csrf_token, idempotency_key sent as form fields
    files: list[Upload] = field(default_factory=list)
    json: Any = None
    json_error: InvalidInput | None = None  # why the body is not a JSON document (raised by json_body)


def refused(details: dict[str, list[str]]) -> InvalidInput:
    return InvalidInput(MESSAGE, details).with_code("invalid_characters")


def admit(request: Any) -> Body:
    """Check every string of ``request`` and read its body once (``Body``, also kept on the request)."""
    environ = request.environ
    _check_path(environ.get("PATH_INFO") or "")
    _pairs(environ.get("QUERY_STRING") or "", "query")
    _check_headers(request.headers)
    body = _read(request)
    environ[BODY] = body
    return body


def body(request: Any) -> Body:
    """The body ``admit`` read."""
    return request.environ[BODY]


def secure(response: Any) -> Any:
    """``response`` with the security headers (a route's own values stand)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def uploads(request: Any, name: str) -> list[dict[str, str]]:
    """The files sent in form field ``name``, as they travel over RPC: ``{filename, key}``, their bytes
    put in the object store first."""
    return [stash(u.filename, u.content) for u in body(request).files if u.field == name]


def one_upload(request: Any, name: str) -> dict[str, str]:
    """The one file (a table to import) a route needs in form field ``name``, as it travels over RPC:
    ``{filename, content_b64}``; 400 without it."""
    files = [u for u in body(request).files if u.field == name and u.filename]
    if not files:
        raise InvalidInput(f"请以 multipart/form-data 上传文件字段 {name}", {name: ["missing file"]})
    return {"filename": files[0].filename, "content_b64": base64.b64encode(files[0].content).decode("ascii")}


# --- strings --------------------------------------------------------------------------------------

def _text(raw: bytes) -> str | None:
    """``raw`` as text, or None when it is not UTF-8 (encoded surrogates included) or holds a NUL."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _check_path(path: str) -> None:
    # the server hands the percent-decoded bytes over as latin-1 text (PEP 3333)
    if _text(path.encode("latin-1", "replace")) is None:
        raise refused({"path": ["地址" + BAD_VALUE]})


def _pairs(text: str, where: str) -> list[tuple[str, str]]:
    """``a=1&b=2`` (a query string or an urlencoded body) as decoded pairs, every name and value checked."""
    pairs, problems = [], {}
    for piece in text.split("&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition("=")
        name = _text(unquote_to_bytes(raw_name.replace("+", " ").encode("latin-1", "replace")))
        value = _text(unquote_to_bytes(raw_value.replace("+", " ").encode("latin-1", "replace")))
        if name is None:
            problems[where] = [BAD_NAME]
        elif value is None:
            problems[name] = [BAD_VALUE]
        else:
            pairs.append((name, value))
    if problems:
        raise refused(problems)
    return pairs


def _check_headers(headers: Headers) -> None:
    problems = {}
    for name, value in headers.items():
        for text, problem in ((name, BAD_NAME), (value, BAD_VALUE)):
            raw = text.encode("latin-1", "replace")
            if b"\x00" in raw or UTF8_SURROGATE.search(raw):
                problems[name.replace("\x00", "") or "headers"] = [problem]
    if problems:
        raise refused(problems)


def _check_json(document: Any) -> None:
    """Every key and string value of a JSON document, at any depth (without recursion: depth is the sender's)."""
    problems, pending = {}, [(document, "")]
    while pending:
        value, path = pending.pop()
        if isinstance(value, str):
            if FORBIDDEN.search(value):
                problems[path or "body"] = [BAD_VALUE]
        elif isinstance(value, dict):
            for key, item in value.items():
                if FORBIDDEN.search(key):
                    problems[path or "body"] = [BAD_NAME]
                else:
                    pending.append((item, f"{path}.{key}" if path else key))
        elif isinstance(value, list):
            pending.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
    if problems:
        raise refused(problems)


# --- the body -------------------------------------------------------------------------------------

def _read(request: Any) -> Body:
    limit = settings().max_upload_bytes
    environ, length = request.environ, request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(f"请求体过大：{length} 字节，上限 {limit} 字节", {"body": [f"larger than {limit} bytes"]})
    chunked = "chunked" in (request.headers.get("Transfer-Encoding") or "").lower()
    raw = b""
    if chunked:  # the server decodes the chunks; read one byte past the limit to know it is exceeded
        raw = environ["wsgi.input"].read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"请求体过大：超过上限 {limit} 字节", {"body": [f"larger than {limit} bytes"]})
    elif length:
        raw = environ["wsgi.input"].read(length)
    # whatever reads the body later (werkzeug included) reads these bytes, never the socket again
    environ["wsgi.input"], environ["wsgi.input_terminated"] = BytesIO(raw), True
    if request.mimetype in FORM_TYPES:
        parsed = _form(request, raw)
        request.__dict__["form"] = ImmutableMultiDict(parsed.fields)
        request.__dict__["files"] = ImmutableMultiDict(
            [(u.field, FileStorage(BytesIO(u.content), u.filename, u.field, u.content_type)) for u in parsed.files])
        return parsed
    return _json(raw)


def _form(request: Any, raw: bytes) -> Body:
    if request.mimetype == MULTIPART:
        pairs, files = _multipart(raw, request.mimetype_params.get("boundary") or "") if raw else ([], [])
    else:
        pairs, files = _pairs(raw.decode("latin-1"), "body"), []
    fields = [(k, v) for k, v in pairs if k not in TRANSPORT_FIELDS]
    transport = {k: v for k, v in reversed(pairs) if k in TRANSPORT_FIELDS}  # the first value, as MultiDict.get
    return Body(raw=raw, form=True, fields=fields, transport=transport, files=files)


def _multipart(raw: bytes, boundary: str) -> tuple[list[tuple[str, str]], list[Upload]]:
    malformed = InvalidInput("表单格式有误，请重新提交", {"body": ["表单无法解析"]})
    if not boundary:
        raise malformed
    decoder = MultipartDecoder(boundary.encode("latin-1", "replace"), max_parts=MAX_PARTS)
    decoder.receive_data(raw)
    decoder.receive_data(None)
    pairs, files, problems, part, chunks = [], [], {}, None, []
    try:
        while not isinstance(event := decoder.next_event(), Epilogue):
            if isinstance(event, (Field, File)):
                part, chunks = event, []
            elif isinstance(event, Data) and part is not None:
                chunks.append(event.data)
                if event.more_data:
                    continue
                name = part.name or ""
                if FORBIDDEN.search(name):
                    problems["body"] = [BAD_NAME]
                elif isinstance(part, File):
                    if FORBIDDEN.search(part.filename or ""):
                        problems[name] = ["文件名" + BAD_VALUE]
                    files.append(Upload(name, part.filename or "", part.headers.get("Content-Type", ""), b"".join(chunks)))
                else:
                    value = _text(b"".join(chunks))
                    if value is None:
                        problems[name] = [BAD_VALUE]
                    else:
                        pairs.append((name, value))
    except UnicodeDecodeError:  # a part's headers (its field name, its file name) are not UTF-8
        raise refused({"body": [BAD_NAME]}) from None
    except ValueError:  # not multipart as declared
        raise malformed from None
    if problems:
        raise refused(problems)
    return pairs, files


def _json(raw: bytes) -> Body:
    """Any other body is read as JSON; whether it had to be one is for the route (``http.json_body``)."""
    if not raw:
        return Body()
    try:
        document = json.loads(raw.decode("utf-8"))
    except RecursionError:
        return Body(raw=raw, json_error=InvalidInput("请求内容嵌套过深", {"body": ["nested too deeply"]}))
    except ValueError:  # UnicodeDecodeError included
        return Body(raw=raw, json_error=InvalidInput("请求体不是有效的 JSON", {"body": ["invalid JSON"]}))
    _check_json(document)
    return Body(raw=raw, json=document)
