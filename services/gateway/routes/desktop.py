"""The bureau's desktop: progress over time (the read model's daily snapshots) and the district's boundary file
for the centres' map (``services/gateway/boundary_map.py``)."""
import base64
import json

from nameko.rpc import ServiceRpc

from services.gateway import boundary_map
from services.gateway.boundary import one_upload
from services.gateway.http import http, query_dict
from services.gateway.openapi import document
from shared.mongo import Mongo
from shared.schemas.reporting import ProgressTrendQuerySchema, ProgressTrendSchema

ALL = ("admin", "office", "inspector")
document("/api/progress/trend", "get", "全区建设进度随时间的变化（读模型的每日快照，最多 points 个日期，均匀选取，含今天）",
         tag="reports", roles=ALL, query=ProgressTrendQuerySchema, response=ProgressTrendSchema)
document("/api/map/boundary", "get", "本区区划边界（GeoJSON），用于中心地图；尚未上传时返回 404", tag="reports", roles=ALL)
document("/api/map/boundary", "post", "上传或替换本区区划边界文件（GeoJSON 的 FeatureCollection，Polygon 或 MultiPolygon，"
         f"最大 {boundary_map.MAX_BYTES // (1024 * 1024)} MB，最多 {boundary_map.MAX_POSITIONS} 个坐标点）", tag="reports",
         roles=("admin",), multipart={"file": {"type": "string", "format": "binary"}}, multipart_required=("file",),
         errors=(400, 401, 403, 409, 413))


class DesktopRoutes:
    reporting = ServiceRpc("reporting")
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
