"""Accounts, password login, sessions, CSRF, lockout and audit against the real stack."""
from urllib.parse import urljoin

import pytest
from requests import Session

from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration

PASSWORD = "Qiyue-2017-ok"


class Browser(Session):
    """A person's browser: its own cookie jar, no bearer token."""

    def __init__(self, base):
        super().__init__()
        self.base = base
        self.csrf = None

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 60)
        return Session.request(self, method, urljoin(self.base, url.lstrip("/")), *args, **kwargs)

    def login(self, login, password):
        response = self.post("/api/session", json={"login": login, "password": password})
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
        return response

    def write(self, method, url, **kwargs):
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.request(method, url, headers=headers, **kwargs)


@pytest.fixture
def browser(stack, web_config_port):
    base = f"http://127.0.0.1:{web_config_port}/"
    opened = []

    def open_browser():
        b = Browser(base)
        opened.append(b)
        return b
    yield open_browser
    for b in opened:
        b.close()


def create_user(stack, login, role="office", office=None, **extra):
    body = {"login": login, "name": extra.pop("name", "张三"), "role": role, "office": office, **extra}
    response = stack.post("/api/users", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def ready_user(stack, browser, login, role="office", office=None, **extra):
    """A user who has logged in and changed the temporary password: (browser, user)."""
    created = create_user(stack, login, role, office, **extra)
    b = browser()
    assert b.login(login, created["temporary_password"]).status_code == 200
    r = b.write("POST", "/api/session/password", json={"current_password": created["temporary_password"],
                                                       "new_password": PASSWORD})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["must_change_password"] is False
    return b, created["user"]


def test_login_temp_password_change_and_logout(stack, browser):
    stack.import_jinshui()
    created = create_user(stack, "fql01", office="丰庆路街道", email="fql01@example.cn", mobile="13800138000")
    user = created["user"]
    assert user["must_change_password"] is True and "password_hash" not in user and created["temporary_password"] not in str(user)
    b = browser()
    assert b.login("fql01", "wrong-password").status_code == 401
    r = b.login("fql01", created["temporary_password"])
    assert r.status_code == 200, r.text
    cookie = r.headers["Set-Cookie"]
    assert "cctrack_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert r.json()["user"]["office"] == "丰庆路街道"
    # Until the temporary password is changed, other routes answer 403 password_change_required.
    r = b.get("/api/offices")
    assert r.status_code == 403 and r.json()["error"] == "password_change_required"
    assert b.get("/api/session").status_code == 200
    # The policy: at least 8 characters, not the login, not the temporary password.
    for bad in ("short", "fql01", created["temporary_password"]):
        r = b.write("POST", "/api/session/password", json={"current_password": created["temporary_password"],
                                                           "new_password": bad})
        assert r.status_code == 400, bad
    r = b.write("POST", "/api/session/password", json={"current_password": created["temporary_password"],
                                                       "new_password": PASSWORD})
    assert r.status_code == 200, r.text
    assert b.get("/api/offices").status_code == 200
    session = b.get("/api/session").json()
    assert "progress.report" in session["user"]["permissions"] and "users.manage" not in session["user"]["permissions"]
    # Logout needs the CSRF token too, then the cookie is dead.
    assert b.delete("/api/session").json()["error"] == "csrf_failed"
    assert b.write("DELETE", "/api/session").status_code == 200
    assert b.get("/api/session").status_code == 401
    kinds = [e["kind"] for e in stack.get("/api/audit").json()["items"]]
    for kind in ("user_created", "login_failed", "login", "password_changed", "logout"):
        assert kind in kinds


def test_labels_for_anyone_logged_in_even_before_the_password_change(stack, browser):
    stack.import_jinshui()
    assert browser().get("/api/labels").status_code == 401
    created = create_user(stack, "fql02", office="丰庆路街道")
    b = browser()
    assert b.login("fql02", created["temporary_password"]).status_code == 200
    served = b.get("/api/labels")
    assert served.status_code == 200, served.text
    tables = served.json()
    assert tables["milestone_statuses"]["blocked"] == "受阻" and tables["phases"]["1"] == "第一阶段"
    assert tables["roles"]["admin"] == "区文化主管部门"
    for role in ("office", "inspector"):
        assert stack.get("/api/labels", role=role, office="丰庆路街道" if role == "office" else None).json() == tables


def test_csrf_required_on_cookie_writes_but_not_bearer(stack, browser):
    stack.import_jinshui()
    b, _ = ready_user(stack, browser, "bureau1", role="admin")
    body = {"login": "x1", "name": "李四", "role": "inspector"}
    r = b.post("/api/users", json=body)
    assert r.status_code == 403 and r.json()["error"] == "csrf_failed"
    r = b.post("/api/users", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.json()["error"] == "csrf_failed"
    assert b.write("POST", "/api/users", json=body).status_code == 201
    # Bearer tokens (machines, the CLI) need no CSRF token.
    assert stack.post("/api/users", json={**body, "login": "x2"}).status_code == 201
    # An answer with a temporary password is not kept for Idempotency-Key replays (nor cached).
    keyed = {**stack.headers("admin"), "Idempotency-Key": "k-x3"}
    first = stack.http.post("/api/users", json={**body, "login": "x3"}, headers=keyed)
    assert first.status_code == 201 and first.headers["Cache-Control"] == "no-store"
    again = stack.http.post("/api/users", json={**body, "login": "x3"}, headers=keyed)
    assert again.status_code == 400 and first.json()["temporary_password"] not in again.text


def test_lockout_after_five_failures(stack, browser):
    created = create_user(stack, "insp1", role="inspector")
    b = browser()
    for _ in range(5):
        assert b.login("insp1", "not-the-password").status_code == 401
    r = b.login("insp1", created["temporary_password"])
    assert r.status_code == 429, r.text
    assert r.json()["error"] == "locked" and r.json()["details"]["locked_until"]
    kinds = [e["kind"] for e in stack.get("/api/audit?limit=1000").json()["items"]]
    assert kinds.count("login_failed") == 5 and kinds.count("lockout") == 1
    failed = stack.get("/api/audit?kind=login_failed").json()
    assert failed["total"] == 5 and all("not-the-password" not in str(e) for e in failed["items"])


def test_disabled_user_cannot_log_in_and_sessions_end(stack, browser):
    stack.import_jinshui()
    b, user = ready_user(stack, browser, "fql02", office="丰庆路街道")
    assert b.get("/api/offices").status_code == 200
    r = stack.post("/api/users/{}/disable".format(user["id"]))
    assert r.status_code == 200 and r.json()["active"] is False
    assert b.get("/api/offices").status_code == 401
    assert browser().login("fql02", PASSWORD).json()["error"] == "account_disabled"
    stack.post("/api/users/{}/enable".format(user["id"]))
    assert browser().login("fql02", PASSWORD).status_code == 200
    # Resetting the password also ends sessions and asks for a new password.
    b2 = browser()
    b2.login("fql02", PASSWORD)
    reset = stack.post("/api/users/{}/reset-password".format(user["id"])).json()
    assert reset["user"]["must_change_password"] is True and reset["temporary_password"]
    assert b2.get("/api/session").status_code == 401


def test_office_session_sees_only_its_own_office(stack, browser):
    stack.import_jinshui()
    b, _ = ready_user(stack, browser, "fql03", office="丰庆路街道")
    own = b.get("/api/centres").json()
    assert own["total"] > 0 and {c["office"] for c in own["items"]} == {"丰庆路街道"}
    other = stack.get("/api/centres", params={"office": "国基路街道"}).json()["items"][0]
    r = b.get("/api/centres/" + other["id"])
    assert r.status_code == 403
    assert b.get("/api/centres", params={"office": "国基路街道"}).status_code == 403
    assert b.get("/api/centres/{}/milestones".format(other["id"])).status_code == 403
    assert b.get("/api/users").status_code == 403


def test_account_becomes_notification_contact(stack):
    stack.import_jinshui()
    user = create_user(stack, "fql04", office="丰庆路街道", name="王五", email="wangwu@example.cn")["user"]

    def contact():
        items = stack.get("/api/notifications/contacts", params={"office": "丰庆路街道"}).json()["items"]
        return next((c for c in items if c["id"] == "account:" + user["id"]), None)
    found = wait_for(contact, "contact of the account")
    assert found["email"] == "wangwu@example.cn" and found["scope"] == "office" and found["active"] is True
    stack.post("/api/users/{}/disable".format(user["id"]))
    wait_for(lambda: contact()["active"] is False, "contact deactivated")


def test_centre_search_by_chinese_name(stack, browser):
    stack.import_jinshui()
    r = stack.get("/api/centres/search", params={"q": "四月天"})
    assert r.status_code == 200, r.text
    assert [c["name"] for c in r.json()["items"]] == ["四月天社区"]
    many = stack.get("/api/centres/search", params={"q": "社区", "limit": 5}).json()["items"]
    assert len(many) == 5 and all("社区" in c["name"] for c in many)
    b, _ = ready_user(stack, browser, "fql05", office="丰庆路街道")
    mine = b.get("/api/centres/search", params={"q": "社区"}).json()["items"]
    assert mine and {c["office"] for c in mine} == {"丰庆路街道"}


def test_users_cli_and_the_first_admin(stack, run_cli, browser):
    stack.import_jinshui()
    code, out, err = run_cli("users", "create", "fql06", "--name", "赵六", "--role", "office", "--office", "丰庆路街道",
                             "--email", "zl@example.cn")
    assert code == 0, err
    temporary = out.strip().splitlines()[-1].split("：")[-1]
    assert browser().login("fql06", temporary).status_code == 200
    code, out, _ = run_cli("users", "list", "--office", "丰庆路街道")
    assert code == 0 and "fql06" in out and "赵六" in out and temporary not in out
    assert run_cli("users", "create", "fql06", "--name", "x", "--role", "office", "--office", "丰庆路街道")[0] == 1
    assert run_cli("users", "create", "x9", "--name", "x", "--role", "office", "--office", "不存在街道")[0] == 1
    assert run_cli("users", "disable", "fql06")[0] == 0
    assert browser().login("fql06", temporary).json()["error"] == "account_disabled"
    assert run_cli("users", "enable", "fql06")[0] == 0
    code, out, _ = run_cli("users", "reset-password", "fql06")
    fresh = out.strip().splitlines()[-1].split("：")[-1]
    assert code == 0 and fresh != temporary
    assert browser().login("fql06", temporary).status_code == 401
    assert browser().login("fql06", fresh).json()["user"]["must_change_password"] is True
    code, out, _ = run_cli("users", "ensure-admin", "--quiet")
    password = out.strip()
    assert code == 0 and len(password) == 12
    admin = browser()
    assert admin.login("admin", password).json()["user"]["role"] == "admin"
    assert run_cli("users", "ensure-admin", "--quiet")[1].strip() == ""  # shown once only
    assert "user_disabled" in [e["kind"] for e in stack.get("/api/audit").json()["items"]]


def test_concurrent_failures_are_each_counted(stack, browser):
    import eventlet

    from shared.mongo import connect

    create_user(stack, "insp2", role="inspector")
    pool = eventlet.GreenPool(8)
    codes = list(pool.imap(lambda _: browser().login("insp2", "wrong-password-x").status_code, range(8)))
    assert set(codes) <= {401, 429} and codes.count(401) >= 5
    assert browser().login("insp2", "wrong-password-x").status_code == 429
    client, db = connect("gateway")
    try:  # no lost update: one failure document per refused attempt, in distinct slots
        assert len(list(db.login_failures.find({"login": "insp2"}))) == codes.count(401)
    finally:
        client.close()
    assert stack.get("/api/audit", params={"kind": "login_failed"}).json()["total"] == codes.count(401)


def test_session_ends_after_thirty_idle_minutes(stack, browser, clock):
    clock.set("2026-03-02T09:00:00+08:00")
    b, _ = ready_user(stack, browser, "insp3", role="inspector")
    clock.set("2026-03-02T09:29:00+08:00")
    assert b.get("/api/session").status_code == 200  # activity moves last_seen to 09:29
    clock.set("2026-03-02T09:58:00+08:00")
    assert b.get("/api/session").status_code == 200
    clock.set("2026-03-02T10:29:00+08:00")  # 31 minutes without a request
    r = b.get("/api/session")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
