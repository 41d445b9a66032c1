"""Milestones, progress reports with evidence, the audit trail and the roll-up.

An office token sees and reports only its own office's centres. The role part of
``progress.report`` and ``milestones.reopen`` is applied here, like every route's row;
the office part (and the rule on milestones set by inspection results) is applied by the
milestones service, which loads the centre and records a refused attempt in its audit trail.
"""
from urllib.parse import quote

from nameko.rpc import ServiceRpc

from services.gateway.area_reports import named_rollup
from services.gateway.boundary import uploads
from services.gateway.http import form_fields, http, json_body, query_dict, request_id
from services.gateway.objects import send
from services.gateway.openapi import document
from shared.authz import area_filter, area_scope, authorize, office_filter
from shared.errors import InvalidInput
from shared.evidence import ALLOWED as EVIDENCE
from shared.schemas.common import PageSchema
from shared.schemas.milestones import (
    CentreMilestonesSchema,
    DoubtfulPageSchema,
    HistoryPageSchema,
    MilestoneFilterSchema,
    MilestonePageSchema,
    MilestoneSchema,
    ProgressUpdateSchema,
    ReopenSchema,
    RollupSchema,
)
from shared.schemas.reporting import RollupFilterSchema

ALL = ("admin", "office", "inspector")
FORM_FIELDS = ("status", "percent", "note", "reason", "based_on_version", "done_on")
# the phone's position when each photo was taken, one value per evidence file in the same order ("" for none)
POSITION_FIELDS = {"evidence_lat": "lat", "evidence_lng": "lng", "evidence_accuracy": "accuracy"}
THUMBNAIL_CACHE = "private, max-age=31536000, immutable"  # evidence never changes under its id

document("/api/centres/{centre_id}/milestones", "get", "中心的各阶段里程碑（可用 as_of 查看某日状态）", tag="milestones",
         roles=ALL, response=CentreMilestonesSchema)
document("/api/centres/{centre_id}/milestones/{key}/progress", "post",
         "填报进度：multipart 表单字段 + evidence 文件（JPEG/PNG/HEIC/PDF），或 JSON；照片按拍摄地点、时间和是否重复使用核对，"
         "存疑的标注原因但不拒收；based_on_version 必填，版本过期返回 409",
         tag="milestones", roles=("admin", "office"), body=ProgressUpdateSchema, response=MilestoneSchema,
         multipart={"status": {"type": "string", "enum": ["not_started", "in_progress", "blocked", "done"]},
                    "percent": {"type": "integer"}, "note": {"type": "string"}, "reason": {"type": "string"},
                    "based_on_version": {"type": "integer"},
                    "done_on": {"type": "string", "format": "date",
                                "description": "完成日期（补录过去的进度时填写；不晚于今天，不早于建设计划开始）"},
                    "evidence": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "evidence_lat": {"type": "array", "items": {"type": "string"},
                                     "description": "拍摄时手机定位的纬度（WGS-84），每个文件一项，按文件顺序，无则留空"},
                    "evidence_lng": {"type": "array", "items": {"type": "string"},
                                     "description": "拍摄时手机定位的经度（WGS-84），每个文件一项"},
                    "evidence_accuracy": {"type": "array", "items": {"type": "string"},
                                          "description": "拍摄时手机定位的精度（米），每个文件一项"}},
         errors=(400, 401, 403, 404, 409, 413))
document("/api/centres/{centre_id}/milestones/{key}/reopen", "post", "重新打开已完成的里程碑（须说明原因）",
         tag="milestones", roles=("admin",), body=ReopenSchema, response=MilestoneSchema, errors=(400, 401, 403, 404, 409))
document("/api/centres/{centre_id}/history", "get", "中心的审计记录：每次已接受的修改和被拒绝的尝试", tag="milestones",
         roles=ALL)
document("/api/offices/{office}/history", "get", "街道办事处的审计记录（分页，最新在前）", tag="milestones", roles=ALL,
         query=PageSchema, response=HistoryPageSchema)
document("/api/progress", "get", "进度汇总：按街道和阶段统计各状态数量、逾期和完成率，街道按完成率排名（不指定街道时合计为全区，"
         "街道行按 offset/limit 分页，默认 1000 个街道；order=rank 按全区排名分页；名次为全区名次）", tag="milestones",
         roles=ALL, query=RollupFilterSchema,
         response=RollupSchema)
document("/api/milestones", "get", "一个街道办事处的里程碑列表（必须指定 office；按阶段、状态、级别筛选，分页）",
         tag="milestones", roles=ALL,
         query=MilestoneFilterSchema, required=("office",), response=MilestonePageSchema)
document("/api/evidence/{evidence_id}", "get", "佐证材料原件（字节与上传时一致）", tag="milestones", roles=ALL,
         produces=tuple(EVIDENCE))
document("/api/evidence/{evidence_id}/thumbnail", "get", "照片的缩略图（JPEG，长边不超过 320 像素，列表用；可长期缓存）",
         tag="milestones", roles=ALL, errors=(401, 403, 404), produces=("image/jpeg",))
