"""The gateway tested alone: every HTTP route x every kind of caller, without a broker or a store.

The GatewayService runs in a nameko container whose RPC clients, event dispatcher and
token store are replaced by fakes (``replace_dependencies``; the token store is a
``TokenStore`` on mongomock), and only its HTTP entrypoints are started. Each route is
called as the district admin, an office on its own office's data, the same office on
another office's data, an inspector and an anonymous caller; the answer must be 401/403
exactly when ``shared.authz`` says so, and otherwise the route must reach its RPC.

The routes come from the service's declared actions (``@http(..., action=...)``), so a new
route fails here until its request is described in ``ROUTES`` (how to call it, which RPC it
reaches, and where the office it is confined to comes from).
"""
import inspect
from datetime import UTC, datetime

import mongomock
import pytest
import requests
from nameko import config
from nameko.constants import WEB_SERVER_CONFIG_KEY
from nameko.containers import ServiceContainer
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.testing.services import replace_dependencies, restrict_entrypoints
from nameko.testing.utils import find_free_port

from services.gateway import account_store, boundary_map, idempotency, sessions, webapp
from services.gateway.auth import PUBLIC, SESSION, SIGNED_IN, TokenStore
from services.gateway.bulletins.schedule import ScheduleStore
from services.gateway.http import JsonHttp
from services.gateway.service import GatewayService
from shared.authz import ACTIONS, OFFICE, OWN
from shared.objects import key_of, object_store
from tests.support.geo import boundary, boundary_bytes

MINE, THEIRS = "丰庆路街道", "国基路街道"
# where the offices lie (shared/areas.py): both in Jinshui (410105, Zhengzhou 4101) unless a test moves THEIRS
DISTRICTS = {MINE: "410105", THEIRS: "410105"}
ROLES = ("admin", "office_own", "office_other", "inspector", "anonymous")
PDF = ("e.pdf", b"%PDF-1.4 x", "application/pdf")
PDF_KEY = key_of(PDF[1])  # the file the fakes' evidence names (put in the object store by ``stored_file``)

