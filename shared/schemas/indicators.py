"""Schemas of the indicators service: plan files, monthly reports, tracking, ranking, survey.

``METRICS`` is the table of monthly figures a centre reports: name -> (Chinese label, unit, aggregation).
``sum`` figures add up over the months of a period (activities held); ``latest`` figures are stocks whose
last reported value counts (staff on post, troupes, a branch library set up: 0 or 1).
"""
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import LEVELS, Day, Month, PageOf, PageSchema, StrictSchema

METRICS = {
    "activities": ("群众文体活动（单项）次数", "次", "sum"),
    "large_events": ("综合性大型文体活动次数", "次", "sum"),
    "participants": ("活动参与人次", "人次", "sum"),
    "visits": ("到馆服务人次", "人次", "sum"),
    "performances": ("送文艺演出场次", "场", "sum"),
    "opera_performances": ("送戏下乡场次", "场", "sum"),
    "training_days": ("专兼职人员参加集中培训天数（合计）", "天", "sum"),
    "funding_yuan": ("到位业务经费", "元", "sum"),
    "staff_full_time": ("专职（编制）工作人员在岗数", "人", "latest"),
    "staff_part_time": ("兼职工作人员在岗数", "人", "latest"),
    "public_welfare_posts": ("政府购买公益文化岗位数", "个", "latest"),
    "troupes": ("业余文艺团队数", "支", "latest"),
    "safety_incidents": ("重大安全和责任事故数", "起", "sum"),
    "centre_open": ("中心已建成并开放（1 是 0 否）", "个", "latest"),
    "branch_library": ("已设立图书馆/文化馆分馆（1 是 0 否）", "个", "latest"),
    "service_point": ("已设立总分馆服务点（1 是 0 否）", "个", "latest"),
    "culture_coop": ("已建有乡村文化合作社（1 是 0 否）", "个", "latest"),
    "facility_area_m2": ("公共文化设施面积", "平方米", "latest"),
    "population": ("服务人口", "人", "latest"),
    "cultural_spaces": ("新型公共文化空间（城市书房、文化驿站等）数", "个", "latest"),
    "village_history_halls": ("村史馆、非遗馆等公共空间数", "个", "latest"),
    "demonstration_districts": ("获评市级公共文化服务高质量发展示范区数", "个", "sum"),
    "demonstration_subdistricts": ("获评示范街道（乡镇）数", "个", "sum"),
    "demonstration_villages": ("获评示范村数", "个", "sum"),
    "activity_brands": ("获评特色群众文化活动品牌数", "个", "sum"),
    "excellent_culture_branch_systems": ("获评优秀县级文化馆总分馆数", "个", "sum"),
    "excellent_library_branch_systems": ("获评优秀县级图书馆总分馆数", "个", "sum"),
    "beautiful_spaces": ("获评最美新型公共文化空间数", "个", "sum"),
    "volunteer_projects": ("获评优秀文化志愿服务项目数", "个", "sum"),
    "model_volunteers": ("获评最美文化志愿者人数", "人", "sum"),
    "folk_art_towns": ("创建民间文化艺术之乡数", "个", "sum"),
    "model_coops": ("获评示范性乡村文化合作社数", "个", "sum"),
}
SURVEY_METRICS = ("satisfaction_rate",)  # computed from survey responses, not reported
DERIVED = ("centres", "staff_total")  # number of centres in the subject; full-time + part-time staff
KINDS = ("count_at_least", "amount_at_least", "ratio_at_least", "count_at_most", "growth_percent")
SCOPES = ("centre", "office", "district", "city_venue")
PERIODS = ("month", "quarter", "year", "target_date")
STATUSES = ("achieved", "on_track", "at_risk", "missed", "no_data")
MetricName = validate.OneOf(tuple(METRICS) + SURVEY_METRICS, error="未知的统计项")


class SourceSchema(StrictSchema):
    document = fields.String(required=True, validate=validate.OneOf(("000", "001", "002", "003", "004")))
    clause = fields.String(required=True, validate=validate.Length(min=1))
    quote = fields.String(required=True, validate=validate.Length(min=4))


INDICATOR_LEVELS = ("province", "city", "district", "office", "centre")


