"""Offices, centres and the allocation import."""
from nameko.rpc import ServiceRpc

from services.gateway.boundary import one_upload
from services.gateway.http import http, json_body, query_dict
from services.gateway.openapi import document
from shared.authz import area_filter, authorize, office_filter
from shared.schemas.assignment import (
    CentreFilterSchema,
    CentreSchema,
    CentreSearchSchema,
    ImportReportSchema,
    LocationSchema,
    OfficePageSchema,
    OfficeQuerySchema,
)

document("/api/offices", "get", "街道办事处列表及各级中心数量（按表中顺序分页，每页最多 1000 个）", tag="assignment",
         roles=("admin", "office", "inspector"), query=OfficeQuerySchema, response=OfficePageSchema)
document("/api/centres", "get", "中心列表（可按街道、级别、试点筛选，分页）", tag="assignment",
         roles=("admin", "office", "inspector"), query=CentreFilterSchema)
document("/api/centres/search", "get", "按中心名称或所属街道办事处名称搜索中心（支持中文，如 q=四月天、q=花园路；"
         "街道办事处只搜本街道）", tag="assignment",
         roles=("admin", "office", "inspector"), query=CentreSearchSchema)
document("/api/centres/{centre_id}", "get", "单个中心", tag="assignment", roles=("admin", "office", "inspector"),
         response=CentreSchema)
document("/api/centres/{centre_id}/location", "put", "设置中心坐标（WGS-84 经纬度，手机定位所用坐标系），用于核对佐证照片的拍摄地点；"
         "记入中心的修改记录", tag="assignment", roles=("admin",), body=LocationSchema, response=CentreSchema,
         errors=(400, 401, 403, 404, 409))
document("/api/imports/allocation", "post", "导入任务分配表（CSV 或 xlsx）", tag="assignment", roles=("admin",),
         multipart={"file": {"type": "string", "format": "binary"}, "dry_run": {"type": "boolean"},
                    "district": {"type": "string", "description": "区（县）代码：表中街道办事处归入该区县"}},
         multipart_required=("file",),
         response=ImportReportSchema, errors=(400, 401, 403, 413))


class AssignmentRoutes:
    assignment = ServiceRpc("assignment")

    @http("GET", "/api/offices", action="offices.read")
    def get_offices(self, request, principal):
        return self.assignment.list_offices(query_dict(request))

    @http("GET", "/api/centres", action="centres.read")
    def get_centres(self, request, principal):
        filters = query_dict(request)
        filters["office"] = office_filter(principal, "centres.read", filters.get("office"))
        return self.assignment.list_centres({k: v for k, v in filters.items() if v is not None})

    @http("GET", "/api/centres/search", action="centres.search")
    def search_centres(self, request, principal):
        query = query_dict(request)
        query["office"] = office_filter(principal, "centres.search", query.get("office"))
        return self.assignment.search_centres({k: v for k, v in query.items() if v is not None})

    @http("GET", "/api/centres/<centre_id>", action="centres.read")
    def get_centre(self, request, principal, centre_id):
        centre = self.assignment.get_centre(centre_id)
        authorize(principal, "centres.read", centre["office"])
        return centre

    @http("PUT", "/api/centres/<centre_id>/location", action="centres.manage")
    def put_location(self, request, principal, centre_id):
        return self.assignment.set_location(centre_id, json_body(request), principal.actor())

    @http("POST", "/api/imports/allocation", action="allocation.import")
    def post_allocation(self, request, principal):
        dry_run = request.form.get("dry_run", "").lower() in ("1", "true", "yes")
        district = request.form.get("district") or None  # the district the table's offices belong to (docs/areas.md)
        if district:
            area_filter(principal, "allocation.import", district)  # an area-confined bureau: into its own area only
        return self.assignment.import_allocation({**one_upload(request, "file"), "dry_run": dry_run,
                                                  "actor": principal.actor(), "district": district})