# How the office a route is confined to reaches the rule:
#   "path" / "query": from the request, refused before any RPC;
#   "loaded": from what the first RPC returns, refused after loading it;
#   "service": the caller travels with the RPC and the service applies the row (audited refusals);
#   None: the route touches no office's data.
# (method, url): (office source, first RPC reached, request keyword arguments)
ROUTES = {
    ("GET", "/api/offices"): (None, "assignment.list_offices", {}),
    ("GET", "/api/centres"): ("query", "assignment.list_centres", {}),
    ("GET", "/api/centres/search"): ("query", "assignment.search_centres", {"params": {"q": "中心"}}),
    ("GET", "/api/centres/<centre_id>"): ("loaded", "assignment.get_centre", {}),
    ("POST", "/api/imports/allocation"): (None, "assignment.import_allocation", {"files": {"file": ("a.csv", b"x")}}),
    ("PUT", "/api/centres/<centre_id>/location"): (None, "assignment.set_location", {"json": {"lat": 34.7, "lng": 113.6}}),
    ("GET", "/api/centres/<centre_id>/milestones"): ("loaded", "milestones.list_milestones", {}),
    ("POST", "/api/centres/<centre_id>/milestones/<key>/progress"): (
        "service", "milestones.report_progress", {"json": {"status": "done", "based_on_version": 1}}),
    ("POST", "/api/centres/<centre_id>/milestones/<key>/reopen"): (None, "milestones.reopen", {"json": {"reason": "复核"}}),
    ("GET", "/api/centres/<centre_id>/history"): ("loaded", "milestones.centre_history", {}),
    ("GET", "/api/offices/<office>/history"): ("path", "milestones.office_history", {}),
    ("GET", "/api/progress"): (None, "reporting.progress_rollup", {}),
    ("GET", "/api/milestones"): ("query", "milestones.list_office_milestones", {}),
    ("GET", "/api/evidence/<evidence_id>"): ("loaded", "milestones.get_evidence", {}),
    ("GET", "/api/evidence/<evidence_id>/thumbnail"): ("loaded", "milestones.get_thumbnail", {}),
    ("GET", "/api/offices/<office>/doubtful-evidence"): ("path", "milestones.doubtful_evidence", {}),
    ("GET", "/api/centres/<centre_id>/doubtful-evidence"): ("loaded", "milestones.doubtful_evidence", {}),
    ("GET", "/api/reports/progress.xlsx"): (None, "reporting.offices", {}),
    ("GET", "/api/bulletins/<period>.docx"): (None, "reporting.progress_rollup", {}),
    ("GET", "/api/bulletins/<period>.pdf"): (None, "reporting.progress_rollup", {}),
    ("GET", "/api/bulletins/schedule"): (None, "schedules.get", {}),
    ("PUT", "/api/bulletins/schedule"): (None, "schedules.put", {"json": {"enabled": False, "kinds": ["month"], "day": 5,
                                                                        "contact_ids": []}}),
    ("GET", "/api/indicators"): (None, "indicators.list_plans", {}),
    ("GET", "/api/indicators/status"): ("query", "indicators.status", {}),
    ("GET", "/api/indicators/ranking"): (None, "indicators.ranking", {}),
    ("POST", "/api/monthly-reports"): ("service", "indicators.submit_monthly", {"json": {"centre_id": "c1"}}),
    ("GET", "/api/monthly-reports"): ("query", "indicators.list_monthly", {}),
    ("GET", "/api/monthly-reports/schedule"): (None, "indicators.reporting", {}),
    ("POST", "/api/monthly-reports/schedule"): (None, "indicators.set_reporting_start", {"json": {"from": "2018-01"}}),
    ("GET", "/api/monthly-reports/<centre_id>/<month>"): ("loaded", "indicators.get_monthly", {}),
    ("GET", "/api/survey/results"): ("query", "indicators.survey_results", {}),
    ("POST", "/api/survey/imports"): (None, "indicators.import_survey", {"files": {"file": ("s.csv", b"x")}}),
    ("GET", "/api/centres/<centre_id>/survey-qr.png"): ("loaded", "assignment.get_centre", {}),
    ("GET", "/api/centres/<centre_id>/survey-poster.png"): ("loaded", "assignment.get_centre", {}),
    ("GET", "/api/centres/<centre_id>/survey-poster.pdf"): ("loaded", "assignment.get_centre", {}),
    ("GET", "/api/standards"): (None, "inspections.list_standard_versions", {}),
    ("GET", "/api/standards/<level>"): (None, "inspections.get_standard", {}),
    ("POST", "/api/centres/<centre_id>/inspections"): ("service", "inspections.record_inspection",
                                                        {"json": {"kind": "self_check"}}),
    ("GET", "/api/centres/<centre_id>/inspections"): ("service", "inspections.list_inspections", {}),
    ("GET", "/api/inspections/<inspection_id>"): ("service", "inspections.get_inspection", {}),
    ("GET", "/api/centres/<centre_id>/inspections/latest"): ("service", "inspections.latest_inspection", {}),
    ("GET", "/api/inspections/<inspection_id>/photos/<photo_id>"): ("loaded", "inspections.get_inspection_photo", {}),
    ("GET", "/api/inspections/<inspection_id>/record.pdf"): ("service", "inspections.get_inspection", {}),
    ("GET", "/api/rectifications/queue"): ("query", "inspections.rectification_queue", {}),
    ("GET", "/api/rectifications/<rectification_id>/notice.pdf"): ("loaded", "inspections.get_rectification", {}),
    ("GET", "/api/rectifications"): ("query", "inspections.list_rectifications", {}),
    ("GET", "/api/rectifications/<rectification_id>"): ("loaded", "inspections.get_rectification", {}),
    ("GET", "/api/rectifications/<rectification_id>/evidence/<evidence_id>"): (
        "loaded", "inspections.get_rectification_evidence", {}),
    ("POST", "/api/rectifications/<rectification_id>/submissions"): (
        "service", "inspections.submit_rectification", {"data": {"note": "已整改"}, "files": {"evidence": PDF}}),
    ("POST", "/api/rectifications/<rectification_id>/acknowledge"): (
        "service", "inspections.acknowledge_rectification", {}),
    ("POST", "/api/rectifications/<rectification_id>/chase"): (
        None, "inspections.chase_rectification", {"json": {"note": "请加快整改"}}),
    ("POST", "/api/rectifications/<rectification_id>/close"): (None, "inspections.close_rectification", {}),
    ("POST", "/api/centres/<centre_id>/milestones/<key>/chase"): (
        None, "milestones.list_milestones", {"json": {"note": "请加快进度"}}),
    ("GET", "/api/response-times"): (None, "inspections.response_times", {}),
    ("POST", "/api/notifications/<notice_id>/acknowledge"): ("service", "notifications.acknowledge_notice", {}),
    ("GET", "/api/todo"): (None, "inspections.rectification_queue", {}),
    ("GET", "/api/overdue"): ("query", "notifications.overdue_report", {}),
    ("GET", "/api/overdue/export.xlsx"): ("query", "notifications.overdue_report", {}),
    ("GET", "/api/progress/trend"): (None, "reporting.progress_trend", {}),
    ("GET", "/api/map/boundary"): (None, "boundaries.get", {}),
    ("POST", "/api/map/boundary"): (None, "boundaries.replace", {"files": {"file": ("b.geojson", boundary_bytes())}}),
    ("POST", "/api/overdue/scan"): (None, "notifications.scan", {}),
    ("GET", "/api/notifications"): ("service", "notifications.inbox", {}),
    ("POST", "/api/notifications/<notice_id>/read"): ("service", "notifications.mark_read", {}),
    ("POST", "/api/notifications/read-all"): ("service", "notifications.mark_all_read", {}),
    ("POST", "/api/notifications/contacts/<contact_id>/test"): (None, "notifications.test_contact", {}),
    ("GET", "/api/notifications/contacts/<contact_id>/deliveries"): (None, "notifications.contact_deliveries", {}),
    ("GET", "/api/notifications/deliveries"): (None, "notifications.list_deliveries", {}),
    ("GET", "/api/notifications/contacts"): (None, "notifications.list_contacts", {}),
    ("POST", "/api/notifications/contacts"): (None, "notifications.add_contact", {"json": {"id": "k1"}}),
    ("PATCH", "/api/notifications/contacts/<contact_id>"): (None, "notifications.update_contact", {"json": {"name": "李四"}}),
    ("DELETE", "/api/notifications/contacts/<contact_id>"): (None, "notifications.remove_contact", {}),
    ("GET", "/api/centre-summaries"): ("query", "reporting.centre_summaries", {}),
    ("GET", "/api/offices/<office>/summary"): ("path", "reporting.office_summary", {}),
    ("GET", "/api/centres/<centre_id>/summary"): ("loaded", "reporting.centre_summary", {}),
    # the account store is the gateway's own: these reach it, not an RPC
    ("GET", "/api/users"): (None, "accounts.find", {}),
    ("POST", "/api/users"): (None, "accounts.insert", {"json": {"login": "zhang", "name": "张三", "role": "inspector"}}),
    ("PATCH", "/api/users/<user_id>"): (None, "accounts.set", {"json": {"name": "李四"}}),
    ("POST", "/api/users/<user_id>/disable"): (None, "accounts.set", {}),
    ("POST", "/api/users/<user_id>/enable"): (None, "accounts.set", {}),
    ("POST", "/api/users/<user_id>/reset-password"): (None, "accounts.set", {}),
    ("GET", "/api/audit"): (None, "accounts.audit_page", {}),
    # areas (docs/areas.md): "area" is an area code in the path or the query (?parent=), checked before any RPC
    ("GET", "/api/areas"): ("area", "assignment.list_areas", {}),
    ("POST", "/api/areas/import"): (None, "assignment.import_areas", {"files": {"file": ("a.csv", b"x")}}),
    ("GET", "/api/areas/<area>/rollup"): ("area", "reporting.area_rollup", {}),
}
# a person's own session: reached with a session cookie only
SESSION_ROUTES = {("GET", "/api/session"): {}, ("DELETE", "/api/session"): {},
                  ("POST", "/api/session/password"): {"json": {"current_password": "x", "new_password": "y"}}}
