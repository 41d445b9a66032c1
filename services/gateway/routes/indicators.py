"""Indicators (issue 10): plan indicators, status and ranking, monthly reports, the residents' survey.

The survey page ``/s/<centre_id>`` is public (no login) and answers HTML; everything under ``/api`` is JSON
and declares its row of the one authorization rule (shared/authz.py) like every other route.
"""
import hashlib
from urllib.parse import quote

from nameko.rpc import ServiceRpc
from werkzeug.wrappers import Response

from services.gateway import poster
from services.gateway import survey as page
from services.gateway.auth import PUBLIC
from services.gateway.boundary import one_upload
from services.gateway.http import form_fields, http, json_body, query_dict, request_id
from services.gateway.openapi import document
from shared.authz import area_filter, authorize, office_filter
from shared.errors import Conflict, InvalidInput, NotFound
from shared.schemas.common import MONTH_PATTERN, MONTH_TEXT, load_or_raise
from shared.schemas.indicators import (
    AreaIndicatorsQuerySchema,
    AreaReportSchema,
    MonthlyPageSchema,
    MonthlyQuerySchema,
    MonthlyReportSchema,
    RankingQuerySchema,
    ScheduleSchema,
    StatusQuerySchema,
    SurveyQuerySchema,
)

ALL = ("admin", "office", "inspector")
TAG = "indicators"
document("/api/indicators", "get", "各文件的指标（来源条款及原文），可按 document 筛选", tag=TAG, roles=ALL)
document("/api/indicators/status", "get", "指标进度：截至 as_of 的完成值、按当前进度的期末预计和状态（中心、街道；"
         "不指定时为各街道和全区的指标，by_status 另计各中心的指标，来自读模型）",
         tag=TAG, roles=ALL, query=StatusQuerySchema)
document("/api/indicators/ranking", "get", "街道办事处月度、季度、年度考评排名（指标完成度 80 分 + 群众满意度 20 分）",
         tag=TAG, roles=ALL, query=RankingQuerySchema)
document("/api/indicators/area", "get", "本级指标：市的各项指标对照目标（由各区县报送汇总，未报送的区县单列）及各区县排名；"
         "区县的报送表和本区县指标；不指定年份时为有数据的最近年度；只能查看本辖区", tag=TAG, roles=("admin",),
         query=AreaIndicatorsQuerySchema)
document("/api/area-reports", "post", "区县报送本年度市级指标数据（更正即提交新版本，based_on_version 过期返回 409）", tag=TAG,
         roles=("admin",), body=AreaReportSchema, errors=(400, 401, 403, 404, 409))
document("/api/area-reports/{district}/{year}", "get", "区县某年度的指标报送表：报送项、当前数据（未报送为空）及历次报送",
         tag=TAG, roles=("admin",), path_params={"district": {"type": "string", "pattern": r"^\d{6}$"},
                                                 "year": {"type": "integer"}})
document("/api/monthly-reports", "post", "填报月度服务数据（更正即提交新版本，based_on_version 过期返回 409）", tag=TAG,
         roles=("admin", "office"), body=MonthlyReportSchema, errors=(400, 401, 403, 404, 409))
document("/api/monthly-reports", "get", "某街道某月的月报（office、month 必填，分页）", tag=TAG, roles=ALL,
         query=MonthlyQuerySchema, required=("office", "month"), response=MonthlyPageSchema)
document("/api/monthly-reports/{centre_id}/{month}", "get", "一个中心某月的月报及全部历史版本", tag=TAG, roles=ALL,
         path_params={"month": {"type": "string", "pattern": MONTH_PATTERN, "description": MONTH_TEXT}})
document("/api/monthly-reports/schedule", "get", "月报规则：起报月份、截止工作日（来源 001）", tag=TAG, roles=ALL)
document("/api/monthly-reports/schedule", "post", "设置起报月份 {\"from\": \"YYYY-MM\"}，此后缺报计入逾期事项", tag=TAG,
         roles=("admin",), body=ScheduleSchema)
document("/api/survey/results", "get", "满意度测评结果：中心（centre_id）、街道（office）或全区，按月（month）、季度（year + "
         "quarter）或年度（year）", tag=TAG, roles=("admin", "office"), query=SurveyQuerySchema)
