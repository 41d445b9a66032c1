"""Server-side sessions, CSRF tokens and the login lockout.

Sessions (collection ``sessions``): the cookie holds a random id; the store keeps
only its SHA-256 as ``_id``, with the user, the CSRF token and ``last_seen``. A
session ends after ``SESSION_IDLE_MINUTES`` without a request; ``last_seen`` is
written at most once a minute, not on every request.

Lockout (collection ``login_failures``): FerretDB has no atomic counter, so each
failed attempt INSERTS one document into a numbered slot of its 15-minute bucket,
``<login>|<bucket>|<n>``; the unique ``_id`` makes concurrent failures take distinct
slots. The failures of the last three buckets (equality on the indexed ``key``)
decide whether the login is locked: 5 failures within 15 minutes lock it for 15
minutes; failures during a lock do not count (the login refuses without checking).
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from shared.settings import settings

COOKIE = "cctrack_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
MAX_FAILURES = 5
LOCK = timedelta(minutes=15)
BUCKET_SECONDS = int(LOCK.total_seconds())
MAX_SLOTS = 50  # per login and bucket: more is impossible without a lock (only racing attempts exceed 5)
TOUCH_EVERY = timedelta(minutes=1)


def idle_limit():
    return timedelta(minutes=settings().session_idle_minutes)


def cookie_secure():
    return settings().session_cookie_secure


def hash_id(session_id):
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def expired(session, now, idle):
    return now - session["last_seen"] > idle


def needs_touch(session, now):
    return now - session["last_seen"] >= TOUCH_EVERY


def csrf_ok(session, method, header_token, form_token=None):
    """A state-changing request made with the cookie must echo the session's CSRF token."""
    if method.upper() not in UNSAFE_METHODS:
        return True
    given = header_token or form_token or ""
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), session["csrf_token"].encode("utf-8"))


def bucket_of(instant):
    return int(instant.timestamp()) // BUCKET_SECONDS


def lock_state(failure_times, now):
    """``locked_until`` (or None) from the failure instants of the last 30 minutes.

    Walks the failures in order: 5 within 15 minutes start a lock of 15 minutes from the
    5th; failures inside a lock (racing attempts) are ignored; after a lock, counting restarts.
    """
    window, locked_until = [], None
    for at in sorted(failure_times):
        if locked_until is not None:
            if at < locked_until:
                continue
            locked_until = None
        window = [t for t in window if at - t < LOCK] + [at]
        if len(window) >= MAX_FAILURES:
            locked_until, window = at + LOCK, []
    return locked_until if locked_until is not None and locked_until > now else None


class SessionStore:
    def __init__(self, db):
        self.sessions = db.sessions
        self.failures = db.login_failures

    def ensure_indexes(self):
        self.sessions.create_index([("user_id", ASCENDING)], name="user_id")
        self.failures.create_index([("key", ASCENDING)], name="key")
        for collection in (self.sessions, self.failures):  # the gateway's sweep deletes whole days (expiry.py)
            collection.create_index([("day", ASCENDING)], name="day")

    # sessions
    def start(self, user_id, now):
        """A new session; returns (cookie value, session document). The user's expired sessions are removed."""
        idle = idle_limit()
        for old in self.sessions.find({"user_id": user_id}, {"last_seen": 1}):
            if expired(old, now, idle):
                self.sessions.delete_one({"_id": old["_id"]})
        session_id = secrets.token_urlsafe(32)
        doc = {"_id": hash_id(session_id), "user_id": user_id, "csrf_token": secrets.token_urlsafe(32),
               "created_at": now, "last_seen": now, "day": now.date().isoformat()}
        self.sessions.insert_one(doc)
        return session_id, doc

    def lookup(self, session_id, now):
        """The live session for a cookie value, or None (an expired one is removed)."""
        if not session_id:
            return None
        doc = self.sessions.find_one({"_id": hash_id(session_id)})
        if doc is None:
            return None
        if expired(doc, now, idle_limit()):
            self.sessions.delete_one({"_id": doc["_id"]})
            return None
        if needs_touch(doc, now):
            self.sessions.update_one({"_id": doc["_id"]}, {"$set": {"last_seen": now, "day": now.date().isoformat()}})
        return doc

    def end(self, session_id):
        self.sessions.delete_one({"_id": hash_id(session_id)})

    def end_all(self, user_id):
        return self.sessions.delete_many({"user_id": user_id}).deleted_count

    # lockout
    def recent_failures(self, login, now):
        bucket = bucket_of(now)
        times = []
        for b in (bucket - 2, bucket - 1, bucket):
            times.extend(d["at"] for d in self.failures.find({"key": f"{login}|{b}"}).limit(MAX_SLOTS))
        return times

    def locked_until(self, login, now):
        return lock_state(self.recent_failures(login, now), now)

    def clear_failures(self, login, now):
        """After a successful login the count starts again."""
        bucket = bucket_of(now)
        for b in (bucket - 2, bucket - 1, bucket):
            self.failures.delete_many({"key": f"{login}|{b}"})

    def record_failure(self, login, now):
        """Insert this failure in the first free slot of its bucket; returns ``locked_until`` after it."""
        key = f"{login}|{bucket_of(now)}"
        slot = len(list(self.failures.find({"key": key}, {"_id": 1}).limit(MAX_SLOTS))) + 1
        while slot <= MAX_SLOTS:
            try:
                self.failures.insert_one({"_id": f"{key}|{slot}", "key": key, "login": login, "at": now,
                                          "day": now.date().isoformat()})
                break
            except DuplicateKeyError:
                slot += 1  # a concurrent failure took this slot: take the next one
        return self.locked_until(login, now)