# any caller with credentials (a token, or a session also before the password change)
SIGNED_IN_ROUTES = {("GET", "/api/labels"): {}}
PUBLIC_ROUTES = {("POST", "/api/session"): {"json": {"login": "nobody", "password": "wrong-password"}},
                 ("GET", "/"): {}, ("GET", "/assets/<path:name>"): {}, ("GET", "/s/<centre_id>"): {},
                 ("POST", "/s/<centre_id>"): {"data": {"comment": "好"}}, ("GET", "/healthz"): {},
                 ("GET", "/openapi.json"): {}, ("GET", webapp.ROOT_ROUTE): {}}


def declared_routes():
    """(method, url, action) of every HTTP entrypoint of the gateway, as declared in the code."""
    routes = []
    for _, method in inspect.getmembers(GatewayService, inspect.isfunction):
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, JsonHttp):
                routes.append((entrypoint.method, entrypoint.url, entrypoint.action))
    return sorted(routes)


DECLARED = declared_routes()


def test_every_route_declares_who_may_call_it_and_is_described_here():
    for method, url, action in DECLARED:
        if action == PUBLIC:
            assert (method, url) in PUBLIC_ROUTES, f"{method} {url} is public: say so in PUBLIC_ROUTES"
        elif action == SESSION:
            assert (method, url) in SESSION_ROUTES
        elif action == SIGNED_IN:
            assert (method, url) in SIGNED_IN_ROUTES
        else:
            assert action in ACTIONS and (method, url) in ROUTES, f"describe {method} {url} in ROUTES"
    api = {(m, u) for m, u, a in DECLARED if u.startswith("/api/") and a not in (PUBLIC, SESSION, SIGNED_IN)}
    assert api == set(ROUTES)  # every /api/ route but login and the own session has a row of the rule
    assert {(m, u) for m, u, a in DECLARED} == set(ROUTES) | set(SESSION_ROUTES) | set(SIGNED_IN_ROUTES) | set(PUBLIC_ROUTES)


