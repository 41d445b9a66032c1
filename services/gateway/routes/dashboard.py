"""The district bureau's dashboard page and its Excel export."""
import logging
import tempfile
from urllib.parse import quote

from marshmallow import fields, validate
from nameko.rpc import ServiceRpc
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from services.gateway import webapp
from services.gateway.auth import PUBLIC
from services.gateway.http import http, query_dict
from services.gateway.openapi import document
from services.gateway.progress_export import ExportQuery, Hooks, area_centres, write_workbook
from shared.authz import area_filter
from shared.clock import today
from shared.errors import Conflict
from shared.schemas.common import Day, StrictSchema, load_or_raise
from shared.settings import settings

log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportQuerySchema(StrictSchema):
    as_of = Day(load_default=None, allow_none=True)
    area = fields.String(load_default=None, allow_none=True,
                         validate=validate.Regexp(r"^(\d{2}|\d{4}|\d{6})$", error="区划代码应为 2、4 或 6 位数字"),
                         metadata={"description": "the area (province, city or district code) reported; default the account's"})


document("/api/reports/progress.xlsx", "get", "导出建设进度 Excel 报表（中心进度：标题、制表单位、统计截至、筛选；街道排名、分阶段进度、中心名单）",
         tag="reports",
         roles=("admin",), query=ReportQuerySchema, produces=(XLSX,), errors=(400, 401, 403, 409))


class DashboardRoutes:
    reporting = ServiceRpc("reporting")
    assignment = ServiceRpc("assignment")  # an area's offices
    indicators = ServiceRpc("indicators")
    milestones = ServiceRpc("milestones")

    @http("GET", "/", action=PUBLIC)
    def dashboard(self, request):
        # The pages (built single-page app) are public and hold no data; they log in and call the API.
        return webapp.index_page()

    # the service worker, the manifest and the icons of the installable app (webapp.ROOT_FILES)
    @http("GET", webapp.ROOT_ROUTE, action=PUBLIC)
    def web_root_file(self, request, name):
        return webapp.root_file(name)

    @http("GET", "/assets/<path:name>", action=PUBLIC)
    def web_asset(self, request, name):
        return webapp.asset(name)

    def _indicator_ranking(self, as_of):
        """The year's office ranking from the indicators service, or None (the sheet is left out) if it is down."""
        try:
            return self.indicators.ranking({"period": "year", "year": as_of.year})
        except Exception:
            log.warning("indicators ranking unavailable; Excel report without its sheet", exc_info=True)
            return None

    @http("GET", "/api/reports/progress.xlsx", action="reports.export")
    def progress_report(self, request, principal):
        """The area's workbook streamed as it is written (gateway/progress_export.py); an area of more than
        EXPORT_DIRECT_CENTRES centres is refused with 409 ``export_job_required``: it is exported by a job
        (POST /api/exports, docs/exports.md)."""
        query = load_or_raise(ReportQuerySchema(), query_dict(request))
        as_of = query["as_of"] or today()
        area = area_filter(principal, "reports.export", query["area"])
        limit = settings().export_direct_centres
        centres = area_centres(self, area, limit)
        if centres > limit:
            raise too_large(area, as_of, centres, limit)
        content = tempfile.TemporaryFile()  # noqa: SIM115 (the response streams and closes it)
        export = ExportQuery(area, as_of, today())
        write_workbook(self, export, content, Hooks(indicator_ranking=lambda: self._indicator_ranking(as_of)))
        content.seek(0)
        filename = f"建设进度报表-{as_of.isoformat()}.xlsx"
        return Response(wrap_file(request.environ, content), content_type=XLSX, direct_passthrough=True, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


def too_large(area, as_of, centres, limit):
    """409 for an area too large to export while the request waits, saying how to export it (the job)."""
    return Conflict(f"所选区划共 {centres} 个中心，超过直接下载的上限（{limit} 个）。请点击“导出 Excel”生成导出任务，"
                    "完成后再下载。", {"area": ["too many centres for a direct download; start an export job"],
                                      "centres": centres, "limit": limit,
                                      "job": {"method": "POST", "path": "/api/exports",
                                              "body": {"kind": "progress", "area": area, "as_of": as_of.isoformat()}}}
                    ).with_code("export_job_required")