class AppliesToSchema(StrictSchema):
    # the level the indicator applies at, within its document's area (docs/areas.md): a city's quota, a district's
    # target, each office's or each centre's standard
    level = fields.String(required=True, validate=validate.OneOf(INDICATOR_LEVELS))
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    levels = fields.List(fields.String(validate=validate.OneOf(LEVELS)), load_default=list(LEVELS))
    area_type = fields.String(load_default="district", validate=validate.OneOf(("district", "county")))


class IndicatorSchema(StrictSchema):
    id = fields.String(required=True, validate=validate.Regexp(r"^\d{3}-[a-z0-9-]+$"))
    title = fields.String(required=True)
    applies_to = fields.Nested(AppliesToSchema, required=True)
    period = fields.String(required=True, validate=validate.OneOf(PERIODS))
    target_date = Day(load_default=None)
    baseline_year = fields.Integer(load_default=None)  # growth_percent: None means the previous year
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    metric = fields.String(required=True, validate=MetricName)
    denominator = fields.String(load_default=None, validate=validate.OneOf(tuple(METRICS) + DERIVED))
    scale = fields.Float(load_default=1.0)
    target = fields.Float(required=True)
    unit = fields.String(required=True)
    source = fields.Nested(SourceSchema, required=True)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["period"] == "target_date" and data["target_date"] is None:
            raise ValidationError("period target_date needs target_date", "target_date")
        if data["kind"] == "ratio_at_least" and not data["denominator"]:
            raise ValidationError("ratio_at_least needs a denominator", "denominator")


class ReportingSchema(StrictSchema):
    due_workday = fields.Integer(required=True, validate=validate.Range(min=1, max=20))
    evaluation = fields.List(fields.String(validate=validate.OneOf(("month", "quarter", "year"))), required=True)
    source = fields.Nested(SourceSchema, required=True)


class PlanAreaSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^(\d{2}|\d{4}|\d{6})$"))
    name = fields.String(required=True)


class PlanSchema(StrictSchema):
    document = fields.String(required=True)
    title = fields.String(required=True)
    file = fields.String(required=True)
    area = fields.Nested(PlanAreaSchema, required=True, metadata={"description": "the area whose document this is"})
    reporting = fields.Nested(ReportingSchema, load_default=None)
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True, validate=validate.Length(min=1))


class MonthlyReportSchema(StrictSchema):
    centre_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    month = Month(required=True)
    figures = fields.Dict(keys=fields.String(), values=fields.Raw(metadata={"type": "number", "minimum": 0, "maximum": 10 ** 9}),
                          required=True, metadata={"description": "统计项（见 METRICS）及其数值"})
    note = fields.String(load_default="", validate=validate.Length(max=500))
    based_on_version = fields.Integer(load_default=None, allow_none=True)


class ScheduleSchema(StrictSchema):
    """When monthly reporting starts: ``{"from": "YYYY-MM"}``."""

    from_ = Month(required=True, data_key="from", error_messages={"required": "请填写起报月份 from（YYYY-MM）"})


class MonthlyReportOutSchema(StrictSchema):
    centre_id = fields.String()
    centre_name = fields.String()
    office = fields.String()
    level = fields.String()
    month = fields.String()
    figures = fields.Dict()
    note = fields.String()
    version = fields.Integer()
    late = fields.Boolean()
    due = fields.String()
    actor = fields.Dict()
    at = fields.String()


class MonthlyQuerySchema(PageSchema):
    office = fields.String(load_default=None)
    month = Month(load_default=None)
    centre_id = fields.String(load_default=None)


class MonthlyPageSchema(PageOf):
    items = fields.List(fields.Nested(MonthlyReportOutSchema))


class StatusQuerySchema(PageSchema):
    as_of = Day(load_default=None)
    office = fields.String(load_default=None)
    centre_id = fields.String(load_default=None)
    document = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class RankingQuerySchema(StrictSchema):
    period = fields.String(load_default="year", validate=validate.OneOf(("month", "quarter", "year")))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    number = fields.Integer(load_default=None, validate=validate.Range(min=1, max=12))  # month or quarter


class SurveyQuerySchema(StrictSchema):
    """Results of a centre, an office or (neither given) the district, for a month, a quarter or a year."""

    centre_id = fields.String(load_default=None)
    office = fields.String(load_default=None)
    month = Month(load_default=None)
    quarter = fields.Integer(load_default=None, validate=validate.Range(min=1, max=4, error="季度应为 1 到 4"))
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


