"""The monthly, quarterly and yearly 通报 as Word and PDF (services/gateway/bulletins), and sent on a schedule
(bulletins/schedule.py)."""
import logging
from urllib.parse import quote

from nameko.rpc import ServiceRpc
from werkzeug.wrappers import Response

from services.gateway import pdf
from services.gateway.bulletins import charts, content, document, figures, periods
from services.gateway.bulletins import schedule as scheduled
from services.gateway.bulletins.rules import Thresholds
from services.gateway.http import http, json_body
from services.gateway.openapi import document as describe
from shared.errors import EXPECTED, CctrackError, InvalidInput
from shared.mongo import Mongo
from shared.objects import object_store
from shared.rpc import rpc
from shared.schemas.common import load_or_raise
from shared.settings import settings, timer

log = logging.getLogger(__name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PERIOD_HELP = "period：2018-03（月）、2018-Q1（季度）或 2018（年）；进行中的时段统计到今天"
describe("/api/bulletins/{period}.docx", "get", "下载建设进展情况通报（Word，按 GB/T 9704 公文格式，发文字号留空待填）；"
         + PERIOD_HELP, tag="reports", roles=("admin",), errors=(400, 401, 403, 503))
describe("/api/bulletins/schedule", "get", "通报的定时发送设置：发送哪些时段（月度、季度、年度）、时段结束后次月的第几日发送、"
         "发给哪些通知接收人（邮件附 Word 和 PDF，机器人发送正文），以及最近已发送的时段",
         tag="reports", roles=("admin",), errors=(401, 403, 503), response=scheduled.SavedBulletinScheduleSchema)
describe("/api/bulletins/schedule", "put", "修改通报的定时发送设置（每个时段只发送一次）", tag="reports", roles=("admin",),
         body=scheduled.BulletinScheduleSchema, errors=(400, 401, 403, 503), response=scheduled.SavedBulletinScheduleSchema)
describe("/api/bulletins/{period}.pdf", "get", "下载建设进展情况通报（PDF，由 Word 版本经 LibreOffice 转换；转换失败返回 503，"
         "Word 版本仍可下载）；" + PERIOD_HELP, tag="reports", roles=("admin",), errors=(400, 401, 403, 503))


def _attachment(data, content_type, filename):
    return Response(data, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}", "Cache-Control": "no-store"})


class BulletinRoutes:
    reporting = ServiceRpc("reporting")
    notifications = ServiceRpc("notifications")
    indicators = ServiceRpc("indicators")
    schedules = Mongo(scheduled.ScheduleStore)

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

    def _saved_schedule(self):
        saved = self.schedules.get()
        recent = [p.key for p in scheduled.recent_periods(self.clock.today())]
        return scheduled.SavedBulletinScheduleSchema().dump({**saved, "sent": self.schedules.sent(recent)})

    @http("GET", "/api/bulletins/schedule", action="reports.export")
    def get_bulletin_schedule(self, request, principal):
        return self._saved_schedule()

    @http("PUT", "/api/bulletins/schedule", action="reports.export")
    def put_bulletin_schedule(self, request, principal):
        data = load_or_raise(scheduled.BulletinScheduleSchema(), json_body(request))
        if data["enabled"] and not (data["kinds"] and data["contact_ids"]):
            raise InvalidInput("开启定时发送时，请至少选择一种时段和一个接收人",
                               {"kinds" if not data["kinds"] else "contact_ids": ["开启时必填"]})
        known = {c["id"] for c in self.notifications.list_contacts({"limit": 1000, "active": True})["items"]}
        unknown = [c for c in data["contact_ids"] if c not in known]
        if unknown:
            raise InvalidInput("所选接收人不存在或已停用，请重新选择", {"contact_ids": ["不存在或已停用：" + "、".join(unknown)]})
        self.schedules.put(data, principal.actor()["name"], self.clock.now(), self.clock.today())
        return self._saved_schedule()

    @timer("BULLETIN_SCHEDULE_SECONDS")
    def on_bulletin_timer(self):
        self.send_scheduled_bulletins()

    @rpc(expected_exceptions=EXPECTED)
    def send_scheduled_bulletins(self):
        """What the timer does: each period the schedule sends by today, once across replicas (a failed one is
        tried again at the next tick); the periods sent."""
        saved, now, sent = self.schedules.get(), self.clock.now(), []
        for period in scheduled.due(saved, self.clock.today()):
            if not self.schedules.claim(period.key, now):
                continue
            try:
                self._send_bulletin(period, saved["contact_ids"])
            except Exception:
                log.exception("the scheduled 通报 %s was not sent", period.key)
                self.schedules.release(period.key)
                continue
            sent.append(period.key)
        return {"sent": sent}

    def _send_bulletin(self, period, contact_ids):
        found, docx = self._bulletin(period.key)
        files = [{"filename": self._filename(found, "docx"), "key": object_store().put(docx), "content_type": DOCX}]
        try:
            files.append({"filename": self._filename(found, "pdf"), "key": object_store().put(pdf.convert(docx)),
                          "content_type": "application/pdf"})
        except CctrackError:  # LibreOffice failed: the Word version still goes
            log.warning("the scheduled 通报 %s goes without its PDF", period.key)
        title = f"{settings().bulletin_district}{found.label}建设进展情况通报"
        link = settings().public_url.rstrip("/") + f"/#/bulletin?period={found.key}"
        text = (f"{title}已生成，Word 和 PDF 版本见附件（机器人消息不带附件，请在系统中下载）。\n"
                f"下载：{link}\n（由文化服务中心建设管理系统按设置自动发送）")
        self.notifications.send_document({"source": f"bulletin:{found.key}", "subject": f"【通报】{title}",
                                          "text": text, "contact_ids": contact_ids, "attachments": files})
