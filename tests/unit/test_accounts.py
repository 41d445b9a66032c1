"""Accounts, passwords, sessions, CSRF and the lockout window, on mongomock (no broker, no real store)."""
from datetime import UTC, datetime, timedelta

import mongomock
import pytest

from services.gateway import account_store, sessions
from services.gateway.account_store import AccountStore
from services.gateway.sessions import LOCK, csrf_ok, expired, lock_state, needs_touch
from shared.errors import InvalidInput, NotFound

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def store():
    s = AccountStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    return s


def make_user(store, login="fql01", role="office", office="丰庆路街道", now=T0):
    return account_store.new_user(store, {"login": login, "name": "张三", "role": role, "office": office,
                                     "email": "a@example.cn", "mobile": None}, now)


# passwords
def test_argon2_hash_verifies_only_the_password():
    hashed = account_store.hash_password("Qiyue-2017")
    assert hashed.startswith("$argon2") and "Qiyue-2017" not in hashed
    assert account_store.verify_password(hashed, "Qiyue-2017")
    assert not account_store.verify_password(hashed, "qiyue-2017")
    assert not account_store.verify_password("not a hash", "x") and not account_store.verify_password(None, "x")


def test_temporary_passwords_are_random_and_must_be_changed(store):
    user, password = make_user(store)
    other, password2 = make_user(store, login="fql02")
    assert password != password2 and len(password) == 12
    assert user["must_change_password"] and account_store.verify_password(user["password_hash"], password)
    assert "password_hash" not in account_store.user_out(user)


def test_password_policy(store):
    user, temporary = make_user(store)
    assert account_store.password_problems(user, "short") == ["密码至少 8 位"]
    assert account_store.password_problems(user, "FQL01") == ["密码至少 8 位", "密码不能与登录名相同"]
    assert account_store.password_problems(user, temporary) == ["新密码不能与当前密码（或临时密码）相同"]
    assert account_store.password_problems(user, "Qiyue-2017") == []


def test_change_password_needs_the_current_one_and_clears_the_flag(store):
    user, temporary = make_user(store)
    with pytest.raises(InvalidInput):
        account_store.change_password(store, user, "wrong", "Qiyue-2017", T0)
    with pytest.raises(InvalidInput):
        account_store.change_password(store, user, temporary, temporary, T0)
    changed = account_store.change_password(store, user, temporary, "Qiyue-2017", T0)
    assert changed["must_change_password"] is False and account_store.verify_password(changed["password_hash"], "Qiyue-2017")


def test_logins_are_unique_and_office_follows_role(store):
    make_user(store)
    with pytest.raises(InvalidInput):
        make_user(store)
    user, _ = make_user(store, login="insp", role="inspector", office=None)
    moved = account_store.change_user(store, user["_id"], {"role": "office", "office": "国基路街道"}, T0)
    assert moved["office"] == "国基路街道"
    assert account_store.change_user(store, user["_id"], {"role": "admin"}, T0)["office"] is None
    with pytest.raises(InvalidInput):
        account_store.change_user(store, user["_id"], {"role": "office", "office": None}, T0)
    with pytest.raises(NotFound):
        account_store.change_user(store, "u_missing", {"name": "x"}, T0)


def test_disable_and_reset_end_every_session(store):
    user, _ = make_user(store)
    cookie1, _ = store.sessions.start(user["_id"], T0)
    cookie2, _ = store.sessions.start(user["_id"], T0)
    account_store.set_active(store, user["_id"], False, T0)
    assert store.sessions.lookup(cookie1, T0) is None and store.sessions.lookup(cookie2, T0) is None
    account_store.set_active(store, user["_id"], True, T0)
    cookie3, _ = store.sessions.start(user["_id"], T0)
    doc, temporary = account_store.reset_password(store, user["_id"], T0)
    assert doc["must_change_password"] and account_store.verify_password(doc["password_hash"], temporary)
    assert store.sessions.lookup(cookie3, T0) is None


# sessions
def test_only_the_hash_of_the_session_id_is_stored(store):
    cookie, doc = store.sessions.start("u_1", T0)
    assert doc["_id"] == sessions.hash_id(cookie) != cookie
    assert store.sessions.sessions.find_one({"_id": cookie}) is None
    assert store.sessions.lookup(cookie, T0)["user_id"] == "u_1"
    assert store.sessions.lookup("forged", T0) is None and store.sessions.lookup("", T0) is None


def test_session_expires_after_inactivity_and_last_seen_moves_at_most_once_a_minute(store):
    idle = timedelta(minutes=30)
    session = {"last_seen": T0}
    assert not expired(session, T0 + idle, idle) and expired(session, T0 + idle + timedelta(seconds=1), idle)
    assert not needs_touch(session, T0 + timedelta(seconds=59)) and needs_touch(session, T0 + timedelta(minutes=1))
    cookie, _ = store.sessions.start("u_1", T0)
    store.sessions.lookup(cookie, T0 + timedelta(seconds=30))
    assert store.sessions.sessions.find_one()["last_seen"].replace(tzinfo=UTC) == T0
    store.sessions.lookup(cookie, T0 + timedelta(minutes=20))  # touched: the idle time restarts
    assert store.sessions.lookup(cookie, T0 + timedelta(minutes=45)) is not None
    assert store.sessions.lookup(cookie, T0 + timedelta(minutes=80)) is None
    assert store.sessions.sessions.count_documents({}) == 0  # the expired session is removed