document("/api/survey/imports", "post", "导入第三方满意度测评结果（CSV 或 xlsx，逐行校验，有错不写入）", tag=TAG,
         roles=("admin",), multipart={"file": {"type": "string", "format": "binary"}}, multipart_required=("file",),
         errors=(400, 401, 403, 413))
document("/api/centres/{centre_id}/survey-qr.png", "get", "中心满意度评价页的二维码（PNG，可打印）", tag=TAG, roles=ALL,
         produces=("image/png",))
document("/api/centres/{centre_id}/survey-poster.png", "get",
         "中心满意度评价海报（A4 图片：中心名称、“扫码评价我们的服务”、二维码和短链接）", tag=TAG, roles=ALL,
         produces=("image/png",))
document("/api/centres/{centre_id}/survey-poster.pdf", "get", "中心满意度评价海报（A4 PDF，可直接打印）", tag=TAG,
         roles=ALL, produces=("application/pdf",), errors=(401, 403, 404, 503))
document("/s/{centre_id}", "get", "公众满意度评价页（无需登录，手机优先）", tag=TAG, produces=("text/html",), errors=(404,))


def _client(request):
    """The client's address as the nearest proxy saw it (the last X-Forwarded-For hop), else the socket's.
    Only a salted hash of it is kept, by the indicators service."""
    forwarded = [p.strip() for p in (request.headers.get("X-Forwarded-For") or "").split(",") if p.strip()]
    return forwarded[-1] if forwarded else (request.remote_addr or "unknown")


