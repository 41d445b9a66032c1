"""Who is calling: a person with a session cookie, or a machine with a bearer token.

Bearer tokens carry a role: ``admin`` (district bureau), ``office`` (bound to one
sub-district office), ``inspector``. Only the SHA-256 of a token is stored, so a copy
of the database does not leak usable tokens; the plain token is shown once, when the
CLI creates it. Requests with a bearer token are exempt from CSRF checks.

A session (``sessions.py``) belongs to an account (``accounts.py``); state-changing
requests made with the cookie must carry the session's CSRF token, and an account
that still has its temporary password may only change it. What the caller may then
do is decided by ``policy.authorize``.
"""
import hashlib
import secrets

from pymongo import ASCENDING

from services.gateway import boundary, policy, sessions
from services.gateway.accounts import AccountStore
from shared.errors import CsrfFailed, PasswordChangeRequired, Unauthorized


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """Bearer tokens; ``accounts`` is the account store on the same database (people, sessions, audit)."""

    def __init__(self, db):
        self.db = db
        self.tokens = db.tokens
        self.accounts = AccountStore(db)

    def ensure_indexes(self):
        self.tokens.create_index([("role", ASCENDING)], name="role")
        self.accounts.ensure_indexes()

    def create(self, role, office, label, now):
        token = "cct_" + secrets.token_urlsafe(32)
        doc = {"_id": hash_token(token), "role": role, "office": office, "label": label or "",
               "prefix": token[:10], "created_at": now, "revoked": False}
        self.tokens.insert_one(doc)
        return token, doc

    def lookup(self, token):
        doc = self.tokens.find_one({"_id": hash_token(token)})
        if doc is None or doc.get("revoked"):
            return None
        return doc

    def list(self):
        return [{k: v for k, v in d.items() if k != "_id"} for d in self.tokens.find({}).sort([("created_at", ASCENDING)])]

    def revoke(self, prefix):
        return self.tokens.update_many({"prefix": prefix}, {"$set": {"revoked": True}}).modified_count

    def ping(self):
        self.tokens.database.command("ping")


class Principal(dict):
    """The caller: ``role``, ``office`` (office role), ``name``; for a person also ``user_id``,
    ``login`` and the ``session`` document."""

    @property
    def role(self):
        return self["role"]

    def actor(self):
        return {"role": self["role"], "office": self.get("office"), "name": self.get("name") or ""}

    def label(self):
        """How the audit trail names the caller."""
        return self["login"] if self.get("login") else "token:" + (self.get("name") or "?")


def _from_token(tokens, header):
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("缺少访问令牌，请在 Authorization 头中提供 Bearer 令牌", {"Authorization": ["missing bearer token"]})
    doc = tokens.lookup(token.strip())
    if doc is None:
        raise Unauthorized("访问令牌无效或已吊销", {"Authorization": ["invalid or revoked token"]})
    return Principal(role=doc["role"], office=doc.get("office"), name=doc.get("label", ""))


def _from_session(accounts, request, cookie, now, allow_pending):
    session = accounts.sessions.lookup(cookie, now)
    if session is None:
        raise Unauthorized("登录已过期或未登录，请重新登录", {"session": ["missing or expired session"]})
    user = accounts.get(session["user_id"])
    if user is None or not user.get("active"):
        accounts.sessions.end(cookie)
        raise Unauthorized("账号已停用，请联系区文化主管部门", {"session": ["account disabled"]})
    form_token = None
    if request.method.upper() in sessions.UNSAFE_METHODS:
        # the boundary keeps the token apart from the route's fields: it is the session's business
        form_token = boundary.body(request).transport.get(sessions.CSRF_FIELD)
    if not sessions.csrf_ok(session, request.method, request.headers.get(sessions.CSRF_HEADER), form_token):
        raise CsrfFailed("请求缺少有效的 CSRF 令牌，请刷新页面后重试", {sessions.CSRF_HEADER: ["missing or wrong"]})
    if user.get("must_change_password") and not allow_pending:
        raise PasswordChangeRequired("首次登录或密码已重置，请先修改密码", {"password": ["change required"]})
    public = {k: v for k, v in user.items() if k != "password_hash"}  # the principal never carries the hash
    return Principal(role=user["role"], office=user.get("office"), name=user["name"], user_id=user["_id"],
                     login=user["login"], session=session, user=public)


def identify(tokens, accounts, request, now, allow_pending=False):
    """The Principal behind the request (bearer token first, then the session cookie), or Unauthorized."""
    header = request.headers.get("Authorization", "")
    if header:
        return _from_token(tokens, header)
    cookie = request.cookies.get(sessions.COOKIE)
    if cookie:
        return _from_session(accounts, request, cookie, now, allow_pending)
    raise Unauthorized("请先登录，或在 Authorization 头中提供 Bearer 令牌", {"Authorization": ["missing credentials"]})


def authorized(service, request, action=None, office=None, allow_pending=False):
    """The caller of ``request`` to ``service`` (the gateway), allowed to do ``action`` (on ``office``'s data)."""
    principal = identify(service.tokens, service.tokens.accounts, request, service.clock.now(), allow_pending)
    if action is not None:
        policy.authorize(principal, action, office)
    return principal

