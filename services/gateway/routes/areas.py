"""Areas (区划, docs/areas.md): the area tree, its import, and the roll-up of an area with its children ranked."""
from marshmallow import fields, validate
from nameko.rpc import ServiceRpc

from services.gateway.area_reports import named_rollup
from services.gateway.boundary import one_upload
from services.gateway.http import http, query_dict
from services.gateway.openapi import document
from shared.authz import area_filter
from shared.schemas.areas import RANK_ON, AreaImportReportSchema, AreaListSchema, AreaQuerySchema, AreaRollupSchema
from shared.schemas.common import Day, StrictSchema, load_or_raise

ALL = ("admin", "office", "inspector")


class RollupQuerySchema(StrictSchema):
    as_of = Day(load_default=None, allow_none=True)
    rank = fields.String(load_default="percent", validate=validate.OneOf(
        RANK_ON, error="rank 必须是 percent（完成率）或 lag（落后序时进度）"),
        metadata={"description": "children ranked on percent done (default) or on the lag behind 序时进度"})


document("/api/areas", "get", "区划及其下级区划（不指定上级时为本账号所属区划；全部区划的账号为各省）", tag="areas", roles=ALL,
         query=AreaQuerySchema, response=AreaListSchema)
document("/api/areas/import", "post", "导入区划表（CSV 或 xlsx，每行：名称、区划代码）；有错误时逐行说明，不写入任何数据",
         tag="areas", roles=("admin",), multipart={"file": {"type": "string", "format": "binary"},
                                                   "dry_run": {"type": "boolean"}},
         multipart_required=("file",), response=AreaImportReportSchema, errors=(400, 401, 403, 404, 413))
document("/api/areas/{area}/rollup", "get", "区划汇总：本区划的里程碑完成情况，及下级（省的各市、市的各区县、区县的各街道办事处）"
         "按完成率（或 rank=lag 按落后序时进度）排名，各含红、黄、蓝、绿中心数；只能查看本辖区",
         tag="areas", roles=("admin",), query=RollupQuerySchema, response=AreaRollupSchema)


class AreaRoutes:
    assignment = ServiceRpc("assignment")
    reporting = ServiceRpc("reporting")

    @http("GET", "/api/areas", action="areas.read")
    def get_areas(self, request, principal):
        query = load_or_raise(AreaQuerySchema(), query_dict(request))
        return self.assignment.list_areas({"parent": area_filter(principal, "areas.read", query["parent"])})

    @http("POST", "/api/areas/import", action="areas.manage")
    def post_areas_import(self, request, principal):
        dry_run = request.form.get("dry_run", "").lower() in ("1", "true", "yes")
        return self.assignment.import_areas({**one_upload(request, "file"), "dry_run": dry_run, "actor": principal.actor()})

    @http("GET", "/api/areas/<area>/rollup", action="rollups.read")
    def get_area_rollup(self, request, principal, area):
        query = load_or_raise(RollupQuerySchema(), query_dict(request))
        code = area_filter(principal, "rollups.read", area)
        return named_rollup(self.reporting, self.assignment, code,
                            query["as_of"].isoformat() if query["as_of"] else None, query["rank"])