def test_a_route_without_a_valid_action_is_refused_when_declared():
    with pytest.raises(TypeError):
        JsonHttp("GET", "/api/new")
    with pytest.raises(ValueError):
        JsonHttp("GET", "/api/new", action="no.such.row")


# --- the fakes ---------------------------------------------------------------------

class World:
    """What the fakes answer and what they were asked: ``office`` is the office the data belongs to."""

    def __init__(self):
        self.calls = []
        self.office = MINE
        self.user_id = None  # an account the admin's user routes act on

    def answer(self):
        office = self.office
        code = DISTRICTS[office] or "410105"
        area = {"code": code, "name": "金水区", "level": "district", "parent": code[:4]}
        return {"office": office, "district": DISTRICTS[office], "area": area, "children": [],
                "centre": {"id": "c1", "name": "四月天文化中心", "office": office},
                "items": [], "total": 0, "limit": 100, "offset": 0, "cursor": None, "offices": [], "rows": [],
                "totals": {"total": 0, "done": 0, "in_progress": 0, "blocked": 0, "not_started": 0, "overdue": 0,
                           "percent_done": 0.0},
                "content_type": "application/pdf", "filename": "e.pdf", "sha256": PDF_KEY, "thumbnail_key": PDF_KEY,
                "period": "year", "year": 2018, "weights": {"attainment": 80, "satisfaction": 20},
                # an inspection and a rectification, for the printed 验收单 and 整改通知书
                "centre_id": "c1", "centre_name": "四月天社区", "level": "community", "kind": "district_acceptance",
                "inspected_on": "2019-07-15", "result": "passed", "standard_version": "v1", "opened_by": "c1-i1",
                "due": "2019-08-12", "title": "建筑面积", "status": "open", "inspection": None, "next": None,
                # a centre's milestones, for a chase of one (its key is the placeholder x1)
                "milestones": [{"key": "x1", "title": "按标准完成建设", "status": "in_progress", "due": "2019-08-12"}],
                "as_of": "2019-08-12"}


