"""People's accounts: the store (database ``<prefix>_gateway``) and what the bureau
and a user may do with them.

Collections:
- ``users``: one document per person, unique on ``login``. Passwords are kept only
  as argon2 hashes; no function here returns or logs them.
- ``audit``: append-only trail (logins, failed logins, lockouts, logouts, password
  and account changes). Each entry carries its ``month`` and ``kind_month`` so a page
  is read month by month with equality on an indexed field, never by a full sort.
- ``meta``: the first audit month (insert-guarded), where a listing stops walking back.
Sessions and login failures are in ``sessions.py``.
"""
import contextlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.gateway.sessions import SessionStore
from shared.areas import ABOVE_OFFICE, LEVEL_DIGITS, level_of
from shared.errors import InvalidInput, NotFound

HASHER = PasswordHasher()
MIN_PASSWORD = 8
TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"  # no look-alikes (0/O, 1/l/I)
PUBLIC = ("login", "name", "mobile", "email", "role", "office", "area", "districts", "active", "must_change_password",
          "created_at", "last_login_at")


def hash_password(password):
    return HASHER.hash(password)


DUMMY_HASH = hash_password(secrets.token_urlsafe(16))  # verified for unknown logins, so they take as long


def verify_password(password_hash, password):
    try:
        return HASHER.verify(password_hash or "", password)
    except (VerificationError, InvalidHashError):
        return False


def temporary_password():
    return "".join(secrets.choice(TEMP_ALPHABET) for _ in range(12))


def password_problems(user, new_password):
    """Why ``new_password`` is not acceptable for ``user`` (empty list: fine)."""
    problems = []
    if len(new_password) < MIN_PASSWORD:
        problems.append(f"密码至少 {MIN_PASSWORD} 位")
    if new_password.strip().lower() == user["login"].lower():
        problems.append("密码不能与登录名相同")
    if verify_password(user.get("password_hash"), new_password):
        problems.append("新密码不能与当前密码（或临时密码）相同")
    return problems


def user_out(doc):
    return {"id": doc["_id"], **{k: doc.get(k) for k in PUBLIC}}


PLACE_FIELDS = {level: "in_" + level for level in ABOVE_OFFICE}  # in_province, in_city, in_district (indexed)
PLACES_KEPT = "user_places"  # meta: every account carries its place fields


def place_of(doc, district_of):
    """The area an account lies in, as {in_province, in_city, in_district}: each the code shared by all the
    account's places at that level (an admin's area, an inspector's districts, an office's district from
    ``district_of(office)``), else None. So an area's accounts are one equality read on the field of its level."""
    role = doc.get("role")
    codes = [doc.get("area")] if role == "admin" else list(doc.get("districts") or []) if role == "inspector" else [
        district_of(doc["office"]) if doc.get("office") else None]
    codes = [str(c) for c in codes if c]
    out = {}
    for level, field in PLACE_FIELDS.items():
        digits = LEVEL_DIGITS[level]
        shared = {c[:digits] for c in codes if len(c) >= digits}
        out[field] = shared.pop() if codes and len(shared) == 1 and all(len(c) >= digits for c in codes) else None
    return out


def month_of(instant):
    return instant.strftime("%Y-%m")


def previous_month(month):
    year, mon = int(month[:4]), int(month[5:])
    return f"{year - 1:04d}-{12:02d}" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


