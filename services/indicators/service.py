"""Entrypoints of the indicators service (RPC name ``indicators``): plan indicators, monthly reports,
tracking and rankings, the residents' survey, and ``open_items`` for the notifications service."""
from nameko.rpc import ServiceRpc, rpc

from services.indicators import area_view, commands, evaluation, figures, loading, monthly, quotas, survey, survey_counts
from services.indicators.plans import load_plans, reporting_rule
from services.indicators.store import IndicatorStore
from shared.clock import Clock
from shared.emitter import EmitsEvents
from shared.errors import EXPECTED, InvalidInput
from shared.health import HealthRpc
from shared.mongo import Mongo
from shared.schemas.common import ActorSchema, load_or_raise
from shared.schemas.indicators import (
    AreaIndicatorsQuerySchema,
    AreaReportSchema,
    CentreYearSchema,
    CentreYearsQuerySchema,
    MonthlyPageSchema,
    MonthlyQuerySchema,
    MonthlyReportSchema,
    RankingQuerySchema,
    StatusQuerySchema,
    SurveyImportSchema,
    SurveyQuerySchema,
    SurveySubmitSchema,
)
from shared.settings import ValidatedSettings


def _plan_out(plan):
    return {"document": plan["document"], "title": plan["title"], "file": plan["file"],
            "indicators": [{**i, "target_date": i["target_date"].isoformat() if i["target_date"] else None}
                           for i in plan["indicators"]]}