class FakeService:
    """An RPC client of one service: every method records its call and answers ``world.answer()``."""

    def __init__(self, name, world):
        self._name, self._world = name, world

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)

        def call(*args, **kwargs):
            self._world.calls.append((f"{self._name}.{method}", args))
            return self._world.answer()
        return call


class FakeCluster:
    def __init__(self, world):
        self._world = world

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return FakeService(name, self._world)


class RecordingAccounts:
    """The real account store (on mongomock), recording which of its methods a route reached."""

    def __init__(self, store, world):
        self._store, self._world = store, world

    def __getattr__(self, name):
        value = getattr(self._store, name)
        if callable(value) and not name.startswith("_"):
            def call(*args, **kwargs):
                self._world.calls.append((f"accounts.{name}", args))
                return value(*args, **kwargs)
            return call
        return value


class RecordingStore(RecordingAccounts):
    """A real store (on mongomock) recording which of its methods a route reached, under ``label``."""

    def __init__(self, store, world, label):
        super().__init__(store, world)
        self._label = label

    def __getattr__(self, name):
        value = getattr(self._store, name)
        if callable(value) and not name.startswith("_"):
            def call(*args, **kwargs):
                self._world.calls.append((f"{self._label}.{name}", args))
                return value(*args, **kwargs)
            return call
        return value


class FakeTokens(TokenStore):
    def __init__(self, db, world):
        super().__init__(db)
        self.accounts = RecordingAccounts(self.accounts, world)


@pytest.fixture(scope="module")
def gateway():
    """A started gateway container with fakes for everything it talks to; yields (base url, world, tokens)."""
    world = World()
    db = mongomock.MongoClient(tz_aware=True).gateway
    tokens = FakeTokens(db, world)
    tokens.ensure_indexes()
    now = datetime.now(UTC)
    bearer = {"admin": tokens.create("admin", None, "区级", now)[0],
              "district": tokens.create("admin", None, "金水区文旅局", now, area="410105")[0],
              "city": tokens.create("admin", None, "郑州市文广旅局", now, area="4101")[0],
              "office": tokens.create("office", MINE, "丰庆路", now)[0],
              "inspector": tokens.create("inspector", None, "验收", now)[0]}
    world.user_id = account_store.new_user(tokens.accounts._store, {"login": "target", "name": "赵六", "role": "inspector"},
                                           now)[0]["_id"]
    port = find_free_port()
    with config.patch({WEB_SERVER_CONFIG_KEY: f"127.0.0.1:{port}", "MAX_UPLOAD_BYTES": 1024 * 1024}), \
            pytest.MonkeyPatch.context() as patch:
        # the idempotency keys are the gateway's store too: these requests carry no Idempotency-Key
        patch.setattr(idempotency.IdempotencyKeys, "setup", lambda self: None)
        patch.setattr(idempotency.IdempotencyKeys, "start", lambda self: None)
        container = ServiceContainer(GatewayService)
        clients = {name: FakeService(name, world) for name in
                   ("assignment", "milestones", "inspections", "notifications", "reporting", "indicators")}
        boundaries = boundary_map.BoundaryStore(db)
        boundaries.replace(boundary(), "b.geojson", {"name": "区级"}, now.isoformat())  # the map's GET has one to read
        replace_dependencies(container, tokens=tokens, cluster=FakeCluster(world),
                             boundaries=RecordingStore(boundaries, world, "boundaries"),
                             schedules=RecordingStore(ScheduleStore(db), world, "schedules"),
                             dispatch=lambda *args: world.calls.append(("dispatch", args)), **clients)
        restrict_entrypoints(container, *{e.method_name for e in container.entrypoints if isinstance(e, JsonHttp)})
        container.start()
        try:
            yield f"http://127.0.0.1:{port}", world, tokens, bearer
        finally:
            container.kill()


@pytest.fixture(autouse=True)
def stored_file():
    """The file the fakes' evidence and photos name, in this test's object store."""
    object_store().put(PDF[1])


