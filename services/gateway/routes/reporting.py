"""Figures from the read model (reporting service): centre summaries by urgency, an office's summary."""
from nameko.rpc import ServiceRpc

from services.gateway.http import http, query_dict
from services.gateway.openapi import document
from shared.authz import authorize, office_filter
from shared.schemas.reporting import (
    CentreSummaryFilterSchema,
    CentreSummaryPageSchema,
    CentreSummarySchema,
    OfficeSummarySchema,
)

ALL = ("admin", "office", "inspector")
document("/api/centre-summaries", "get", "各中心进度摘要，按紧急程度排序（逾期多者在前，其次最近到期日）；街道只看本街道",
         tag="reports", roles=ALL, query=CentreSummaryFilterSchema, response=CentreSummaryPageSchema)
document("/api/offices/{office}/summary", "get", "街道办事处汇总：中心数、里程碑完成与逾期、分阶段、整改与验收结果",
         tag="reports", roles=ALL, response=OfficeSummarySchema)
document("/api/centres/{centre_id}/summary", "get", "一个中心的进度摘要：完成率、逾期、序时进度与状态颜色（红黄蓝绿）；街道只看本街道",
         tag="reports", roles=ALL, response=CentreSummarySchema)


class ReportingRoutes:
    reporting = ServiceRpc("reporting")

    @http("GET", "/api/centre-summaries", action="summaries.read")
    def get_centre_summaries(self, request, principal):
        filters = query_dict(request)
        filters["office"] = office_filter(principal, "summaries.read", filters.get("office"))
        return self.reporting.centre_summaries(filters)

    @http("GET", "/api/centres/<centre_id>/summary", action="summaries.read")
    def get_centre_summary(self, request, principal, centre_id):
        summary = self.reporting.centre_summary(centre_id)
        authorize(principal, "summaries.read", summary["office"])
        return summary

    @http("GET", "/api/offices/<office>/summary", action="summaries.read")
    def get_office_summary(self, request, principal, office):
        authorize(principal, "summaries.read", office)
        return self.reporting.office_summary(office)
