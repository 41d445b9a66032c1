"""The construction standard, inspections and rectifications.

Who may post which kind of inspection is decided by the inspections service with
the kind's row of the one rule (``inspections.record.<kind>``: an office, self-checks
of its own centres only); this layer applies each route's row and keeps office
tokens to their own office's rectifications.
"""
import json
from urllib.parse import quote

from nameko.rpc import ServiceRpc
from werkzeug.wrappers import Response

from services.gateway import inspection_documents, pdf
from services.gateway.boundary import uploads
from services.gateway.http import form_fields, http, json_body, query_dict, request_id
from services.gateway.objects import send, stash
from services.gateway.openapi import document
from shared.authz import authorize, office_filter
from shared.errors import InvalidInput
from shared.evidence import ALLOWED as EVIDENCE
from shared.schemas.common import LEVELS
from shared.schemas.inspections import (
    InspectionFilterSchema,
    InspectionPageSchema,
    InspectionRequestSchema,
    InspectionSchema,
    LatestInspectionSchema,
    QueueFilterSchema,
    QueuePageSchema,
    RectificationFilterSchema,
    RectificationPageSchema,
    RectificationSchema,
    StandardSchema,
)
from shared.settings import settings

ALL = ("admin", "office", "inspector")

document("/api/standards", "get", "建设标准的各个版本", tag="inspections", roles=ALL, many=True)
document("/api/standards/{level}", "get", "某一级别（subdistrict / village / community）的建设标准：检查项、阈值和单位；"
         "可用 version 指定版本，默认为当前生效版本", tag="inspections", roles=ALL, response=StandardSchema,
         path_params={"level": {"type": "string", "enum": list(LEVELS)}})
document("/api/centres/{centre_id}/inspections", "post",
         "录入一次检查并自动判定：验收人员录入区级验收、市/省检查和复查；街道办事处只能录入本街道中心的自查。"
         "不合格项自动生成整改项；更正请新建记录并填写 corrects。带现场照片时用 multipart 表单：inspection 为 JSON，"
         "每项的照片为 photos.<检查项> 文件（JPEG、PNG）", tag="inspections", roles=ALL,
         body=InspectionRequestSchema, response=InspectionSchema, status=201, errors=(400, 401, 403, 404, 409, 413),
         multipart={"inspection": {"type": "string", "description": "the inspection as JSON (without photos)"},
                    "photos.<item_id>": {"type": "array", "items": {"type": "string", "format": "binary"}}})
document("/api/centres/{centre_id}/inspections/latest", "get",
         "复查从上次的实测值开始：中心最近一次检查（kind 为将要录入的类型：自查取最近的自查，其余取验收人员最近的检查），"
         "没有时 inspection 为 null", tag="inspections", roles=ALL, response=LatestInspectionSchema)
document("/api/inspections/{inspection_id}/photos/{photo_id}", "get", "检查记录中某一检查项的现场照片（photo_id 见 photos）",
         tag="inspections", roles=ALL)
document("/api/inspections/{inspection_id}/record.pdf", "get", "下载验收单（PDF）：中心、街道、日期、检查人员、逐项标准值、"
         "实测值和判定、签字栏", tag="inspections", roles=ALL, errors=(401, 403, 404, 503))
document("/api/rectifications/queue", "get", "待复查队列：全区（或一个街道办事处）某一状态的整改项，默认为已提交材料、等待复查的；"
         "按游标分页（after 为上一页的 next），每页按期限排序；街道办事处只看到本街道的", tag="inspections", roles=ALL,
         query=QueueFilterSchema, response=QueuePageSchema)
document("/api/rectifications/{rectification_id}/notice.pdf", "get",
         "下载整改通知书（PDF）：开立该整改项的检查中尚未销号的不合格项、整改要求和完成期限",
         tag="inspections", roles=ALL, errors=(401, 403, 404, 503))
document("/api/centres/{centre_id}/inspections", "get", "中心的检查记录（最新在前，分页）", tag="inspections", roles=ALL,
         query=InspectionFilterSchema, response=InspectionPageSchema)
