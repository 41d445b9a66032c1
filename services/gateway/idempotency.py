"""``Idempotency-Key`` on every write route, implemented once for the gateway.

A client sends ``Idempotency-Key: <1..200 chars>`` (or the form field
``idempotency_key`` in a multipart form) and reuses it when it retries:

- first request: a ``pending`` record is inserted (``_id`` = hash of the caller — a
  person's user id, the same across their sessions, else the credential — and the key,
  so the insert is the guard, on FerretDB and MongoDB alike), the route runs, and its
  answer (status, body) is stored;
- same key, same method, path and body: the stored answer is replayed, nothing new
  is stored; while the first is still running, the retry waits for its answer and replays it
  (a retry whose first attempt was stored never gets a 409: an outbox resending after a
  dropped connection gets the stored result);
- same key, another body: 409 ``idempotency_conflict``.

Answers >= 500 (and 401/403/429, which say nothing about the write) are not
stored: the record is dropped so a retry runs again. A record left ``pending`` by a
gateway crash is taken over after ``LEASE_SECONDS`` (the waiting retry runs it again). Either way the retry carries
the same request id (``services.gateway.http.request_id``), so the service that
already applied the write recognises it (milestones and monthly reports: ``request_id`` on
the revision; inspections: on the inspection and on a rectification submission's revision).
"""
import hashlib
import logging
import time
from datetime import UTC, datetime, timedelta

from bson.binary import Binary
from nameko.extensions import SharedExtension
from pymongo.errors import DuplicateKeyError
from werkzeug.wrappers import Response

from services.gateway import boundary
from shared import pgindex
from shared.errors import Conflict, InvalidInput
from shared.mongo import connect

log = logging.getLogger(__name__)
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
NOT_STORED = (401, 403, 429)
LEASE_SECONDS = 30
POLL_SECONDS = 0.25  # how often a retry waiting on its first attempt looks at the record
KEEP_SECONDS = 7 * 24 * 3600
REQUEST_ID = "cctrack.request_id"


def key_of(request):
    key = request.headers.get(HEADER)
    if key is None and request.mimetype == "multipart/form-data":
        key = boundary.body(request).transport.get(FORM_FIELD)
    if key is None:
        return None
    if not 1 <= len(key) <= 200:
        raise InvalidInput("Idempotency-Key 长度必须在 1 到 200 个字符之间", {HEADER: ["1..200 characters"]})
    return key


def body_hash(request):
    """Hash of what the request asks for: method, path, query and body (multipart: fields and file
    contents, not the boundary, which changes on every retry)."""
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode("utf-8") + b"\0")
    body = boundary.body(request)
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(body.fields):  # the transport's fields (this key, the CSRF token) are apart
            digest.update(f"{name}={value}\0".encode())
        for upload in sorted(body.files, key=lambda u: (u.field, u.filename)):
            digest.update(f"{upload.field}:{upload.filename}:{upload.content_type}\0".encode())
            digest.update(hashlib.sha256(upload.content).digest())
    else:
        digest.update(body.raw)
    return digest.hexdigest()


def caller_of(principal):
    """Whose key it is: a person (the same across their sessions, so a write resent after a new login is
    recognised), else None (a token: its credential)."""
    user_id = principal.get("user_id") if principal else None
    return f"user:{user_id}" if user_id else None


def record_id(request, key, caller=None):
    caller = caller or request.headers.get("Authorization") or request.cookies.get("cctrack_session") or ""
    return hashlib.sha256(f"{caller}\0{key}".encode()).hexdigest()


class KeyStore:
    """The ``idempotency_keys`` collection of the gateway's database."""

    def __init__(self, collection):
        self.keys = collection

    def ensure_indexes(self):
        self.keys.create_index("day", name="day")  # the gateway's sweep deletes whole days (expiry.py)

    def begin(self, rid, digest, now):
        """None when this request is the first; else the existing record."""
        try:
            self.keys.insert_one({"_id": rid, "hash": digest, "state": "pending", "created_at": now, "started_at": now,
                                  "day": now.date().isoformat()})
            return None
        except DuplicateKeyError:
            return self.keys.find_one({"_id": rid})

    def get(self, rid):
        return self.keys.find_one({"_id": rid})

    def take_over(self, rid, now):
        self.keys.update_one({"_id": rid, "state": "pending"}, {"$set": {"started_at": now}})

    def finish(self, rid, response):
        self.keys.update_one({"_id": rid}, {"$set": {
            "state": "done", "status": response.status_code, "content_type": response.content_type,
            "body": Binary(response.get_data())}})

    def drop(self, rid):
        self.keys.delete_one({"_id": rid})


def decide(existing, digest, now, lease=LEASE_SECONDS):
    """What to do with a request whose key is already recorded: ("replay" | "run" | "take_over" | "wait" | raise)."""
    if existing is None:
        return "run"
    if existing["hash"] != digest:
        raise Conflict("此 Idempotency-Key 已用于另一个请求；新的请求请使用新的键",
                       {HEADER: ["used with a different request body"]}).with_code("idempotency_conflict")
    if existing["state"] == "done":
        return "replay"
    started = existing.get("started_at") or existing.get("created_at")
    if started is None or now - started > timedelta(seconds=lease):
        return "take_over"  # its first run was cut off (gateway crash): run again, same request id
    return "wait"  # its first run is still going (or its gateway died moments ago): wait for its answer


def _now():
    return datetime.now(UTC)


def settle(store, rid, digest, existing, waiting=(_now, time.sleep)):
    """(action, record) once a retry has waited for its first attempt: "replay" its stored answer, or
    "take_over" when the first attempt's lease ran out (its gateway died), or "run" when the record went
    (the first attempt failed with an answer that is not kept)."""
    clock, sleep = waiting
    action = decide(existing, digest, clock())
    while action == "wait":
        sleep(POLL_SECONDS)
        existing = store.get(rid)
        if existing is None:
            existing = store.begin(rid, digest, clock())
        action = decide(existing, digest, clock())
    return action, existing


class IdempotencyKeys(SharedExtension):
    def __init__(self):
        super().__init__()
        self.client = None
        self.store = None

    def setup(self):
        self.client, db = connect(self.container.service_name)
        self.store = KeyStore(db.idempotency_keys)

    def start(self):
        self.store.ensure_indexes()
        pgindex.provision(self.store)

    def stop(self):
        if self.client is not None:
            self.client.close()
            self.client = None

    kill = stop

    def handle(self, request, proceed, caller=None):
        if request.method not in WRITE_METHODS:
            return proceed(request)
        key = key_of(request)
        if key is None:
            return proceed(request)
        rid, digest, now = record_id(request, key, caller), body_hash(request), datetime.now(UTC)
        request.environ[REQUEST_ID] = rid
        existing = self.store.begin(rid, digest, now)
        action, existing = settle(self.store, rid, digest, existing)
        if action == "replay":
            return Response(bytes(existing["body"]), status=existing["status"], content_type=existing["content_type"],
                            headers={"Idempotent-Replayed": "true"})
        if action == "take_over":
            self.store.take_over(rid, datetime.now(UTC))
        response = proceed(request)
        try:
            if response.status_code >= 500 or response.status_code in NOT_STORED or \
                    "no-store" in (response.headers.get("Cache-Control") or ""):  # secrets (temporary passwords) are never kept
                self.store.drop(rid)
            else:
                self.store.finish(rid, response)
        except Exception:  # the answer stands; a retry simply runs again and is recognised by its request id
            log.exception("could not record the outcome of idempotency key %s", rid[:12])
        return response
