"""The bureau's desktop: progress over time (the read model's daily snapshots) and the district's boundary file
for the centres' map (``services/gateway/boundary_map.py``)."""
import base64
import json
from urllib.parse import quote

from nameko.rpc import ServiceRpc
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from services.gateway import boundary_map, overdue_export
from services.gateway.area_scope import area_named
from services.gateway.boundary import one_upload
from services.gateway.http import http, query_dict
from services.gateway.openapi import document
from services.gateway.overdue_lists import CENTRE_COLOURS, overdue_list
from shared.authz import list_filter
from shared.mongo import Mongo
from shared.schemas.common import load_or_raise
from shared.schemas.notifications import OverdueQuerySchema
from shared.schemas.reporting import ProgressTrendQuerySchema, ProgressTrendSchema
from shared.settings import settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ALL = ("admin", "office", "inspector")
document("/api/progress/trend", "get", "全区建设进度随时间的变化（读模型的每日快照，最多 points 个日期，均匀选取，含今天）",
         tag="reports", roles=ALL, query=ProgressTrendQuerySchema, response=ProgressTrendSchema)
document("/api/map/boundary", "get", "本区区划边界（GeoJSON），用于中心地图；尚未上传时返回 404", tag="reports", roles=ALL)
document("/api/map/boundary", "post", "上传或替换本区区划边界文件（GeoJSON 的 FeatureCollection，Polygon 或 MultiPolygon，"
         f"最大 {boundary_map.MAX_BYTES // (1024 * 1024)} MB，最多 {boundary_map.MAX_POSITIONS} 个坐标点）", tag="reports",
         roles=("admin",), multipart={"file": {"type": "string", "format": "binary"}}, multipart_required=("file",),
         errors=(400, 401, 403, 409, 413))
document("/api/overdue/export.xlsx", "get", "导出逾期清单 Excel（与逾期清单相同的筛选：辖区、街道、阶段、类别、颜色；黄、蓝、绿为该颜色的中心清单；"
         f"最多 {overdue_export.MAX_ROWS} 行；街道只导出本街道）", tag="notifications", roles=("admin", "office"),
         query=OverdueQuerySchema, produces=(XLSX,), errors=(400, 401, 403))


class DesktopRoutes:
    reporting = ServiceRpc("reporting")
    notifications = ServiceRpc("notifications")
    assignment = ServiceRpc("assignment")
    boundaries = Mongo(boundary_map.BoundaryStore)

    @http("GET", "/api/progress/trend", action="progress.read")
    def get_progress_trend(self, request, principal):
        return self.reporting.progress_trend(query_dict(request))

    @http("GET", "/api/map/boundary", action="progress.read")
    def get_map_boundary(self, request, principal):
        doc = self.boundaries.get()
        return {"version": doc["version"], "filename": doc["filename"], "features": doc["features"],
                "uploaded_at": doc["uploaded_at"], "geojson": json.loads(doc["geojson"])}

    @http("POST", "/api/map/boundary", action="centres.manage")
    def put_map_boundary(self, request, principal):
        upload = one_upload(request, "file")
        geojson = boundary_map.parse(base64.b64decode(upload["content_b64"]))
        return self.boundaries.replace(geojson, upload["filename"], principal.actor(), self.clock.now().isoformat())

    @http("GET", "/api/overdue/export.xlsx", action="overdue.read")
    def get_overdue_export(self, request, principal):
        query = query_dict(request)
        query["office"], query["area"] = list_filter(principal, "overdue.read", query.get("office"), query.get("area"))
        query = {k: v for k, v in query.items() if v is not None and k not in ("offset", "limit")}
        load_or_raise(OverdueQuerySchema(), query)  # a bad filter is a 400 before any page is read
        today = self.clock.today()
        centres = query.get("colour") in CENTRE_COLOURS

        def page(asked):
            return overdue_list(self.notifications, self.reporting, dict(asked), today)

        first, rows = overdue_export.overdue_rows(page, query, "centres" if centres else "items")
        area = area_named(self.assignment, query.get("area"))
        make = overdue_export.colour_workbook if centres else overdue_export.overdue_workbook
        content = make(first, rows, {**query, "area_name": area and area["name"]},
                       (area and area["name"]) or settings().bulletin_district)
        filename = f"逾期清单-{first['as_of']}.xlsx"
        return Response(wrap_file(request.environ, content), content_type=XLSX, direct_passthrough=True, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})