def test_csrf_check():
    session = {"csrf_token": "tok-123"}
    assert csrf_ok(session, "GET", None)  # reading needs no token
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert not csrf_ok(session, method, None)
        assert not csrf_ok(session, method, "tok-124")
        assert csrf_ok(session, method, "tok-123")
    assert csrf_ok(session, "POST", None, form_token="tok-123")  # multipart forms carry it as a field


# lockout
def test_lock_after_five_failures_within_fifteen_minutes():
    times = [T0 + timedelta(minutes=m) for m in (0, 1, 2, 3)]
    assert lock_state(times, T0 + timedelta(minutes=4)) is None
    times.append(T0 + timedelta(minutes=4))
    assert lock_state(times, T0 + timedelta(minutes=4)) == T0 + timedelta(minutes=4) + LOCK
    assert lock_state(times, T0 + timedelta(minutes=19)) is None  # the lock lasts 15 minutes


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock():
    times = [T0 + timedelta(minutes=m) for m in (0, 4, 8, 12, 16, 20)]
    assert lock_state(times, T0 + timedelta(minutes=20)) is None


def test_failures_racing_inside_a_lock_do_not_extend_it_and_counting_restarts_after():
    times = [T0 + timedelta(seconds=s) for s in (0, 1, 2, 3, 4, 5, 6)]  # 6th and 7th raced the lock
    assert lock_state(times, T0 + timedelta(minutes=10)) == T0 + timedelta(seconds=4) + LOCK
    after = T0 + timedelta(seconds=4) + LOCK
    assert lock_state(times + [after + timedelta(seconds=1)], after + timedelta(seconds=1)) is None


def test_record_failure_takes_distinct_slots_under_concurrency(store):
    key = f"fql01|{sessions.bucket_of(T0)}"
    # A concurrent attempt took slot 2 while one failure was counted: each insert finds slot 2 (then 3, 4)
    # taken and moves on, so no failure is lost.
    store.sessions.failures.insert_one({"_id": key + "|2", "key": key, "login": "fql01", "at": T0})
    for n in range(3):
        assert store.sessions.record_failure("fql01", T0 + timedelta(seconds=n)) is None
    ids = sorted(d["_id"] for d in store.sessions.failures.find({"key": key}))
    assert ids == [key + f"|{n}" for n in (2, 3, 4, 5)]
    locked = store.sessions.record_failure("fql01", T0 + timedelta(seconds=10))
    assert locked == T0 + timedelta(seconds=10) + LOCK
    assert store.sessions.locked_until("fql01", T0 + timedelta(minutes=5)) == locked
    assert store.sessions.locked_until("other", T0) is None


def test_a_successful_login_starts_the_count_again(store):
    for s in range(4):
        store.sessions.record_failure("fql01", T0 + timedelta(seconds=s))
    store.sessions.clear_failures("fql01", T0 + timedelta(seconds=5))
    assert store.sessions.record_failure("fql01", T0 + timedelta(seconds=6)) is None
    assert len(store.sessions.recent_failures("fql01", T0 + timedelta(seconds=6))) == 1


def test_starting_a_session_removes_the_users_expired_ones(store):
    old, _ = store.sessions.start("u_1", T0)
    store.sessions.start("u_1", T0 + timedelta(hours=2))
    assert store.sessions.sessions.count_documents({"user_id": "u_1"}) == 1
    assert store.sessions.sessions.find_one({"_id": sessions.hash_id(old)}) is None


def test_lock_spans_bucket_boundaries(store):
    edge = datetime.fromtimestamp((sessions.bucket_of(T0) + 1) * sessions.BUCKET_SECONDS, UTC)
    for s in (-120, -60, -30, 10):
        store.sessions.record_failure("fql01", edge + timedelta(seconds=s))
    assert store.sessions.record_failure("fql01", edge + timedelta(seconds=20)) == edge + timedelta(seconds=20) + LOCK


# audit
def test_audit_pages_newest_first_across_months(store):
    for day, kind in ((1, "login"), (2, "login_failed"), (40, "login"), (41, "lockout"), (70, "login")):
        store.audit(kind, "fql01", "fql01", {"n": day}, T0 + timedelta(days=day))
    now = T0 + timedelta(days=71)
    page, total = store.audit_page(None, 2, 0, now)
    assert total == 5 and [e["detail"]["n"] for e in page] == [70, 41]
    page, total = store.audit_page(None, 10, 3, now)
    assert [e["detail"]["n"] for e in page] == [2, 1]
    page, total = store.audit_page("login", 10, 0, now)
    assert total == 3 and [e["detail"]["n"] for e in page] == [70, 40, 1]
    page, total = store.audit_page("login", 10, 0, T0)  # read from T0's month backwards only
    assert total == 1 and [e["detail"]["n"] for e in page] == [1]


def test_audit_without_entries_is_empty(store):
    assert store.audit_page(None, 10, 0, T0) == ([], 0)
