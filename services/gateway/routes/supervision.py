"""签收, 催办, 销号 and 我的待办 (issue 17, issue 16).

An office signs for (签收) each rectification order and each escalation notice; the bureau chases (催办) a
rectification with a note, which the notifications service sends to the office's inbox, its staff and its head
through their channels; the bureau or an inspector writes a rectification off (销号) once its evidence is in and
its re-check passed (the inspections service refuses otherwise). Each of these is recorded in the audit trail.
Per office, the time to sign for and to fix is kept as it happens (inspections service) and listed for the bureau.
``GET /api/todo``: the caller's list of what to do now (services/gateway/todo.py).
"""
from types import SimpleNamespace

from nameko.rpc import ServiceRpc

from services.gateway import todo
from services.gateway.http import http, json_body
from services.gateway.openapi import document
from shared.authz import authorize
from shared.errors import Conflict, NotFound
from shared.schemas.common import load_or_raise
from shared.schemas.inspections import ChaseRequestSchema, RectificationSchema, ResponseTimesSchema
from shared.schemas.notifications import NoticeSchema

TAG = "supervision"
document("/api/rectifications/{rectification_id}/acknowledge", "post", "街道办事处签收整改通知（记录签收时间，写入审计记录）",
         tag=TAG, roles=("office",), response=RectificationSchema, errors=(401, 403, 404, 409))
document("/api/rectifications/{rectification_id}/chase", "post", "区文化主管部门催办整改项：催办说明发送至该街道的站内通知、"
         "工作人员和分管领导", tag=TAG, roles=("admin",), body=ChaseRequestSchema, response=RectificationSchema,
         errors=(400, 401, 403, 404, 409))
document("/api/centres/{centre_id}/milestones/{key}/chase", "post", "区文化主管部门催办一个里程碑：催办说明发送至该街道的"
         "站内通知、工作人员和分管领导", tag=TAG, roles=("admin",), body=ChaseRequestSchema, errors=(400, 401, 403, 404, 409))
document("/api/rectifications/{rectification_id}/close", "post", "整改销号：须已提交整改证明材料且复查通过，否则 409 并说明原因",
         tag=TAG, roles=("admin", "inspector"), response=RectificationSchema, errors=(401, 403, 404, 409))
document("/api/response-times", "get", "各街道办事处的签收用时和整改用时（平均）", tag=TAG, roles=("admin",),
         response=ResponseTimesSchema)
document("/api/notifications/{notice_id}/acknowledge", "post", "街道办事处签收升级通知", tag=TAG, roles=("office",),
         response=NoticeSchema, errors=(400, 401, 403, 404, 409))
document("/api/todo", "get", "我的待办：本人现在要办的事项（街道：到期和逾期的里程碑、待签收和待整改的整改项、未报的月报；"
         "验收人员：待验收、待复查、待销号），每项带页面链接", tag=TAG, roles=("admin", "office", "inspector"))


class SupervisionRoutes:
    inspections = ServiceRpc("inspections")
    notifications = ServiceRpc("notifications")
    reporting = ServiceRpc("reporting")
    indicators = ServiceRpc("indicators")
    milestones = ServiceRpc("milestones")

    def _audit_rect(self, kind, principal, rect_id, rect, detail=None):
        self.tokens.accounts.audit(kind, principal.label(), rect_id, {
            "office": rect["office"], "centre": rect["centre_name"], "title": rect["title"], **(detail or {})},
            self.clock.now())

    @http("POST", "/api/rectifications/<rectification_id>/acknowledge", action="rectifications.acknowledge")
    def post_rectification_acknowledge(self, request, principal, rectification_id):
        rect = self.inspections.acknowledge_rectification(rectification_id, principal.actor())
        self._audit_rect("rectification_acknowledged", principal, rectification_id, rect)
        return rect

    @http("POST", "/api/rectifications/<rectification_id>/chase", action="rectifications.chase")
    def post_rectification_chase(self, request, principal, rectification_id):
        body = json_body(request)
        rect = self.inspections.chase_rectification(rectification_id, body, principal.actor())
        told = self.notifications.chase({
            "kind": "rectification", "ref": rectification_id, "chase_id": str(rect.get("version")), "centre_id": rect["centre_id"],
            "centre_name": rect["centre_name"], "office": rect["office"], "title": "整改：" + rect["title"],
            "due": rect["due"], "note": body.get("note")}, principal.actor())
        self._audit_rect("rectification_chased", principal, rectification_id, rect, {"note": body.get("note"), **(told or {})})
        return rect

    @http("POST", "/api/centres/<centre_id>/milestones/<key>/chase", action="rectifications.chase")
    def post_milestone_chase(self, request, principal, centre_id, key):
        body = load_or_raise(ChaseRequestSchema(), json_body(request), "催办内容有误")
        listed = self.milestones.list_milestones(centre_id)
        milestone = next((m for m in listed.get("milestones") or [] if m.get("key") == key), None)
        if milestone is None:
            raise NotFound(f"中心没有里程碑“{key}”", {"key": [key]})
        if milestone.get("status") == "done":
            raise Conflict("该里程碑已完成，无需催办", {"status": ["已完成"]})
        centre = listed.get("centre") or {}
        chase_id = self.clock.now().isoformat()  # a retried request is answered by its Idempotency-Key
        told = self.notifications.chase({
            "kind": "milestone", "ref": f"{centre_id}/{key}", "chase_id": chase_id, "centre_id": centre_id,
            "centre_name": centre.get("name") or centre_id, "office": centre.get("office") or "",
            "title": milestone.get("title") or key, "due": milestone.get("due"), "note": body["note"]},
            principal.actor())
        self.tokens.accounts.audit("milestone_chased", principal.label(), f"{centre_id}/{key}", {
            "office": centre.get("office"), "centre": centre.get("name"), "title": milestone.get("title"),
            "note": body["note"], **(told or {})}, self.clock.now())
        return told

    @http("POST", "/api/rectifications/<rectification_id>/close", action="rectifications.close")
    def post_rectification_close(self, request, principal, rectification_id):
        rect = self.inspections.close_rectification(rectification_id, principal.actor())
        self._audit_rect("rectification_closed", principal, rectification_id, rect)
        return rect

    @http("GET", "/api/response-times", action="response_times.read")
    def get_response_times(self, request, principal):
        return self.inspections.response_times()

    @http("POST", "/api/notifications/<notice_id>/acknowledge", action="notices.acknowledge")
    def post_notice_acknowledge(self, request, principal, notice_id):
        notice = self.notifications.acknowledge_notice(notice_id, principal.actor())
        self.tokens.accounts.audit("notice_acknowledged", principal.label(), notice_id,
                                   {"office": notice["office"], "title": notice["title"]}, self.clock.now())
        return notice

    @http("GET", "/api/todo", action="todo.read")
    def get_todo(self, request, principal):
        authorize(principal, "todo.read")
        today = self.clock.today()
        sources = SimpleNamespace(reporting=self.reporting, inspections=self.inspections, indicators=self.indicators)
        if principal.get("role") == "office":
            items, more = todo.office_items(sources, principal.get("office"), today)
        else:
            items, more = todo.inspector_items(sources, today)
        items = todo.ordered(items)
        return {"items": items, "total": len(items), "more": more,
                "overdue": sum(1 for i in items if i["overdue"])}
