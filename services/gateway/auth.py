"""Who is calling: a person with a session cookie, or a machine with a bearer token.

Bearer tokens carry a role: ``admin`` (district bureau), ``office`` (bound to one
sub-district office), ``inspector``. Only the SHA-256 of a token is stored, so a copy
of the database does not leak usable tokens; the plain token is shown once, when the
CLI creates it. Requests with a bearer token are exempt from CSRF checks.

A session (``sessions.py``) belongs to an account (``account_store.py``); state-changing
requests made with the cookie must carry the session's CSRF token, and an account
that still has its temporary password may only change it. What the caller may then
do is decided by ``shared.authz.authorize``: each route declares its action
(``@http(..., action=...)``) and ``authenticate`` applies it before the route runs.
"""
import hashlib
import secrets

from pymongo import ASCENDING

from services.gateway import boundary, sessions
from services.gateway.account_store import AccountStore
from shared.authz import ACTIONS, authorize
from shared.errors import CsrfFailed, PasswordChangeRequired, Unauthorized

PUBLIC = "public"  # a route anyone may call: no credentials are asked for
SESSION = "session"  # a person's own session (also while the temporary password must still be changed)
SIGNED_IN = "signed_in"  # any caller with credentials, a token or a session (also before the password change)


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

    def create(self, role, office, label, now, area=None):
        token = "cct_" + secrets.token_urlsafe(32)
        doc = {"_id": hash_token(token), "role": role, "office": office, "label": label or "",
               "prefix": token[:10], "created_at": now, "revoked": False, "area": area}
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


class Principal(dict):
    """The caller: ``role``, ``office`` (office role), ``name``; for a person also ``user_id``,
    ``login`` and the ``session`` document."""

    @property
    def role(self):
        return self["role"]

    def actor(self):
        actor = {"role": self["role"], "office": self.get("office"), "name": self.get("name") or ""}
        if self.get("area") or self.get("districts"):  # an account confined to an area (shared/authz.py)
            actor.update(area=self.get("area"), districts=self.get("districts"))
        return actor

    def label(self):
        """How the audit trail names the caller."""
        return self["login"] if self.get("login") else "token:" + (self.get("name") or "?")


def _from_token(tokens, header):
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("缺少访问令牌，请在 Authorization 头中提供 Bearer 令牌", {"Authorization": ["格式应为“Bearer 令牌”"]})
    doc = tokens.lookup(token.strip())
    if doc is None:
        raise Unauthorized("访问令牌无效或已吊销", {"Authorization": ["请向区文化主管部门申请新的令牌"]})
    return Principal(role=doc["role"], office=doc.get("office"), name=doc.get("label", ""), area=doc.get("area"),
                     token=doc.get("prefix"))


def _from_session(accounts, request, cookie, now, allow_pending):
    session = accounts.sessions.lookup(cookie, now)
    if session is None:
        raise Unauthorized("登录已过期或未登录，请重新登录", {"session": ["会话已结束"]})
    user = accounts.get(session["user_id"])
    if user is None or not user.get("active"):
        accounts.sessions.end(cookie)
        raise Unauthorized("账号已停用，请联系区文化主管部门", {"session": ["账号状态为停用"]})
    form_token = None
    if request.method.upper() in sessions.UNSAFE_METHODS:
        # the boundary keeps the token apart from the route's fields: it is the session's business
        form_token = boundary.body(request).transport.get(sessions.CSRF_FIELD)
    if not sessions.csrf_ok(session, request.method, request.headers.get(sessions.CSRF_HEADER), form_token):
        raise CsrfFailed("请求缺少有效的 CSRF 令牌，请刷新页面后重试", {sessions.CSRF_HEADER: ["缺少或不匹配"]})
    if user.get("must_change_password") and not allow_pending:
        raise PasswordChangeRequired("首次登录或密码已重置，请先修改密码", {"password": ["须先修改临时密码"]})
    public = {k: v for k, v in user.items() if k != "password_hash"}  # the principal never carries the hash
    return Principal(role=user["role"], office=user.get("office"), name=user["name"], user_id=user["_id"],
                     login=user["login"], session=session, user=public, area=user.get("area"),
                     districts=user.get("districts"))


def identify(tokens, accounts, request, now, allow_pending=False):
    """The Principal behind the request (bearer token first, then the session cookie), or Unauthorized."""
    header = request.headers.get("Authorization", "")
    if header:
        return _from_token(tokens, header)
    cookie = request.cookies.get(sessions.COOKIE)
    if cookie:
        return _from_session(accounts, request, cookie, now, allow_pending)
    raise Unauthorized("请先登录，或在 Authorization 头中提供 Bearer 令牌", {"Authorization": ["未提供登录会话或访问令牌"]})


def check_declared(action):
    """A route declares a row of ``shared.authz.ACTIONS``, ``PUBLIC`` or ``SESSION``; anything else is a bug."""
    if action not in ACTIONS and action not in (PUBLIC, SESSION, SIGNED_IN):
        raise ValueError(f"route action {action!r} is neither a row of shared.authz.ACTIONS nor PUBLIC, SESSION or SIGNED_IN")


def authenticate(tokens, now, request, action):
    """The caller of ``request`` to a route declared with ``action`` (not ``PUBLIC``), allowed to do it."""
    principal = identify(tokens, tokens.accounts, request, now, allow_pending=action in (SESSION, SIGNED_IN))
    if action == SIGNED_IN:
        return principal
    if action == SESSION:
        if "session" not in principal:
            raise Unauthorized("此操作需要登录会话（访问令牌没有会话）", {"session": ["请用登录名和密码登录"]})
        return principal
    return authorize(principal, action)
