"""Login sessions, the people's accounts and the audit trail (contract: notes "Session and accounts").

The bureau manages accounts over HTTP and with ``cctrack users ...`` (the RPCs at the
end); every change is audited and announced as ``account_changed`` so the
notifications service keeps the person as a recipient.
"""
from nameko.events import EventDispatcher
from nameko.rpc import ServiceRpc, rpc

from services.gateway import account_store, sessions
from services.gateway.area_scope import area_names
from services.gateway.auth import PUBLIC, SESSION
from services.gateway.http import http, json_body, json_response, query_dict
from services.gateway.openapi import document
from shared import events as ev
from shared.areas import LEVEL_NAMES, level_of
from shared.authz import AREA_REFUSED, area_scope, authorize, in_scope, permissions
from shared.errors import EXPECTED, AccountDisabled, Forbidden, InvalidInput, Locked, NotFound, Unauthorized
from shared.schemas.accounts import (
    AccountChangedSchema,
    AuditPageSchema,
    AuditQuerySchema,
    CreatedUserSchema,
    LoginSchema,
    PasswordChangeSchema,
    SessionSchema,
    UserChangeSchema,
    UserCreateSchema,
    UserFilterSchema,
    UserPageSchema,
    UserSchema,
)
from shared.schemas.common import load_or_raise

TAG = "accounts"
NO_STORE = {"Cache-Control": "no-store"}  # answers with a secret: no cache, no idempotency record
ADMIN = ("admin",)
document("/api/session", "post", "用户名密码登录：设置 HttpOnly 会话 Cookie，返回用户和 CSRF 令牌；连续失败 5 次锁定 15 分钟（429）",
         tag=TAG, body=LoginSchema, response=SessionSchema, errors=(400, 401, 403, 429))
document("/api/session", "get", "当前登录用户（含权限列表）和 CSRF 令牌", tag=TAG, response=SessionSchema, errors=(401,))
document("/api/session", "delete", "退出登录（需 X-CSRF-Token）", tag=TAG, errors=(401, 403))
document("/api/session/password", "post", "修改自己的密码（至少 8 位，不能与登录名或当前密码相同；需 X-CSRF-Token）",
         tag=TAG, body=PasswordChangeSchema, response=SessionSchema, errors=(400, 401, 403))
document("/api/users", "get", "账号列表（可按角色、街道筛选，分页；辖区账号只列本辖区的账号；每个账号附所属区划名称）", tag=TAG,
         roles=ADMIN, query=UserFilterSchema,
         response=UserPageSchema)
document("/api/users", "post", "新建账号，返回一次性临时密码（首次登录须修改）", tag=TAG, roles=ADMIN,
         body=UserCreateSchema, response=CreatedUserSchema, status=201)
document("/api/users/{user_id}", "patch", "修改账号（姓名、手机、邮箱、角色、街道）", tag=TAG, roles=ADMIN,
         body=UserChangeSchema, response=UserSchema)
for _path, _text in (("disable", "停用账号（结束其所有会话）"), ("enable", "启用账号"),
                     ("reset-password", "重置密码：返回新的临时密码，结束其所有会话")):
    document("/api/users/{user_id}/" + _path, "post", _text, tag=TAG, roles=ADMIN,
             response=CreatedUserSchema if _path == "reset-password" else UserSchema)
document("/api/audit", "get", "审计记录：登录、登录失败、锁定、退出、密码和账号变更（最新在前，分页）", tag=TAG, roles=ADMIN,
         query=AuditQuerySchema, response=AuditPageSchema)


def user_json(user):
    return UserSchema().dump(account_store.user_out(user))


def session_body(user, session):
    return {"user": {**user_json(user), "permissions": permissions(user["role"])},
            "csrf_token": session["csrf_token"]}