def _html(result):
    status, text = result
    return Response(text, status=status, content_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


class IndicatorRoutes:
    indicators = ServiceRpc("indicators")
    assignment = ServiceRpc("assignment")  # a centre's office

    @http("GET", "/api/indicators", action="indicators.read")
    def get_indicators(self, request, principal):
        return {"items": self.indicators.list_plans(request.args.get("document") or None)}

    @http("GET", "/api/indicators/status", action="indicators.read")
    def get_indicator_status(self, request, principal):
        query = query_dict(request)
        if query.get("centre_id"):
            centre = self.assignment.get_centre(query["centre_id"])
            authorize(principal, "indicators.read", centre["office"])
        else:
            office = office_filter(principal, "indicators.read", query.get("office"))
            query.pop("office", None)
            if office:
                query["office"] = office
        return self.indicators.status(query)

    @http("GET", "/api/indicators/ranking", action="ranking.read")
    def get_ranking(self, request, principal):
        return self.indicators.ranking(query_dict(request))

    @http("GET", "/api/indicators/area", action="quotas.read")
    def get_area_indicators(self, request, principal):
        query = load_or_raise(AreaIndicatorsQuerySchema(), query_dict(request))
        code = area_filter(principal, "quotas.read", query["area"])
        if not code:
            raise InvalidInput("请指定区划", {"area": ["请选择省、市或区县"]})
        return self.indicators.area_indicators({"area": code, "year": query["year"]})

    @http("POST", "/api/area-reports", action="quotas.submit")
    def post_area_report(self, request, principal):
        body = json_body(request)
        district = load_or_raise(AreaReportSchema(), body, "报送数据有误")["district"]
        authorize(principal, "quotas.submit", district=district)
        return 201, self.indicators.submit_area_report(body, principal.actor(), request_id(request))

    @http("GET", "/api/area-reports/<district>/<year>", action="quotas.read")
    def get_area_report(self, request, principal, district, year):
        load_or_raise(AreaReportSchema(only=("district", "year")), {"district": district, "year": year})
        authorize(principal, "quotas.read", district=district)
        return self.indicators.area_report(district, year)

    @http("POST", "/api/monthly-reports", action="monthly.submit")
    def post_monthly_report(self, request, principal):
        body = json_body(request)
        return 201, self.indicators.submit_monthly(body, principal.actor(), request_id(request))

    @http("GET", "/api/monthly-reports", action="monthly.read")
    def get_monthly_reports(self, request, principal):
        query = query_dict(request)
        query["office"] = office_filter(principal, "monthly.read", query.get("office"))
        return self.indicators.list_monthly({k: v for k, v in query.items() if v is not None})

    @http("GET", "/api/monthly-reports/schedule", action="monthly.read")
    def get_monthly_schedule(self, request, principal):
        return self.indicators.reporting()

    @http("POST", "/api/monthly-reports/schedule", action="monthly.schedule")
    def post_monthly_schedule(self, request, principal):
        return self.indicators.set_reporting_start(load_or_raise(ScheduleSchema(), json_body(request))["from_"])

    @http("GET", "/api/monthly-reports/<centre_id>/<month>", action="monthly.read")
    def get_monthly_report(self, request, principal, centre_id, month):
        result = self.indicators.get_monthly(centre_id, month)
        authorize(principal, "monthly.read", result["centre"]["office"])
        return result

    @http("GET", "/api/survey/results", action="survey.read")
    def get_survey_results(self, request, principal):
        query = query_dict(request)
        if query.get("centre_id"):
            authorize(principal, "survey.read", self.assignment.get_centre(query["centre_id"])["office"])
        else:
            query["office"] = office_filter(principal, "survey.read", query.get("office"))
        return self.indicators.survey_results({k: v for k, v in query.items() if v is not None})

    @http("POST", "/api/survey/imports", action="survey.import")
    def post_survey_import(self, request, principal):
        return self.indicators.import_survey(one_upload(request, "file"))

    @http("GET", "/api/centres/<centre_id>/survey-qr.png", action="centres.read")
    def get_survey_qr(self, request, principal, centre_id):
        centre = self.assignment.get_centre(centre_id)
        authorize(principal, "centres.read", centre["office"])
        url = request.host_url.rstrip("/") + "/s/" + centre_id
        png = page.qr_png(url)
        return Response(png, content_type="image/png", headers={
            "Content-Disposition": f"inline; filename=survey-{centre_id}.png",
            "ETag": hashlib.sha256(png).hexdigest()[:16], "X-Survey-URL": url})

    def _poster(self, request, principal, centre_id):
        centre = self.assignment.get_centre(centre_id)
        authorize(principal, "centres.read", centre["office"])
        return {**centre, "name": centre.get("name") or centre_id}, request.host_url.rstrip("/") + "/s/" + centre_id

    @http("GET", "/api/centres/<centre_id>/survey-poster.png", action="centres.read")
    def get_survey_poster_png(self, request, principal, centre_id):
        centre, url = self._poster(request, principal, centre_id)
        return Response(poster.poster_png(centre, url), content_type="image/png", headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(centre['name'])}-poster.png"})

    @http("GET", "/api/centres/<centre_id>/survey-poster.pdf", action="centres.read")
    def get_survey_poster_pdf(self, request, principal, centre_id):
        centre, url = self._poster(request, principal, centre_id)
        return Response(poster.poster_pdf(centre, url), content_type="application/pdf", headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(centre['name'])}-poster.pdf"})

    @http("GET", "/s/<centre_id>", action=PUBLIC)
    def get_survey_page(self, request, centre_id):
        try:
            return _html(page.form_page(self.indicators.survey_form(centre_id)))
        except NotFound:
            return _html(page.message_page("未找到", "没有找到这个文化服务中心，请核对二维码或链接。", 404))

    @http("POST", "/s/<centre_id>", action=PUBLIC)
    def post_survey_page(self, request, centre_id):
        fields = form_fields(request)
        ratings = {k: v for k, v in fields.items() if k not in ("comment", "token", "website")}
        submission = {"centre_id": centre_id, "ratings": ratings, "comment": fields.get("comment", ""),
                      "token": fields.get("token", ""), "website": fields.get("website", ""),
                      "client": _client(request)}
        try:
            self.indicators.submit_survey(submission)
        except NotFound:
            return _html(page.message_page("未找到", "没有找到这个文化服务中心，请核对二维码或链接。", 404))
        except Conflict as exc:
            return _html(page.message_page("已评价", exc.message, 429))
        except InvalidInput as exc:
            messages = [m for msgs in (exc.details or {}).values() for m in (msgs if isinstance(msgs, list) else [msgs])]
            form = self.indicators.survey_form(centre_id)
            values = {**ratings, "comment": fields.get("comment", "")}
            said = list(dict.fromkeys([exc.message, *messages]))  # each said once ("提交过快" is both)
            return _html(page.form_page(form, said, values, status=400))
        form = self.indicators.survey_form(centre_id)
        return _html(page.thanks_page(form["centre"]["name"]))