def _url(url, office, user_id=None):
    values = {"office": office, "path:name": "app.js", "area": DISTRICTS[office], "month": "2018-01", "period": "2018-01", "level": "community",
              "user_id": user_id}
    url = url.replace(webapp.ROOT_ROUTE, "/sw.js")  # the installable app's own files (one route, their names)
    for name in ("centre_id", "key", "evidence_id", "photo_id", "inspection_id", "rectification_id", "notice_id", "contact_id",
                 "user_id", "office", "path:name", "month", "period", "level", "area"):
        url = url.replace(f"<{name}>", values.get(name) or "x1")
    assert "<" not in url, url
    return url


def _call(gateway, method, url, role, request):
    base, world, tokens, bearer = gateway
    world.calls.clear()
    world.office = THEIRS if role in ("office_other", "admin", "inspector") else MINE
    headers = {} if role == "anonymous" else {"Authorization": "Bearer " + bearer[role.split("_")[0]]}
    kwargs = dict(request)
    if ROUTES.get((method, url), (None,))[0] == "query":
        kwargs["params"] = {**kwargs.get("params", {}), "office": world.office}
    if ROUTES.get((method, url), (None,))[0] == "area" and "<area>" not in url:
        kwargs["params"] = {**kwargs.get("params", {}), "parent": DISTRICTS[world.office]}
    return requests.request(method, base + _url(url, world.office, world.user_id), headers=headers, timeout=30, **kwargs)


def expected(action, source, role):
    """'unauthorized', 'forbidden', 'forbidden_after_load', 'service' (forwarded with the caller) or 'reached'."""
    if role == "anonymous":
        return "unauthorized"
    base_role = role.split("_")[0]
    roles, scope = ACTIONS[action]
    if base_role not in roles:
        return "forbidden"
    if role == "office_other" and scope == OWN and source is not None:
        return {"path": "forbidden", "query": "forbidden", "loaded": "forbidden_after_load", "service": "service"}[source]
    return "reached"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,url,action", [r for r in DECLARED if r[2] not in (PUBLIC, SESSION, SIGNED_IN)],
                         ids=lambda v: v if isinstance(v, str) else None)
def test_route_answers_as_the_rule_says(gateway, method, url, action, role):
    source, first_call, request = ROUTES[(method, url)]
    world = gateway[1]
    response = _call(gateway, method, url, role, request)
    called = [name for name, _ in world.calls]
    outcome = expected(action, source, role)
    if outcome == "unauthorized":
        assert response.status_code == 401 and not called, (response.status_code, called)
    elif outcome == "forbidden":
        assert response.status_code == 403 and not called, (response.status_code, called)
        assert response.json()["error"] == "forbidden"
    elif outcome == "forbidden_after_load":
        assert response.status_code == 403 and called == [first_call], (response.status_code, called)
    else:
        assert response.status_code < 400, response.text  # the fakes' answers carry every route to its end
        assert first_call in called, (response.status_code, response.text, called)
        if outcome == "service" or source == "service":  # the service applies the office part: it gets the caller
            actors = [a for name, args in world.calls if name == first_call for a in args if isinstance(a, dict) and "role" in a]
            assert actors and actors[0]["role"] == role.split("_")[0]
            if role.startswith("office"):
                assert actors[0]["office"] == MINE


@pytest.mark.parametrize("method,url", sorted(SESSION_ROUTES))
def test_own_session_routes_need_a_session(gateway, method, url):
    base, world, tokens, bearer = gateway
    for headers in ({}, {"Authorization": "Bearer " + bearer["admin"]}):  # no caller; a token has no session
        assert requests.request(method, base + url, headers=headers, timeout=30, **SESSION_ROUTES[(method, url)]).status_code == 401
    store, now = tokens.accounts._store, datetime.now(UTC)
    login = "p" + method.lower() + url.rsplit("/", 1)[-1]
    user, _ = account_store.new_user(store, {"login": login, "name": "王五", "role": OFFICE, "office": MINE}, now)
    cookie, session = store.sessions.start(user["_id"], now)
    response = requests.request(method, base + url, cookies={sessions.COOKIE: cookie}, timeout=30,
                                headers={sessions.CSRF_HEADER: session["csrf_token"]}, **SESSION_ROUTES[(method, url)])
    assert response.status_code not in (401, 403), response.text  # also with the temporary password not yet changed