class AccountStore:
    def __init__(self, db):
        self.db = db
        self.users = db.users
        self.audit_log = db.audit
        self.meta = db.meta
        self.sessions = SessionStore(db)

    def ensure_indexes(self):
        self.users.create_index([("login", ASCENDING)], unique=True, name="login")
        self.users.create_index([("role", ASCENDING)], name="role")
        self.users.create_index([("office", ASCENDING)], name="office")
        for field in PLACE_FIELDS.values():
            self.users.create_index([(field, ASCENDING)], name=field)
        self.audit_log.create_index([("month", ASCENDING)], name="month")
        self.audit_log.create_index([("kind_month", ASCENDING)], name="kind_month")
        self.sessions.ensure_indexes()

    # users
    def get(self, user_id):
        return self.users.find_one({"_id": user_id})

    def by_login(self, login):
        return self.users.find_one({"login": login})

    def insert(self, doc):
        try:
            self.users.insert_one(doc)
        except DuplicateKeyError:
            raise InvalidInput("登录名“{}”已被使用".format(doc["login"]), {"login": ["already exists"]}) from None
        return doc

    def set(self, user_id, fields):
        self.users.update_one({"_id": user_id}, {"$set": fields})
        return self.get(user_id)

    def find(self, role=None, office=None, limit=100, offset=0, area=None):
        """A page of users; office, role and ``area`` (the accounts lying in that area: equality on the indexed
        place field of its level, ``place_of``) are indexed equality filters, the result is sorted here (there
        are as many users as staff, not as centres)."""
        query = {"office": office} if office else ({"role": role} if role else {})
        if area:
            query[PLACE_FIELDS[level_of(area)]] = area
        docs = [d for d in self.users.find(query, {"password_hash": 0}) if not role or d["role"] == role]
        docs.sort(key=lambda d: (d["login"]))
        return docs[offset:offset + limit], len(docs)

    def place_once(self, district_of):
        """Once, for accounts made before they carried their place: every account gets its place fields (one pass
        over the accounts: staff, not centres); returns how many."""
        if self.meta.find_one({"_id": PLACES_KEPT}) is not None:
            return 0
        count = 0
        for doc in list(self.users.find({}, {"password_hash": 0})):
            self.users.update_one({"_id": doc["_id"]}, {"$set": place_of(doc, district_of)})
            count += 1
        with contextlib.suppress(DuplicateKeyError):
            self.meta.insert_one({"_id": PLACES_KEPT})
        return count

    # audit
    def audit(self, kind, actor, target, detail, now):
        month = month_of(now)
        with contextlib.suppress(DuplicateKeyError):
            self.meta.insert_one({"_id": "audit_first_month", "month": month})
        self.audit_log.insert_one({"at": now, "kind": kind, "actor": actor, "target": target, "detail": detail or {},
                                   "month": month, "kind_month": f"{kind}|{month}"})

    def audit_page(self, kind, limit, offset, now):
        """Newest first, read one month at a time back to the first audit month."""
        first = (self.meta.find_one({"_id": "audit_first_month"}) or {}).get("month")
        items, total, month = [], 0, month_of(now)
        while first and month >= first:
            query = {"kind_month": f"{kind}|{month}"} if kind else {"month": month}
            if len(items) < offset + limit:
                docs = sorted(self.audit_log.find(query), key=lambda d: (d["at"], str(d["_id"])), reverse=True)
                items.extend(docs)
                total += len(docs)
            else:
                total += len(list(self.audit_log.find(query, {"_id": 1})))
            month = previous_month(month)
        page = [{k: d.get(k) for k in ("at", "kind", "actor", "target", "detail")} for d in items[offset:offset + limit]]
        return page, total


# use cases: (store, ..., now) -> result; the caller records the audit entry and dispatches the event
def new_user(store, data, now, district_of=lambda office: None):
    """Create a user with a temporary password; returns (doc, temporary password). ``district_of(office)``: where
    an office lies (its account's place fields, ``place_of``)."""
    password = temporary_password()
    doc = {"_id": "u_" + secrets.token_hex(6), "login": data["login"], "name": data["name"],
           "mobile": data.get("mobile"), "email": data.get("email"), "role": data["role"],
           "office": data.get("office") if data["role"] == "office" else None, "active": True,
           "area": data.get("area") if data["role"] == "admin" else None,
           "districts": data.get("districts") if data["role"] == "inspector" else None,
           "must_change_password": True, "password_hash": hash_password(password), "created_at": now,
           "updated_at": now, "last_login_at": None}
    doc.update(place_of(doc, district_of))
    return store.insert(doc), password


def existing(store, user_id):
    doc = store.get(user_id)
    if doc is None:
        raise NotFound(f"账号“{user_id}”不存在", {"id": [user_id]})
    return doc


def change_user(store, user_id, changes, now, district_of=lambda office: None):
    current = existing(store, user_id)
    merged = {**current, **changes}
    if merged["role"] != "office":
        merged["office"] = None
    elif not merged.get("office"):
        raise InvalidInput("街道办事处账号必须填写所属街道办事处", {"office": ["required for role office"]})
    if merged["role"] != "admin":
        merged["area"] = None
    if merged["role"] != "inspector":
        merged["districts"] = None
    fields = {k: merged.get(k) for k in ("name", "mobile", "email", "role", "office", "area", "districts")}
    return store.set(user_id, {**fields, **place_of(fields, district_of), "updated_at": now})


def set_active(store, user_id, active, now):
    existing(store, user_id)
    doc = store.set(user_id, {"active": active, "updated_at": now})
    if not active:
        store.sessions.end_all(user_id)
    return doc


def reset_password(store, user_id, now):
    existing(store, user_id)
    password = temporary_password()
    doc = store.set(user_id, {"password_hash": hash_password(password), "must_change_password": True,
                              "updated_at": now})
    store.sessions.end_all(user_id)
    return doc, password


def change_password(store, user, current_password, new_password, now):
    if not verify_password(user.get("password_hash"), current_password):
        raise InvalidInput("当前密码不正确", {"current_password": ["wrong password"]})
    problems = password_problems(user, new_password)
    if problems:
        raise InvalidInput("新密码不符合要求：" + "；".join(problems), {"new_password": problems})
    return store.set(user["_id"], {"password_hash": hash_password(new_password), "must_change_password": False,
                                   "password_changed_at": now, "updated_at": now})
