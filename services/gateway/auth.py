"""Bearer tokens with a role: ``admin`` (district bureau), ``office`` (bound to one
sub-district office), ``inspector``.

Only the SHA-256 of a token is stored, so a copy of the database does not leak
usable tokens; the plain token is shown once, when the CLI creates it.
"""
import hashlib
import secrets

from pymongo import ASCENDING

from shared.errors import Forbidden, Unauthorized

ROLE_NAMES = {"admin": "区级管理员", "office": "街道办事处", "inspector": "验收人员"}


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    def __init__(self, db):
        self.db = db
        self.tokens = db.tokens

    def ensure_indexes(self):
        self.tokens.create_index([("role", ASCENDING)], name="role")

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
    """The caller: ``role``, ``office`` (for office tokens) and ``name`` (token label)."""

    @property
    def role(self):
        return self["role"]

    def actor(self):
        return {"role": self["role"], "office": self.get("office"), "name": self.get("name") or ""}


def identify(store, request):
    """The Principal behind the request's bearer token, or Unauthorized."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("缺少访问令牌，请在 Authorization 头中提供 Bearer 令牌", {"Authorization": ["missing bearer token"]})
    doc = store.lookup(token.strip())
    if doc is None:
        raise Unauthorized("访问令牌无效或已吊销", {"Authorization": ["invalid or revoked token"]})
    return Principal(role=doc["role"], office=doc.get("office"), name=doc.get("label", ""))


def require(store, request, *roles):
    """Like ``identify``, and Forbidden unless the caller has one of ``roles``."""
    principal = identify(store, request)
    if roles and principal.role not in roles:
        raise Forbidden("当前角色（{}）无权执行此操作".format(ROLE_NAMES.get(principal.role, principal.role)),
                        {"role": ["requires one of: " + ", ".join(roles)]})
    return principal