document("/api/offices/{office}/doubtful-evidence", "get", "街道办事处的存疑照片（拍摄地点、时间或重复使用未通过核对），最新在前，分页",
         tag="milestones", roles=ALL, query=PageSchema, response=DoubtfulPageSchema)
document("/api/centres/{centre_id}/doubtful-evidence", "get", "中心的存疑照片，最新在前，分页", tag="milestones", roles=ALL,
         query=PageSchema, response=DoubtfulPageSchema)


def _progress_request(request):
    """The update as a dict, from multipart (with files) or JSON."""
    if request.mimetype == "multipart/form-data":
        update = {k: v for k, v in form_fields(request).items() if v != "" and k not in POSITION_FIELDS}
        unknown = sorted(set(update) - set(FORM_FIELDS))
        if unknown:
            raise InvalidInput("未知字段：{}".format("、".join(unknown)), {k: ["unknown field"] for k in unknown})
        update["evidence"] = uploads(request, "evidence")
        for field, key in POSITION_FIELDS.items():
            values = request.form.getlist(field)
            if len(values) > len(update["evidence"]):
                raise InvalidInput("拍摄位置的项数多于上传的文件数", {field: ["每个文件一项"]})
            for upload, value in zip(update["evidence"], values):
                if value != "":
                    upload[key] = value
        return update
    return json_body(request)


class MilestoneRoutes:
    milestones = ServiceRpc("milestones")
    reporting = ServiceRpc("reporting")
    assignment = ServiceRpc("assignment")  # the names of an area's children (GET /api/progress?area=)

    @http("GET", "/api/centres/<centre_id>/milestones", action="milestones.read")
    def get_centre_milestones(self, request, principal, centre_id):
        result = self.milestones.list_milestones(centre_id, request.args.get("as_of") or None)
        authorize(principal, "milestones.read", result["centre"]["office"])
        return result

    @http("POST", "/api/centres/<centre_id>/milestones/<key>/progress", action="progress.report")
    def post_progress(self, request, principal, centre_id, key):
        # the centre's office is checked by the milestones service, which audits a refusal
        return self.milestones.report_progress(centre_id, key, _progress_request(request), principal.actor(),
                                               request_id(request))

    @http("POST", "/api/centres/<centre_id>/milestones/<key>/reopen", action="milestones.reopen")
    def post_reopen(self, request, principal, centre_id, key):
        body = json_body(request)
        return self.milestones.reopen(centre_id, key, body.get("reason") or "", principal.actor())

    @http("GET", "/api/centres/<centre_id>/history", action="history.read")
    def get_centre_history(self, request, principal, centre_id):
        result = self.milestones.centre_history(centre_id)
        authorize(principal, "history.read", result["centre"]["office"])
        return result

    @http("GET", "/api/offices/<office>/history", action="history.read")
    def get_office_history(self, request, principal, office):
        authorize(principal, "history.read", office)
        return self.milestones.office_history(office, query_dict(request))

    @http("GET", "/api/progress", action="progress.read")
    def get_progress(self, request, principal):
        query = query_dict(request)
        requested = query.pop("area", None)
        if query.get("office"):
            authorize(principal, "progress.read", query["office"])
        elif requested or area_scope(principal) is not None:  # an area's roll-up (docs/areas.md)
            code = area_filter(principal, "progress.read", requested)
            if code:
                return named_rollup(self.reporting, self.assignment, code, query.get("as_of"))
        return self.reporting.progress_rollup(query)  # the read model (reporting service)

    @http("GET", "/api/milestones", action="milestones.read")
    def get_milestones(self, request, principal):
        filters = query_dict(request)
        filters["office"] = office_filter(principal, "milestones.read", filters.get("office"))
        return self.milestones.list_office_milestones({k: v for k, v in filters.items() if v is not None})

    @http("GET", "/api/evidence/<evidence_id>/thumbnail", action="evidence.read")
    def get_thumbnail(self, request, principal, evidence_id):
        doc = self.milestones.get_thumbnail(evidence_id)
        authorize(principal, "evidence.read", doc["office"])
        return send(request, doc["thumbnail_key"], "image/jpeg", {"Cache-Control": THUMBNAIL_CACHE})

    @http("GET", "/api/offices/<office>/doubtful-evidence", action="evidence.read")
    def get_office_doubtful(self, request, principal, office):
        authorize(principal, "evidence.read", office)
        return self.milestones.doubtful_evidence({**query_dict(request), "office": office})

    @http("GET", "/api/centres/<centre_id>/doubtful-evidence", action="evidence.read")
    def get_centre_doubtful(self, request, principal, centre_id):
        page = self.milestones.doubtful_evidence({**query_dict(request), "centre_id": centre_id})
        authorize(principal, "evidence.read", page["office"])
        return page

    @http("GET", "/api/evidence/<evidence_id>", action="evidence.read")
    def get_evidence(self, request, principal, evidence_id):
        doc = self.milestones.get_evidence(evidence_id)
        authorize(principal, "evidence.read", doc["office"])
        return send(request, doc["sha256"], doc["content_type"], {
            "Content-Disposition": "attachment; filename*=UTF-8''{}".format(quote(doc["filename"])), "X-Content-SHA256": doc["sha256"]})