@pytest.mark.parametrize("method,url", sorted(SIGNED_IN_ROUTES))
def test_signed_in_routes_take_a_token_or_a_session(gateway, method, url):
    base, world, tokens, bearer = gateway
    assert requests.request(method, base + url, timeout=30, **SIGNED_IN_ROUTES[(method, url)]).status_code == 401
    for role in ("admin", "office", "inspector"):
        response = requests.request(method, base + url, headers={"Authorization": "Bearer " + bearer[role]}, timeout=30,
                                    **SIGNED_IN_ROUTES[(method, url)])
        assert response.status_code == 200, response.text
    store, now = tokens.accounts._store, datetime.now(UTC)
    user, _ = account_store.new_user(store, {"login": "signed" + url.rsplit("/", 1)[-1], "name": "王五", "role": OFFICE,
                                             "office": MINE}, now)
    cookie, session = store.sessions.start(user["_id"], now)  # the temporary password not yet changed
    response = requests.request(method, base + url, cookies={sessions.COOKIE: cookie}, timeout=30,
                                **SIGNED_IN_ROUTES[(method, url)])
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("method,url", sorted(PUBLIC_ROUTES))
def test_public_routes_ask_for_no_credentials(gateway, method, url):
    base = gateway[0]
    response = requests.request(method, base + _url(url, MINE), timeout=30, **PUBLIC_ROUTES[(method, url)])
    assert response.status_code not in (401, 403) or url == "/api/session", response.text
    if url == "/api/session":  # login: a wrong password is 401 from the route itself, after the store was asked
        assert response.status_code == 401 and response.json()["message"] == "登录名或密码错误"


# --- areas: a bureau account confined to a district or a city (docs/areas.md) ------------------------------------
# (role, where THEIRS lies): a district bureau of Jinshui asked about an office of Xinmi (same city), a city bureau
# of Zhengzhou asked about an office of Lanzhou (another province's city); "own" asks about its own area's office.
AREA_ROLES = {"district_own": ("district", "410105"), "district_other": ("district", "410183"),
              "city_own": ("city", "410183"), "city_other": ("city", "620102")}
# where an office lies, the account a route acts on, and the audit of the refusal
LOOKUPS = {"assignment.get_office", "accounts.get", "accounts.audit"}
# routes that name no office: what an area-confined bureau gets (None: what the rule's row says for admin)
AREA_NO_OFFICE = {
    ("GET", "/api/progress"): "reporting.area_rollup",  # its own area's roll-up
    ("GET", "/api/reports/progress.xlsx"): {"district": "assignment.district_offices",  # its own area's offices
                                            "city": "assignment.list_areas"},  # (a city: its districts first)
    ("POST", "/api/areas/import"): "forbidden",  # the area tree is the whole installation's
    # accounts of another area (the target account here is an inspector of no district, i.e. of every area)
    ("POST", "/api/users"): "forbidden_area", ("PATCH", "/api/users/<user_id>"): "forbidden_area",
    ("POST", "/api/users/<user_id>/disable"): "forbidden_area", ("POST", "/api/users/<user_id>/enable"): "forbidden_area",
    ("POST", "/api/users/<user_id>/reset-password"): "forbidden_area",
}


def area_expected(method, url, action, role):
    source = ROUTES[(method, url)][0]
    roles, scope = ACTIONS[action]
    if "admin" not in roles:
        return "forbidden"
    other = role.endswith("_other")
    if source is None:
        outcome = AREA_NO_OFFICE.get((method, url), "reached")
        return outcome[role.split("_")[0]] if isinstance(outcome, dict) else outcome
    if source == "service":
        return "service"
    if not other:
        return "reached"
    return {"path": "forbidden_area", "query": "forbidden_area", "area": "forbidden_area",
            "loaded": "forbidden_after_load"}[source]


@pytest.fixture
def placed(gateway):
    """THEIRS placed where the test's role says (restored after)."""
    yield DISTRICTS
    DISTRICTS[THEIRS] = "410105"


