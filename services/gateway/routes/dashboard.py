"""The district bureau's dashboard page and its Excel export."""
import logging
from urllib.parse import quote

from marshmallow import fields, validate
from nameko.rpc import ServiceRpc
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from services.gateway import webapp
from services.gateway.area_reports import area_offices, offices_rollup
from services.gateway.auth import PUBLIC
from services.gateway.http import http, query_dict
from services.gateway.openapi import document
from services.gateway.reports import (
    all_centres,
    all_offices,
    centre_colours,
    centre_progress,
    district_rollup,
    progress_workbook,
)
from shared.authz import area_filter
from shared.clock import today
from shared.schemas.common import Day, StrictSchema, load_or_raise

log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportQuerySchema(StrictSchema):
    as_of = Day(load_default=None, allow_none=True)
    area = fields.String(load_default=None, allow_none=True,
                         validate=validate.Regexp(r"^(\d{2}|\d{4}|\d{6})$", error="区划代码应为 2、4 或 6 位数字"),
                         metadata={"description": "the area (province, city or district code) reported; default the account's"})


document("/api/reports/progress.xlsx", "get", "导出建设进度 Excel 报表（中心进度：标题、制表单位、统计截至、筛选；街道排名、分阶段进度、中心名单）",
         tag="reports",
         roles=("admin",), query=ReportQuerySchema, produces=(XLSX,), errors=(400, 401, 403))


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
        query = load_or_raise(ReportQuerySchema(), query_dict(request))
        as_of = query["as_of"] or today()
        area = area_filter(principal, "reports.export", query["area"])
        if area:  # one area's offices (docs/areas.md, gateway/area_reports.py)
            offices = area_offices(self.assignment, self.reporting, area)
            progress = offices_rollup(self.reporting, as_of.isoformat(), offices)
        else:
            offices = all_offices(self.reporting)  # the read model: every office and centre, in pages (gateway/reports.py)
            progress = district_rollup(self.reporting, as_of.isoformat(), offices)  # every office, in pages
        ranking = self._indicator_ranking(as_of)
        if area and ranking:  # only the area's offices
            names = {o["office"] for o in offices}
            ranking = {**ranking, "items": [e for e in ranking["items"] if e["office"] in names]}
        colours = None if as_of < today() else (lambda office: centre_colours(self.reporting, office))
        held = None if as_of >= today() else (  # a past day: the centres each office held then (its stints)
            lambda names: self.reporting.centres_as_of({"offices": names, "as_of": as_of.isoformat()}))
        content = progress_workbook(as_of, offices, progress, all_centres(self.reporting, offices),
                                    {"ranking": ranking, "centre_rows": centre_progress(
                                        self.milestones, offices, as_of.isoformat(), colours, held)})
        filename = f"建设进度报表-{as_of.isoformat()}.xlsx"
        return Response(wrap_file(request.environ, content), content_type=XLSX, direct_passthrough=True, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})