class IndicatorsService(HealthRpc, EmitsEvents):
    name = "indicators"

    store = Mongo(IndicatorStore)
    clock = Clock()
    settings = ValidatedSettings()
    assignment = ServiceRpc("assignment")
    read_model = ServiceRpc("reporting")

    def _sources(self):
        return loading.Sources(self.store, self.assignment, self.read_model)

    @rpc(expected_exceptions=EXPECTED)
    def list_plans(self, document=None):
        plans = load_plans()
        return [_plan_out(p) for d, p in sorted(plans.items()) if not document or d == document]

    @rpc(expected_exceptions=EXPECTED)
    def submit_monthly(self, request, actor, request_id=None):
        data = load_or_raise(MonthlyReportSchema(), request, "月报数据有误")
        submission = monthly.Submission(data, load_or_raise(ActorSchema(), actor), self.clock.now(), self.clock.today(),
                                        request_id if isinstance(request_id, str) else None)
        out, events = commands.submit_monthly(self.store, self.assignment, submission)
        self._emit(events)
        return out

    @rpc(expected_exceptions=EXPECTED)
    def get_monthly(self, centre_id, month):
        load_or_raise(MonthlyReportSchema(only=("month",)), {"month": month})
        return commands.get_monthly(self.store, self.assignment, centre_id, month)

    @rpc(expected_exceptions=EXPECTED)
    def list_monthly(self, query):
        data = load_or_raise(MonthlyQuerySchema(), query or {})
        if not data["office"] or not data["month"]:
            raise InvalidInput("请指定街道办事处和月份", {"office": ["required"], "month": ["required"]})
        docs, total = self.store.office_month(data["office"], data["month"], data["limit"], data["offset"])
        return MonthlyPageSchema().dump({"items": [monthly.report_out(d) for d in docs], "total": total,
                                         "limit": data["limit"], "offset": data["offset"]})

    @rpc(expected_exceptions=EXPECTED)
    def set_reporting_start(self, month):
        load_or_raise(MonthlyReportSchema(only=("month",)), {"month": month})
        return commands.set_reporting_start(self.store, month)

    @rpc(expected_exceptions=EXPECTED)
    def reporting(self):
        rule = reporting_rule()
        return {"reporting_from": self.store.setting("reporting_from"), "due_workday": rule["due_workday"],
                "evaluation": rule["evaluation"], "source": rule["source"]}

    @rpc(expected_exceptions=EXPECTED)
    def open_items(self, as_of=None, office=None):
        return commands.open_items(self.store, self.assignment, commands.parse_as_of(as_of, self.clock.today()), office)

    @rpc(expected_exceptions=EXPECTED)
    def status(self, query=None):
        data = load_or_raise(StatusQuerySchema(), query or {})
        as_of = data.pop("as_of") or self.clock.today()
        return commands.status(self._sources(), data, as_of, evaluation.tracked())

    @rpc(expected_exceptions=EXPECTED)
    def ranking(self, query):
        data = load_or_raise(RankingQuerySchema(), query or {})
        return commands.ranking(self._sources(), data, self.clock.today(), evaluation.tracked())

    @rpc(expected_exceptions=EXPECTED)
    def centre_years(self, query):
        """A page of one office's centre-years, as ``monthly_report_submitted`` carries them (for the read
        model's rebuild): {items, next}; ``next`` is the ``after`` of the following page or None."""
        data = load_or_raise(CentreYearsQuerySchema(), query or {})
        items, after = figures.office_page(self.store.office_reports(data["office"]), data["after"], data["limit"])
        return {"items": CentreYearSchema(many=True).dump(items), "next": after}

    # indicators at their own level (docs/areas.md)
    @rpc(expected_exceptions=EXPECTED)
    def submit_area_report(self, request, actor, request_id=None):
        """A district bureau's yearly report toward its city's indicators (a correction: ``based_on_version``)."""
        data = load_or_raise(AreaReportSchema(), request, "报送数据有误")
        submission = quotas.AreaSubmission(data, load_or_raise(ActorSchema(), actor), self.clock.now(),
                                           self.clock.today(), request_id if isinstance(request_id, str) else None)
        return area_view.submit(self.store, self.assignment, submission)

    @rpc(expected_exceptions=EXPECTED)
    def area_report(self, district, year):
        """A district's report of ``year``: its fields, current version (None: 未报送) and history."""
        data = load_or_raise(AreaReportSchema(only=("district", "year")), {"district": district, "year": year})
        return area_view.get_report(self.store, self.assignment, data["district"], data["year"], self.clock.today())

    @rpc(expected_exceptions=EXPECTED)
    def area_indicators(self, query):
        """An area's indicators at its own level: a city's quotas with its districts ranked, a district's own."""
        data = load_or_raise(AreaIndicatorsQuerySchema(), query or {})
        if not data["area"]:
            raise InvalidInput("请指定区划", {"area": ["required"]})
        return area_view.view(self._sources(), data, self.clock.today())

    @rpc(expected_exceptions=EXPECTED)
    def recount_area_reports(self, city, year):
        """Repair a city's districts' current reports of ``year`` from their revisions; the city's figures after."""
        data = load_or_raise(AreaIndicatorsQuerySchema(), {"area": city, "year": year})
        return area_view.recount(self.store, self.assignment, data["area"], data["year"])

    @rpc(expected_exceptions=EXPECTED)
    def survey_form(self, centre_id):
        centre = loading.centre(self.assignment, centre_id)
        token = survey.sign(self.store.survey_secret(), centre_id, int(self.clock.now().timestamp()))
        return {"centre": centre, "token": token,
                "questions": [{"key": k, "text": t, "source": s} for k, t, s in survey.QUESTIONS]}

    @rpc(expected_exceptions=EXPECTED)
    def submit_survey(self, request):
        data = load_or_raise(SurveySubmitSchema(), request, "问卷填写有误")
        centre = loading.centre(self.assignment, data["centre_id"])
        doc = survey.accept(self.store, centre, data, self.clock.now())
        survey_counts.count(self.store, [doc])
        return {"centre_id": doc["centre_id"], "day": doc["day"]}

    @rpc(expected_exceptions=EXPECTED)
    def survey_results(self, query):
        return commands.survey_results(self.store, load_or_raise(SurveyQuerySchema(), query or {}))

    @rpc(expected_exceptions=EXPECTED)
    def import_survey(self, request):
        data = load_or_raise(SurveyImportSchema(), request)
        return commands.import_survey(self.store, self.assignment, data, self.clock.today(), self.clock.now())