def _within(principal, data):
    """An area-confined account creates or changes accounts of its own area only (never a wider one)."""
    if principal is None or area_scope(principal) is None:
        return
    codes = [data.get("area")] if data.get("role") == "admin" else list(data.get("districts") or [])
    if data.get("role") == "admin" and not data.get("area"):
        raise Forbidden(AREA_REFUSED, {"area": ["请选择本辖区内的区划"]})
    if data.get("role") == "inspector" and not codes:
        raise Forbidden(AREA_REFUSED, {"area": ["请选择本辖区内的区（县）"]})
    if any(not in_scope(principal, code) for code in codes):
        raise Forbidden(AREA_REFUSED, {"area": ["所选区划不属于本辖区"]})
    if data.get("office"):
        authorize(principal, "users.manage", data["office"])


class AccountRoutes:
    dispatch = EventDispatcher()
    assignment = ServiceRpc("assignment")  # an account's office must exist

    def _audit(self, kind, actor, target, detail=None):
        self.tokens.accounts.audit(kind, actor, target, detail, self.clock.now())

    def _changed(self, user, kind, actor, detail=None):
        """Audit an account change and tell the notifications service about the person."""
        self._audit(kind, actor, user["login"], detail)
        payload = {k: user.get(k) for k in ("login", "name", "mobile", "email", "role", "office", "active")}
        self.dispatch(ev.ACCOUNT_CHANGED, AccountChangedSchema().dump({"id": user["_id"], **payload,
                                                                         "at": self.clock.now()}))
        return user_json(user)

    def _check_area(self, code, levels):
        """An existing area of one of ``levels``, or 400 naming the field."""
        try:
            area = self.assignment.list_areas({"parent": code})["area"]
        except NotFound:
            raise InvalidInput("区划不存在或尚未导入", {"area": ["unknown area"]}) from None
        if level_of(area["code"]) not in levels:
            raise InvalidInput("此处只能选择{}".format("、".join(LEVEL_NAMES[lv] for lv in levels)), {"area": ["wrong level"]})

    def _district_of(self, office):
        """The district an office lies in (one ``_id`` read at the assignment service; None when unknown)."""
        try:
            return self.assignment.get_office(office).get("district")
        except NotFound:
            return None

    def _check_office(self, office):
        if not office:
            return
        try:
            self.assignment.get_office(office)  # one _id read
        except NotFound:
            raise InvalidInput(f"街道办事处“{office}”不存在", {"office": ["unknown office"]}) from None

    # sessions
    @http("POST", "/api/session", action=PUBLIC)
    def post_session(self, request):
        body = load_or_raise(LoginSchema(), json_body(request))
        login, now, store = body["login"].strip().lower(), self.clock.now(), self.tokens.accounts
        locked_until = store.sessions.locked_until(login, now)
        if locked_until:
            self._audit("login_refused", login, login, {"reason": "locked", "locked_until": locked_until.isoformat()})
            raise Locked(f"登录失败次数过多，账号已锁定，请于 {_local_time(locked_until)} 后再试",
                         {"locked_until": locked_until.isoformat()})
        user = store.by_login(login)
        if user is None or not account_store.verify_password(user["password_hash"], body["password"]):
            if user is None:
                account_store.verify_password(account_store.DUMMY_HASH, body["password"])  # same time as a wrong password
            locked_until = store.sessions.record_failure(login, now)
            self._audit("login_failed", login, login, {"reason": "unknown login" if user is None else "wrong password"})
            if locked_until:
                self._audit("lockout", login, login, {"locked_until": locked_until.isoformat()})
            raise Unauthorized("登录名或密码错误", {"login": ["wrong login or password"]})
        if not user["active"]:
            self._audit("login_failed", login, login, {"reason": "disabled"})
            raise AccountDisabled("账号已停用，请联系区文化主管部门", {"login": ["account disabled"]})
        store.sessions.clear_failures(login, now)
        cookie, session = store.sessions.start(user["_id"], now)
        user = store.set(user["_id"], {"last_login_at": now})
        self._audit("login", login, login)
        response = json_response(session_body(user, session), headers=NO_STORE)
        response.set_cookie(sessions.COOKIE, cookie, httponly=True, samesite="Strict", path="/",
                            secure=sessions.cookie_secure())
        return response

    @http("GET", "/api/session", action=SESSION)
    def get_session(self, request, principal):
        return json_response(session_body(principal["user"], principal["session"]), headers=NO_STORE)

    @http("DELETE", "/api/session", action=SESSION)
    def delete_session(self, request, principal):
        self.tokens.accounts.sessions.end(request.cookies.get(sessions.COOKIE))
        self._audit("logout", principal.label(), principal.label())
        response = json_response({})
        response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="Strict",
                               secure=sessions.cookie_secure())
        return response

    @http("POST", "/api/session/password", action=SESSION)
    def post_session_password(self, request, principal):
        body = load_or_raise(PasswordChangeSchema(), json_body(request))
        user = account_store.change_password(self.tokens.accounts, account_store.existing(self.tokens.accounts, principal["user_id"]),
                                        body["current_password"], body["new_password"], self.clock.now())
        self._audit("password_changed", principal.label(), user["login"])
        return {"user": session_body(user, principal["session"])["user"]}

    # accounts (admin)
    @http("GET", "/api/users", action="users.manage")
    def get_users(self, request, principal):
        query = load_or_raise(UserFilterSchema(), query_dict(request))
        scope = area_scope(principal)
        if scope is not None:  # an area's bureau: the accounts of its area (equality on the indexed place field)
            self.tokens.accounts.place_once(self._district_of)
            if query["office"]:
                authorize(principal, "users.manage", query["office"])
        docs, total = self.tokens.accounts.find(**query, area=scope[0] if scope else None)
        items = [user_json(d) for d in docs]
        names = area_names(self.assignment, [c for u in items for c in [u.get("area"), *(u.get("districts") or [])] if c])
        for user in items:
            user["area_name"] = names.get(user.get("area")) if user.get("area") else None
            user["district_names"] = [names.get(d, d) for d in user.get("districts") or []]
        return {"items": items, "total": total, "limit": query["limit"], "offset": query["offset"]}

    @http("POST", "/api/users", action="users.manage")
    def post_user(self, request, principal):
        return json_response(self._create_user(json_body(request), principal.label(), principal), 201, headers=NO_STORE)

    @http("PATCH", "/api/users/<user_id>", action="users.manage")
    def patch_user(self, request, principal, user_id):
        return self._update_user(user_id, json_body(request), principal.label(), principal)

    @http("POST", "/api/users/<user_id>/disable", action="users.manage")
    def post_user_disable(self, request, principal, user_id):
        self._own_account(principal, user_id)
        return self._set_active(user_id, False, principal.label())

    @http("POST", "/api/users/<user_id>/enable", action="users.manage")
    def post_user_enable(self, request, principal, user_id):
        self._own_account(principal, user_id)
        return self._set_active(user_id, True, principal.label())

    @http("POST", "/api/users/<user_id>/reset-password", action="users.manage")
    def post_user_reset(self, request, principal, user_id):
        self._own_account(principal, user_id)
        result = self._reset_password(user_id, principal.label())
        return json_response(result, headers=NO_STORE)

    @http("GET", "/api/audit", action="audit.read")
    def get_audit(self, request, principal):
        query = load_or_raise(AuditQuerySchema(), query_dict(request))
        items, total = self.tokens.accounts.audit_page(query["kind"], query["limit"], query["offset"],
                                                       self.clock.now())
        return AuditPageSchema().dump({"items": items, "total": total, "limit": query["limit"],
                                       "offset": query["offset"]})

    # the use cases, shared by HTTP and the CLI's RPCs
    def _create_user(self, data, actor, principal=None):
        data = load_or_raise(UserCreateSchema(), data)
        _within(principal, data)
        self._check_office(data["office"])
        self._check_places(data)
        user, password = account_store.new_user(self.tokens.accounts, data, self.clock.now(), self._district_of)
        out = self._changed(user, "user_created", actor, {"role": user["role"], "office": user["office"]})
        return {"user": out, "temporary_password": password}

    def _update_user(self, user_id, changes, actor, principal=None):
        data = load_or_raise(UserChangeSchema(), changes)
        if principal is not None and area_scope(principal) is not None:
            current = account_store.existing(self.tokens.accounts, user_id)
            _within(principal, current)  # the account changed is of the caller's area
            _within(principal, {**current, **data})  # and stays there
        self._check_office(data.get("office"))
        self._check_places(data)
        user = account_store.change_user(self.tokens.accounts, user_id, data, self.clock.now(), self._district_of)
        return self._changed(user, "user_updated", actor, {"fields": sorted(data)})

    def _own_account(self, principal, user_id):
        if area_scope(principal) is not None:
            _within(principal, account_store.existing(self.tokens.accounts, user_id))

    def _check_places(self, data):
        if data.get("area"):
            self._check_area(data["area"], ("province", "city", "district"))
        for district in data.get("districts") or []:
            self._check_area(district, ("district",))

    def _set_active(self, user_id, active, actor):
        user = account_store.set_active(self.tokens.accounts, user_id, active, self.clock.now())
        return self._changed(user, "user_enabled" if active else "user_disabled", actor)

    def _reset_password(self, user_id, actor):
        user, password = account_store.reset_password(self.tokens.accounts, user_id, self.clock.now())
        return {"user": self._changed(user, "password_reset", actor), "temporary_password": password}

    def _user_id(self, login):
        user = self.tokens.accounts.by_login((login or "").strip().lower())
        if user is None:
            raise InvalidInput(f"登录名“{login}”不存在", {"login": ["no such user"]})
        return user["_id"]

    # RPCs for ``cctrack users ...`` (the CLI acts as a district admin; users are named by login)
    @rpc(expected_exceptions=EXPECTED)
    def create_user(self, data, actor="cli"):
        return self._create_user(data, actor)

    @rpc(expected_exceptions=EXPECTED)
    def list_users(self, filters=None):
        query = load_or_raise(UserFilterSchema(), filters or {})
        docs, total = self.tokens.accounts.find(**query)
        return {"items": [user_json(d) for d in docs], "total": total}

    @rpc(expected_exceptions=EXPECTED)
    def set_user_active(self, login, active, actor="cli"):
        return self._set_active(self._user_id(login), bool(active), actor)

    @rpc(expected_exceptions=EXPECTED)
    def reset_user_password(self, login, actor="cli"):
        return self._reset_password(self._user_id(login), actor)

    @rpc(expected_exceptions=EXPECTED)
    def ensure_account(self, data, actor="cli"):
        """Create the account ``data`` describes unless its login exists (the demonstration's accounts)."""
        login = str((data or {}).get("login") or "").strip().lower()
        if self.tokens.accounts.by_login(login) is not None:
            return {"created": False, "login": login}
        created = self._create_user(data, actor)
        return {"created": True, "login": login, "temporary_password": created["temporary_password"]}

    @rpc(expected_exceptions=EXPECTED)
    def ensure_admin(self, login="admin", name="区文化主管部门管理员", actor="cli"):
        """Create the first admin account if ``login`` is missing; the temporary password is returned once."""
        if self.tokens.accounts.by_login(login) is not None:
            return {"created": False, "login": login}
        created = self._create_user({"login": login, "name": name, "role": "admin"}, actor)
        return {"created": True, "login": login, "temporary_password": created["temporary_password"]}


def _local_time(instant):
    from shared.clock import local_zone

    return instant.astimezone(local_zone()).strftime("%H:%M")
