"""Expiry of idempotency keys, login failures and idle sessions, day by day (services/gateway/expiry.py)."""
from datetime import UTC, datetime, timedelta

import mongomock

from services.gateway import expiry
from services.gateway.idempotency import KEEP_SECONDS, KeyStore
from services.gateway.sessions import SessionStore

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
IDLE = timedelta(minutes=30)


def _db():
    return mongomock.MongoClient(tz_aware=True).db


def test_records_carry_their_day():
    db = _db()
    KeyStore(db.idempotency_keys).begin("k1", "h", NOW)
    store = SessionStore(db)
    store.record_failure("alice", NOW)
    cookie, _ = store.start("u1", NOW)
    assert db.idempotency_keys.find_one({"_id": "k1"})["day"] == "2026-11-24"
    assert db.login_failures.find_one({"login": "alice"})["day"] == "2026-11-24"
    later = NOW + timedelta(days=1, minutes=2)
    store.lookup(cookie, NOW + timedelta(minutes=2))
    assert db.sessions.find_one({})["day"] == "2026-11-24"
    db.sessions.update_one({}, {"$set": {"last_seen": later - timedelta(minutes=2)}})
    store.lookup(cookie, later)
    assert db.sessions.find_one({})["day"] == "2026-11-25"


def test_sweep_deletes_only_expired_days_and_remembers_where_it_stopped():
    db = _db()
    for days_ago in (0, 1, 2, 7, 8, 9, 30, 59, 61):
        day = (NOW - timedelta(days=days_ago)).date().isoformat()
        for name in ("idempotency_keys", "login_failures", "sessions"):
            db[name].insert_one({"_id": f"{name}-{days_ago}", "day": day})
    deleted = expiry.sweep(db, NOW, IDLE, KEEP_SECONDS)
    left = {name: sorted(int(d["_id"].rsplit("-", 1)[1]) for d in db[name].find({}))
            for name in ("idempotency_keys", "login_failures", "sessions")}
    # keys live 7 days; failures one full day; sessions go once the whole day lies beyond the idle limit;
    # the first sweep looks back 60 days, so the 61-day-old records are left (older than any sweep)
    assert left == {"idempotency_keys": [0, 1, 2, 7, 61], "login_failures": [0, 1, 61], "sessions": [0, 61]}
    assert deleted == {"idempotency_keys": 4, "login_failures": 6, "sessions": 7}
    assert expiry.sweep(db, NOW, IDLE, KEEP_SECONDS) == {"idempotency_keys": 0, "login_failures": 0, "sessions": 0}
    # the next day, the next day goes, and nothing is read twice
    tomorrow = NOW + timedelta(days=1)
    assert expiry.sweep(db, tomorrow, IDLE, KEEP_SECONDS) == {"idempotency_keys": 1, "login_failures": 1, "sessions": 1}
    assert db.meta.find_one({"_id": "expiry"})["through"]["sessions"] == (tomorrow.date() - timedelta(days=1)).isoformat()


def test_a_live_session_is_never_swept():
    db = _db()
    store = SessionStore(db)
    cookie, _ = store.start("u1", NOW - timedelta(minutes=10))
    expiry.sweep(db, NOW, IDLE, KEEP_SECONDS)
    assert store.lookup(cookie, NOW) is not None