document("/api/inspections/{inspection_id}", "get", "单条检查记录及逐项判定", tag="inspections", roles=ALL,
         response=InspectionSchema)
document("/api/rectifications", "get", "一个街道办事处或一个中心的整改项列表（必须指定 office 或 centre_id，可按状态筛选，分页；"
         "街道办事处只看到本街道的）",
         tag="inspections", roles=ALL, query=RectificationFilterSchema, response=RectificationPageSchema)
document("/api/rectifications/{rectification_id}", "get", "单个整改项及其状态变化记录", tag="inspections", roles=ALL,
         response=RectificationSchema)
document("/api/rectifications/{rectification_id}/evidence/{evidence_id}", "get",
         "下载整改证明材料（evidence_id 见整改项 submissions[].evidence[].id）", tag="inspections", roles=ALL,
         produces=tuple(EVIDENCE))
document("/api/rectifications/{rectification_id}/submissions", "post",
         "街道办事处提交整改材料：multipart 表单，note 为整改说明，evidence 为一个或多个文件（PDF、JPEG、PNG）",
         tag="inspections", roles=("office",), response=RectificationSchema,
         multipart={"note": {"type": "string"},
                    "evidence": {"type": "array", "items": {"type": "string", "format": "binary"}}},
         errors=(400, 401, 403, 404, 409, 413))


PHOTO_FIELD = "photos."


def _pdf(data, filename):
    return Response(data, content_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}", "Cache-Control": "no-store"})


def _inspection_request(request):
    """The inspection as a dict, from JSON or from a multipart form (``inspection`` JSON, ``photos.<item>`` files)."""
    if request.mimetype != "multipart/form-data":
        return json_body(request)
    unknown = sorted(set(form_fields(request)) - {"inspection"})
    unknown += sorted(k for k in request.files if not k.startswith(PHOTO_FIELD) or k == PHOTO_FIELD)
    if unknown:
        raise InvalidInput("未知字段：{}".format("、".join(unknown)), {k: ["unknown field"] for k in unknown})
    try:
        body = json.loads(request.form.get("inspection") or "")
    except ValueError:
        raise InvalidInput("检查数据不是有效的 JSON", {"inspection": ["invalid JSON"]}) from None
    if not isinstance(body, dict):
        raise InvalidInput("检查数据必须是 JSON 对象", {"inspection": ["JSON object required"]})
    photos = {}
    for field in request.files:
        photos[field[len(PHOTO_FIELD):]] = [
            stash(f.filename or "", f.read()) for f in request.files.getlist(field)]
    return {**body, "photos": photos} if photos else body