@pytest.mark.parametrize("role", sorted(AREA_ROLES))
@pytest.mark.parametrize("method,url,action", [r for r in DECLARED if r[2] not in (PUBLIC, SESSION, SIGNED_IN)],
                         ids=lambda v: v if isinstance(v, str) else None)
def test_an_area_bureau_reaches_only_its_area(gateway, placed, method, url, action, role):
    """Every route, as a bureau of a district and of a city: its own area's data is reached, another area's is
    refused (403, ``area`` in the details) before the data is read, or right after loading it; a refusal is audited."""
    base, world, tokens, bearer = gateway
    account, where = AREA_ROLES[role]
    placed[THEIRS] = where
    source, first_call, request = ROUTES[(method, url)]
    world.calls.clear()
    world.office = THEIRS
    kwargs = dict(request)
    if source == "query":
        kwargs["params"] = {**kwargs.get("params", {}), "office": THEIRS}
    if source == "area" and "<area>" not in url:
        kwargs["params"] = {**kwargs.get("params", {}), "parent": where}
    audited = len(list(tokens.accounts._store.audit_log.find({"kind": "area_refused"})))
    response = requests.request(method, base + _url(url, THEIRS, world.user_id), timeout=30,
                                headers={"Authorization": "Bearer " + bearer[account]}, **kwargs)
    called = [name for name, _ in world.calls]
    outcome = area_expected(method, url, action, role)
    refusals = list(tokens.accounts._store.audit_log.find({"kind": "area_refused"}))
    if outcome == "forbidden":
        assert response.status_code == 403 and not called, (response.status_code, called)
    elif outcome == "forbidden_area":
        assert response.status_code == 403, (response.status_code, response.text, called)
        assert "area" in response.json()["details"], response.text
        assert set(called) <= LOOKUPS, called  # nothing of the other area was read
        assert len(refusals) == audited + 1 and refusals[-1]["actor"].startswith("token:")
    elif outcome == "forbidden_after_load":
        assert response.status_code == 403 and called[0] == first_call, (response.status_code, called)
        assert "area" in response.json()["details"], response.text
        assert len(refusals) == audited + 1
    elif outcome == "service":  # the service applies the area part: it gets the caller with its area
        assert response.status_code < 400, response.text
        actors = [a for name, args in world.calls if name == first_call for a in args if isinstance(a, dict) and "role" in a]
        assert actors and actors[0]["area"] == {"district": "410105", "city": "4101"}[account]
    else:
        assert response.status_code < 400, response.text
        expected_call = first_call if outcome == "reached" else outcome
        assert expected_call in called, (response.status_code, response.text, called)


def test_an_office_of_no_district_is_refused_to_an_area_bureau(gateway, placed):
    """Data whose district cannot be told is refused to an area-confined account (fail closed)."""
    base, world, tokens, bearer = gateway
    placed[THEIRS] = None
    world.office = THEIRS
    response = requests.get(base + f"/api/offices/{THEIRS}/summary", timeout=30,
                            headers={"Authorization": "Bearer " + bearer["district"]})
    assert response.status_code == 403 and response.json()["details"]["area"] == ["数据所属区划不明"]


def test_a_city_bureau_reads_its_districts_roll_up_and_not_another_city(gateway, placed):
    base, world, tokens, bearer = gateway
    headers = {"Authorization": "Bearer " + bearer["city"]}
    for code, status in (("4101", 200), ("410105", 200), ("410183", 200), ("6201", 403), ("41", 403), ("620102", 403)):
        world.calls.clear()
        response = requests.get(base + f"/api/areas/{code}/rollup", headers=headers, timeout=30)
        assert response.status_code == status, (code, response.text)
        assert bool([c for c in world.calls if not c[0].startswith("accounts.")]) == (status == 200)
        assert bool([c for c in world.calls if c[0] == "accounts.audit"]) == (status == 403)  # refusals audited
    response = requests.get(base + "/api/progress", headers=headers, timeout=30)
    assert response.status_code == 200
    assert ("reporting.area_rollup", ({"area": "4101", "as_of": None, "rank": "percent"},)) in world.calls
