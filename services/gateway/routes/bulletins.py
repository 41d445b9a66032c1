"""The monthly, quarterly and yearly 通报 as Word and PDF (services/gateway/bulletins)."""
from urllib.parse import quote

from nameko.rpc import ServiceRpc
from werkzeug.wrappers import Response

from services.gateway import pdf
from services.gateway.bulletins import charts, content, document, figures, periods
from services.gateway.bulletins.rules import Thresholds
from services.gateway.http import http
from services.gateway.openapi import document as describe
from shared.settings import settings

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PERIOD_HELP = "period：2018-03（月）、2018-Q1（季度）或 2018（年）；进行中的时段统计到今天"
describe("/api/bulletins/{period}.docx", "get", "下载建设进展情况通报（Word，按 GB/T 9704 公文格式，发文字号留空待填）；"
         + PERIOD_HELP, tag="reports", roles=("admin",), errors=(400, 401, 403, 503))
describe("/api/bulletins/{period}.pdf", "get", "下载建设进展情况通报（PDF，由 Word 版本经 LibreOffice 转换；转换失败返回 503，"
         "Word 版本仍可下载）；" + PERIOD_HELP, tag="reports", roles=("admin",), errors=(400, 401, 403, 503))


def _attachment(data, content_type, filename):
    return Response(data, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}", "Cache-Control": "no-store"})


class BulletinRoutes:
    reporting = ServiceRpc("reporting")
    notifications = ServiceRpc("notifications")
    indicators = ServiceRpc("indicators")

    def _bulletin(self, period_text):
        """(period, .docx bytes) of the 通报 for ``period_text``."""
        today = self.clock.today()
        period = periods.parse(period_text, today)
        limit = settings().bulletin_list_limit
        found = figures.gather(self, period, today, limit)
        texts = {key: str(getattr(settings(), f"bulletin_{key}"))
                 for key in ("district", "issuer", "recipients", "copy_to")}
        context = content.context(found, Thresholds.configured(), texts, today)
        progress = found["progress"]
        images = {"chart_status": charts.status_chart(progress["totals"]),
                  "chart_phases": charts.phases_chart(progress["rows"]),
                  "chart_ranking": charts.ranking_chart(progress["offices"], progress["totals"]["percent_done"],
                                                        context["praised_offices"], context["criticised_offices"])}
        return period, document.render(context, images)

    def _filename(self, period, extension):
        return f"{settings().bulletin_district}建设进展情况通报-{period.key}.{extension}"

    @http("GET", "/api/bulletins/<period>.docx", action="reports.export")
    def get_bulletin_docx(self, request, period, principal):
        found, data = self._bulletin(period)
        return _attachment(data, DOCX, self._filename(found, "docx"))

    @http("GET", "/api/bulletins/<period>.pdf", action="reports.export")
    def get_bulletin_pdf(self, request, period, principal):
        found, data = self._bulletin(period)
        return _attachment(pdf.convert(data, still="，Word 版本仍可下载"), "application/pdf", self._filename(found, "pdf"))