class InspectionRoutes:
    inspections = ServiceRpc("inspections")

    @http("GET", "/api/standards", action="standards.read")
    def get_standard_versions(self, request, principal):
        return self.inspections.list_standard_versions()

    @http("GET", "/api/standards/<level>", action="standards.read")
    def get_standard(self, request, principal, level):
        return self.inspections.get_standard(level, request.args.get("version") or None)

    @http("POST", "/api/centres/<centre_id>/inspections", action="inspections.record")
    def post_inspection(self, request, principal, centre_id):
        return 201, self.inspections.record_inspection(centre_id, _inspection_request(request), principal.actor(),
                                                     request_id(request))

    @http("GET", "/api/centres/<centre_id>/inspections/latest", action="inspections.read")
    def get_latest_inspection(self, request, principal, centre_id):
        return self.inspections.latest_inspection(centre_id, request.args.get("kind") or "re_inspection",
                                                  principal.actor())

    @http("GET", "/api/inspections/<inspection_id>/photos/<photo_id>", action="inspections.read")
    def get_inspection_photo(self, request, principal, inspection_id, photo_id):
        doc = self.inspections.get_inspection_photo(inspection_id, photo_id)
        authorize(principal, "inspections.read", doc["office"])
        return send(request, doc["sha256"], doc["content_type"], {
            "Content-Disposition": "inline; filename*=UTF-8''{}".format(quote(doc["filename"])), "X-Content-SHA256": doc["sha256"]})

    @http("GET", "/api/inspections/<inspection_id>/record.pdf", action="inspections.read")
    def get_inspection_record(self, request, principal, inspection_id):
        inspection = self.inspections.get_inspection(inspection_id, principal.actor())
        standard = self.inspections.get_standard(inspection["level"], inspection.get("standard_version") or None)
        docx = inspection_documents.record_docx(inspection, standard)
        return _pdf(pdf.convert(docx), "验收单-{}-{}.pdf".format(inspection["centre_name"], inspection["inspected_on"]))

    @http("GET", "/api/centres/<centre_id>/inspections", action="inspections.read")
    def get_inspections(self, request, principal, centre_id):
        return self.inspections.list_inspections(centre_id, query_dict(request), principal.actor())

    @http("GET", "/api/inspections/<inspection_id>", action="inspections.read")
    def get_inspection(self, request, principal, inspection_id):
        return self.inspections.get_inspection(inspection_id, principal.actor())

    @http("GET", "/api/rectifications", action="rectifications.read")
    def get_rectifications(self, request, principal):
        filters = query_dict(request)
        filters["office"] = office_filter(principal, "rectifications.read", filters.get("office"))
        return self.inspections.list_rectifications({k: v for k, v in filters.items() if v is not None})

    @http("GET", "/api/rectifications/queue", action="rectifications.read")
    def get_rectification_queue(self, request, principal):
        filters = query_dict(request)
        filters["office"] = office_filter(principal, "rectifications.read", filters.get("office"))
        return self.inspections.rectification_queue({k: v for k, v in filters.items() if v is not None})

    @http("GET", "/api/rectifications/<rectification_id>/notice.pdf", action="rectifications.read")
    def get_rectification_notice(self, request, principal, rectification_id):
        rectification = self.inspections.get_rectification(rectification_id)
        authorize(principal, "rectifications.read", rectification["office"])
        inspection = self.inspections.get_inspection(rectification["opened_by"], principal.actor())
        standard = self.inspections.get_standard(inspection["level"], inspection.get("standard_version") or None)
        # every item the same inspection opened that is still to be rectified (one centre's: a bounded read)
        page = self.inspections.list_rectifications({"centre_id": rectification["centre_id"], "limit": 1000})
        listed = [r for r in page["items"] if r["opened_by"] == rectification["opened_by"] and r["status"] not in ("verified", "closed")]
        listed = listed or [rectification]
        docx = inspection_documents.notice_docx(inspection, listed, standard,
                                                settings().bulletin_issuer, self.clock.today())
        return _pdf(pdf.convert(docx), "整改通知书-{}-{}.pdf".format(rectification["centre_name"], inspection["inspected_on"]))

    @http("GET", "/api/rectifications/<rectification_id>", action="rectifications.read")
    def get_rectification(self, request, principal, rectification_id):
        rectification = self.inspections.get_rectification(rectification_id)
        authorize(principal, "rectifications.read", rectification["office"])
        return rectification

    @http("GET", "/api/rectifications/<rectification_id>/evidence/<evidence_id>", action="rectifications.read")
    def get_rectification_evidence(self, request, principal, rectification_id, evidence_id):
        doc = self.inspections.get_rectification_evidence(rectification_id, evidence_id)
        authorize(principal, "rectifications.read", doc["office"])
        return send(request, doc["sha256"], doc["content_type"], {
            "Content-Disposition": "attachment; filename*=UTF-8''{}".format(quote(doc["filename"])), "X-Content-SHA256": doc["sha256"]})

    @http("POST", "/api/rectifications/<rectification_id>/submissions", action="rectifications.submit")
    def post_rectification_submission(self, request, principal, rectification_id):
        if request.mimetype != "multipart/form-data":
            raise InvalidInput("请以 multipart/form-data 提交：note 为整改说明，evidence 为文件", {"body": ["multipart required"]})
        unknown = sorted(set(form_fields(request)) - {"note"})
        if unknown:
            raise InvalidInput("未知字段：{}".format("、".join(unknown)), {k: ["unknown field"] for k in unknown})
        submission = {"note": request.form.get("note", ""), "files": uploads(request, "evidence")}
        return 201, self.inspections.submit_rectification(rectification_id, submission, principal.actor(),
                                                          request_id(request))
