"""Entrypoints of the gateway (service name ``gateway``): the HTTP API on
``WEB_SERVER_ADDRESS`` and a few RPCs the CLI uses to manage tokens.

Routes live in ``routes/`` as mixins, one per area; this class composes them.
"""
import logging

import eventlet

from services.gateway import expiry, sessions
from services.gateway.area_scope import AreaScope
from services.gateway.auth import PUBLIC, TokenStore
from services.gateway.exports import ExportStore
from services.gateway.http import http, json_response
from services.gateway.idempotency import KEEP_SECONDS
from services.gateway.openapi import build_spec, document
from services.gateway.routes.accounts import AccountRoutes
from services.gateway.routes.areas import AreaRoutes
from services.gateway.routes.assignment import AssignmentRoutes
from services.gateway.routes.bulletins import BulletinRoutes
from services.gateway.routes.dashboard import DashboardRoutes
from services.gateway.routes.desktop import DesktopRoutes
from services.gateway.routes.exports import ExportRoutes
from services.gateway.routes.indicators import IndicatorRoutes
from services.gateway.routes.inspections import InspectionRoutes
from services.gateway.routes.labels import LabelRoutes
from services.gateway.routes.milestones import MilestoneRoutes
from services.gateway.routes.notifications import NotificationRoutes
from services.gateway.routes.reporting import ReportingRoutes
from services.gateway.routes.supervision import SupervisionRoutes
from shared.clock import Clock
from shared.errors import EXPECTED, InvalidInput, NotFound, ServiceUnavailable
from shared.mongo import Mongo
from shared.rpc import PART_NAMES, BoundedRpc, bound_rpc_clients, rpc
from shared.schemas.common import ROLES
from shared.settings import ValidatedSettings, timer

BACKEND_SERVICES = ("assignment", "milestones", "inspections", "notifications", "reporting", "indicators")
HEALTH_TIMEOUT_SECONDS = 3
log = logging.getLogger(__name__)

document("/healthz", "get", "健康检查：消息队列、各服务及其数据库", tag="system", errors=(503,))


@bound_rpc_clients  # every RPC of every route mixin: RPC_TIMEOUT_SECONDS, then 503 (shared/rpc.py)
class GatewayService(AccountRoutes, AssignmentRoutes, MilestoneRoutes, InspectionRoutes, NotificationRoutes, DashboardRoutes,
                     ReportingRoutes, IndicatorRoutes, BulletinRoutes, LabelRoutes, AreaRoutes,
                     SupervisionRoutes, DesktopRoutes, ExportRoutes):
    name = "gateway"

    tokens = Mongo(TokenStore)
    exports = Mongo(ExportStore)  # export jobs (routes/exports.py, exports.py)
    area_scope = AreaScope()  # an area-confined caller's offices placed, its refusals audited (area_scope.py)
    cluster = BoundedRpc(slow=True)  # token RPCs for the CLI; /healthz bounds its own calls
    clock = Clock()
    settings = ValidatedSettings()

    @http("GET", "/openapi.json", action=PUBLIC)
    def openapi(self, request):
        return build_spec()

    @http("GET", "/healthz", action=PUBLIC)
    def healthz(self, request):
        """Every check runs at once, each bounded (HEALTH_TIMEOUT_SECONDS), so the answer comes within seconds."""
        def check(name):
            try:
                with eventlet.Timeout(HEALTH_TIMEOUT_SECONDS):
                    if name == "store":
                        self.tokens.db.command("ping")
                    else:
                        getattr(self.cluster, name).health()
                return name, "ok"
            except ServiceUnavailable as exc:
                return name, f"error: {exc.message}"
            except BaseException as exc:  # eventlet.Timeout is a BaseException; report, don't crash
                return name, f"error: {type(exc).__name__}"

        pool = eventlet.GreenPool(len(BACKEND_SERVICES) + 1)
        checks = dict(pool.imap(check, ("store",) + BACKEND_SERVICES))
        healthy = all(v == "ok" for v in checks.values())
        body = {"status": "ok" if healthy else "degraded", "checks": checks}
        if not healthy:
            down = [PART_NAMES.get(k, "网关数据库" if k == "store" else k) for k, v in checks.items() if v != "ok"]
            body.update(error="service_unavailable", message="暂不可用：" + "、".join(down))
        return json_response(body, 200 if healthy else 503)

    @timer("GATEWAY_EXPIRY_SECONDS")
    def expire_records(self):
        """Old idempotency keys, login failures and idle sessions go, a day at a time (expiry.py)."""
        deleted = expiry.sweep(self.tokens.db, self.clock.now(), sessions.idle_limit(), KEEP_SECONDS)
        if any(deleted.values()):
            log.info("expired records deleted: %s", deleted)

    # Token management, for the CLI (``cctrack token ...``); not exposed over HTTP.
    @rpc(expected_exceptions=EXPECTED)
    def create_token(self, role, office=None, label="", area=None):
        if role not in ROLES:
            raise InvalidInput("角色必须是 {} 之一".format("、".join(ROLES)), {"role": ["unknown role"]})
        if role == "office":
            try:
                self.cluster.assignment.get_office(office)  # one _id read
            except NotFound:
                raise InvalidInput(f"街道办事处“{office}”不存在，请先导入任务分配表",
                                   {"office": ["unknown office"]}) from None
        elif office:
            raise InvalidInput("只有 office 角色的令牌绑定街道办事处", {"office": ["only for role office"]})
        if area and role != "admin":
            raise InvalidInput("只有 admin 角色的令牌绑定区划", {"area": ["only for role admin"]})
        if area:
            self._check_area(area, ("province", "city", "district"))
        token, doc = self.tokens.create(role, office if role == "office" else None, label, self.clock.now(), area or None)
        return {"token": token, "role": role, "office": doc["office"], "label": doc["label"], "prefix": doc["prefix"]}

    @rpc
    def list_tokens(self):
        return [{**t, "created_at": t["created_at"].isoformat()} for t in self.tokens.list()]

    @rpc(expected_exceptions=EXPECTED)
    def revoke_token(self, prefix):
        count = self.tokens.revoke(prefix)
        if not count:
            raise InvalidInput(f"没有以“{prefix}”开头的令牌", {"prefix": ["no such token"]})
        return {"revoked": count}