class SurveySubmitSchema(StrictSchema):
    centre_id = fields.String(required=True)
    ratings = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    comment = fields.String(load_default="")
    token = fields.String(load_default="")
    website = fields.String(load_default="")  # honeypot: people leave it empty
    client = fields.String(required=True)


class SurveyImportSchema(StrictSchema):
    filename = fields.String(required=True)
    content_b64 = fields.String(required=True)


class ScoresSchema(StrictSchema):
    """A centre's own indicators judged at one month-end: rows judged, summed attainment, rows by status."""

    rows = fields.Integer(required=True)
    attained = fields.Float(required=True)
    achieved = fields.Integer(required=True)
    on_track = fields.Integer(required=True)
    at_risk = fields.Integer(required=True)
    missed = fields.Integer(required=True)


class CentreYearSchema(StrictSchema):
    """A centre's year as the read model keeps it: the current figures of each month reported, the
    revision (sum of the months' versions: it grows with every report or correction) and the scores at
    each month-end ("01".."12")."""

    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    year = fields.Integer(required=True)
    revision = fields.Integer(required=True, validate=validate.Range(min=1))
    months = fields.Dict(keys=Month(), values=fields.Dict(keys=fields.String(
        validate=validate.OneOf(tuple(METRICS))), values=fields.Float(allow_nan=False)), required=True)
    scores = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^(0[1-9]|1[0-2])$")),
                         values=fields.Nested(ScoresSchema), required=True)


class MonthlyEventSchema(CentreYearSchema):
    """Payload of monthly_report_submitted: the report's key, and the centre's year after it was stored."""

    month = fields.String(required=True)
    version = fields.Integer(required=True)
    late = fields.Boolean(required=True)
    at = fields.String(required=True)


class CentreYearsQuerySchema(StrictSchema):
    """A page of one office's centre-years (for the read model's rebuild), after (centre id, year) ``after``."""

    office = fields.String(required=True, validate=validate.Length(min=1))
    after = fields.String(load_default=None, allow_none=True)  # "<centre id>:<year>"
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class IndicatorFiguresQuerySchema(StrictSchema):
    """The read model's indicator figures of a year: the district's document and one per office named."""

    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    offices = fields.List(fields.String(), load_default=list, validate=validate.Length(max=2000))


class StatusChangedSchema(StrictSchema):
    """Payload of indicator_status_changed."""

    indicator_id = fields.String(required=True)
    subject = fields.String(required=True)  # centre id or office name
    subject_kind = fields.String(required=True)  # centre | office
    office = fields.String(required=True)
    period_end = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    previous = fields.String(allow_none=True)
    as_of = fields.String(required=True)


# --- indicators at their own level (docs/areas.md): what a district reports toward its city's indicators --------

DistrictCode = validate.Regexp(r"^\d{6}$", error="区县代码应为 6 位数字，例如 410105")
AreaCode = validate.Regexp(r"^(\d{2}|\d{4}|\d{6})$", error="区划代码应为 2、4 或 6 位数字，例如 4101")


class AreaReportSchema(StrictSchema):
    """A district bureau's yearly report toward its city's indicators: ``figures`` {field key: whole number}
    (the keys ``GET /api/area-reports/{district}/{year}`` lists); a correction names ``based_on_version``."""

    district = fields.String(required=True, validate=DistrictCode)
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100, error="年份应在 2000 到 2100 之间"))
    figures = fields.Dict(keys=fields.String(), values=fields.Raw(metadata={"type": "integer", "minimum": 0}),
                          required=True, metadata={"description": "报送项及其数值（见报送表的 fields）"})
    note = fields.String(load_default="", validate=validate.Length(max=500))
    based_on_version = fields.Integer(load_default=None, allow_none=True)


class AreaIndicatorsQuerySchema(StrictSchema):
    """The indicators of an area at its own level: a city's against their targets with its districts' reports
    and ranking, a district's own. Without ``year``: the latest year with figures."""

    area = fields.String(load_default=None, allow_none=True, validate=AreaCode)
    year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=2000, max=2100))
