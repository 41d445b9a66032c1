"""Schemas of the milestones service's RPC and events."""
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.clock import today
from shared.schemas.common import ActorSchema, Day, Level, PageOf, PageSchema, StrictSchema, Whole

STATUSES = ("not_started", "in_progress", "blocked", "done")
OWNERS = ("office", "inspection")


def Status(**kw: Any) -> fields.String:
    """A milestone's status, one of STATUSES."""
    return fields.String(validate=validate.OneOf(STATUSES, error="状态必须是 not_started、in_progress、blocked 或 done 之一"), **kw)


def Phase(**kw: Any) -> fields.Integer:
    """A phase number, 1 to 9."""
    return fields.Integer(validate=validate.Range(min=1, max=9, error="阶段必须是 1 到 9 之间的整数"), **kw)


class EvidenceUploadSchema(StrictSchema):
    """One evidence file as it travels over RPC (its key in the object store, never its bytes), with the phone's position when the
    photo was taken if the page had one (WGS-84 degrees, accuracy in metres)."""

    filename = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content_type = fields.String(load_default="", allow_none=True)
    key = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$", error="文件标识有误"))
    lat = fields.Float(load_default=None, allow_none=True,
                       validate=validate.Range(min=-90, max=90, error="拍摄位置的纬度必须在 -90 到 90 之间"),
                       error_messages={"invalid": "拍摄位置的纬度必须是数字"})
    lng = fields.Float(load_default=None, allow_none=True,
                       validate=validate.Range(min=-180, max=180, error="拍摄位置的经度必须在 -180 到 180 之间"),
                       error_messages={"invalid": "拍摄位置的经度必须是数字"})
    accuracy = fields.Float(load_default=None, allow_none=True,
                            validate=validate.Range(min=0, max=1_000_000, error="定位精度必须是 0 到 1000000 之间的米数"),
                            error_messages={"invalid": "定位精度必须是数字"})

    @validates_schema
    def _both(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ValidationError({"lat": ["拍摄位置的经度和纬度须同时提供"]})


class PositionSchema(StrictSchema):
    lat = fields.Float()
    lng = fields.Float()
    accuracy_m = fields.Integer(allow_none=True)


class FlagSchema(StrictSchema):
    code = fields.String(metadata={"description": "far | before_phase | too_old | after_receipt | duplicate"})
    reason = fields.String(metadata={"description": "for people, in Chinese"})


class VerdictSchema(StrictSchema):
    """The checks on one photo (docs/evidence.md): 存疑 when any flag is raised; never a refusal."""

    doubtful = fields.Boolean()
    flags = fields.List(fields.Nested(FlagSchema))
    notes = fields.List(fields.String(), metadata={"description": "what could not be checked, e.g. 照片未带拍摄时间"})
    distance_m = fields.Integer(allow_none=True, metadata={"description": "metres from the centre's coordinates"})
    place = fields.String(allow_none=True, metadata={"description": "where it was taken, in words"})


class EvidenceSchema(StrictSchema):
    """Stored evidence, without its bytes; a photo also says when and where it was taken and its verdict."""

    id = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    taken_at = fields.String(allow_none=True, metadata={"description": "EXIF capture time, ISO 8601 with offset"})
    gps = fields.Nested(PositionSchema, allow_none=True, metadata={"description": "EXIF GPS position"})
    browser_position = fields.Nested(PositionSchema, allow_none=True,
                                     metadata={"description": "the phone's position at capture, sent by the page"})
    received_at = fields.String(metadata={"description": "when the server received it, ISO 8601"})
    width = fields.Integer()
    height = fields.Integer()
    verdict = fields.Nested(VerdictSchema)
    thumbnail = fields.Boolean(metadata={"description": "GET /api/evidence/{id}/thumbnail serves a small JPEG"})


class DoubtfulEvidenceSchema(EvidenceSchema):
    """One 存疑 photo with the centre and milestone it was reported for."""

    centre_id = fields.String()
    centre_name = fields.String()
    office = fields.String()
    key = fields.String()
    milestone_title = fields.String()
    at = fields.DateTime()


class DoubtfulPageSchema(PageOf):
    """A page of 存疑 evidence, newest first; ``truncated`` when more than the 1,000 newest exist."""

    office = fields.String(metadata={"description": "the office of the list (a centre's list: the centre's office)"})
    items = fields.List(fields.Nested(DoubtfulEvidenceSchema))
    truncated = fields.Boolean()


class ProgressUpdateSchema(StrictSchema):
    status = Status(required=True)
    percent = Whole(load_default=None, allow_none=True,
                             validate=validate.Range(min=0, max=100, error="进度百分比必须是 0 到 100 之间的整数"))
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    based_on_version = Whole(required=True, validate=validate.Range(min=1, max=2 ** 31 - 1,
                                                                    error="based_on_version 必须是正整数"),
                             error_messages={"required": "必须提供所依据的版本号 based_on_version"})
    evidence = fields.List(fields.Nested(EvidenceUploadSchema), load_default=list,
                           validate=validate.Length(max=10, error="每次最多上传 10 个佐证材料"))
    done_on = Day(load_default=None, allow_none=True, metadata={
        "description": "the day the reported work was done (a past day, to enter a district's past; not after "
                       "today, not before the programme starts); history (as_of) counts the report from that day"})

    @validates_schema
    def _rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors = {}
        if data.get("done_on") is not None and data["done_on"] > today():
            errors["done_on"] = [f"完成日期不能晚于今天（{today().isoformat()}）"]
        if data["status"] == "blocked" and not (data.get("reason") or "").strip():
            errors["reason"] = ["状态为“受阻”时必须填写原因"]
        percent = data.get("percent")
        if data["status"] == "done" and percent not in (None, 100):
            errors["percent"] = ["已完成的进度必须是 100"]
        if data["status"] == "not_started" and percent not in (None, 0):
            errors["percent"] = ["未开始的进度必须是 0"]
        if errors:
            raise ValidationError(errors)


class ReopenSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500, error="重新打开必须填写原因"))


class MilestoneSchema(StrictSchema):
    key = fields.String()
    title = fields.String()
    phase = fields.Integer()
    owner = fields.String()
    due = fields.Date(allow_none=True)
    status = fields.String()
    percent = fields.Integer()
    version = fields.Integer()
    note = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    overdue = fields.Boolean()
    evidence = fields.List(fields.Nested(EvidenceSchema))
    updated_at = fields.DateTime(allow_none=True)


class CentreInfoSchema(StrictSchema):
    id = fields.String()
    name = fields.String()
    level = fields.String()
    office = fields.String()
    deadline = fields.Date(allow_none=True)
    pilot = fields.Boolean()


class CentreMilestonesSchema(StrictSchema):
    centre = fields.Nested(CentreInfoSchema)
    as_of = fields.Date()
    milestones = fields.List(fields.Nested(MilestoneSchema))


class OfficeMilestoneSchema(MilestoneSchema):
    centre_id = fields.String()
    centre_name = fields.String()
    office = fields.String()
    level = fields.String()


class MilestoneFilterSchema(PageSchema):
    office = fields.String(load_default=None, allow_none=True)
    phase = Phase(load_default=None, allow_none=True)
    status = Status(load_default=None, allow_none=True)
    level = Level(load_default=None, allow_none=True)
    key = fields.String(load_default=None, allow_none=True)


class MilestonePageSchema(PageOf):
    items = fields.List(fields.Nested(OfficeMilestoneSchema))


class HistoryEntrySchema(StrictSchema):
    """One line of the audit trail: an accepted change or a refused attempt."""

    at = fields.DateTime()
    outcome = fields.String(metadata={"description": "accepted | refused | info"})
    kind = fields.String(metadata={"description": "created, progress, reopen, due_changed, system, reassigned, ..."})
    centre_id = fields.String()
    office = fields.String(allow_none=True)
    key = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    actor = fields.Nested(ActorSchema)
    role = fields.String(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    note = fields.String(allow_none=True)
    error = fields.Dict(allow_none=True)


class HistoryPageSchema(PageOf):
    items = fields.List(fields.Nested(HistoryEntrySchema))


class ProgressFilterSchema(StrictSchema):
    office = fields.String(load_default=None, allow_none=True)
    phase = Phase(load_default=None, allow_none=True)
    level = Level(load_default=None, allow_none=True)
    as_of = Day(load_default=None, allow_none=True)


PACE_COLOURS = ("red", "yellow", "blue", "green")


class PaceFields(StrictSchema):
    """序时进度 and its colour (services/reporting/pace.py; names in shared/labels.py PACE_COLOURS)."""

    colour = fields.String(validate=validate.OneOf(PACE_COLOURS), metadata={
        "description": "red: overdue; yellow: behind 序时进度 by more than PACE_MARGIN_PERCENT; blue: an open "
                       "milestone due within PACE_DUE_SOON_WORKDAYS working days; green: on or ahead"})
    expected_percent = fields.Float(metadata={"description": "序时进度: the percent that should be done by the day, "
                                                             "from working days elapsed in each milestone's window"})
    lag_percent = fields.Float(metadata={"description": "expected_percent - percent_done (positive: behind)"})


class ColourCountsSchema(StrictSchema):
    red = fields.Integer()
    yellow = fields.Integer()
    blue = fields.Integer()
    green = fields.Integer()


class RollupCountsSchema(PaceFields):
    total = fields.Integer()
    not_started = fields.Integer()
    in_progress = fields.Integer()
    blocked = fields.Integer()
    done = fields.Integer()
    overdue = fields.Integer()
    percent_done = fields.Float()


class RollupTotalsSchema(RollupCountsSchema):
    colours = fields.Nested(ColourCountsSchema, metadata={
        "description": "centres per colour in the district (or the office), of the level if given, all phases"})


class RollupRowSchema(RollupCountsSchema):
    office = fields.String()
    phase = fields.Integer()


class RollupOfficeSchema(PaceFields):
    office = fields.String()
    total = fields.Integer()
    done = fields.Integer()
    overdue = fields.Integer()
    percent_done = fields.Float()
    rank = fields.Integer()
    lag_rank = fields.Integer(metadata={"description": "place by lag_percent within the page (1: lags most)"})


class RollupSchema(StrictSchema):
    as_of = fields.Date()
    rows = fields.List(fields.Nested(RollupRowSchema))
    offices = fields.List(fields.Nested(RollupOfficeSchema))
    offices_total = fields.Integer(metadata={"description": "offices the pages run over (table order: every "
                                                            "office; rank order: the ranked ones)"})
    totals = fields.Nested(RollupTotalsSchema)


class OpenItemSchema(StrictSchema):
    """A milestone not yet done, with its due date (for the notifications service)."""

    centre_id = fields.String()
    centre_name = fields.String()
    office = fields.String()
    level = fields.String()
    key = fields.String()
    title = fields.String()
    phase = fields.Integer()
    owner = fields.String()
    due = fields.Date()
    status = fields.String()
    phase_end = fields.Date()


def HeldCentres() -> fields.Dict:
    """{office: ids of the centres it held on a past day}: at most 100 offices, each a bounded list."""
    return fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                       values=fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                                          validate=validate.Length(max=20000)),
                       validate=validate.Length(max=100), load_default=dict)


class OfficesAsOfQuerySchema(StrictSchema):
    """Offices whose past day is replayed from the revisions (``milestones.offices_as_of``), a page at a time;
    ``centres`` {office: centre ids} names the centres an office held that day (the read model's stints), where
    they differ from its present ones (a centre moved since, or registered after the day)."""

    offices = fields.List(fields.String(validate=validate.Length(min=1, max=200)), required=True,
                          validate=validate.Length(min=1, max=100))
    as_of = Day(required=True)
    centres = HeldCentres()


class OfficeAsOfSchema(StrictSchema):
    """One office at the end of a past day, from the revisions: its figures in the read model's shape (``cells``
    "phase|level": total, a count per status, ``open_due`` {due: n}) and its milestones overdue that day."""

    office = fields.String()
    cells = fields.Dict(keys=fields.String(), values=fields.Dict())
    overdue = fields.List(fields.Nested(OpenItemSchema))


class CentreProgressQuerySchema(StrictSchema):
    """Offices whose centres' progress the Excel report lists (``milestones.centre_progress``), a page at a time."""

    offices = fields.List(fields.String(validate=validate.Length(min=1, max=200)), required=True,
                          validate=validate.Length(min=1, max=100))
    as_of = Day(load_default=None, allow_none=True)
    centres = HeldCentres()  # as in OfficesAsOfQuerySchema: the centres each office held on a past ``as_of``


class CentreProgressSchema(StrictSchema):
    centre_id = fields.String()
    centre_name = fields.String(allow_none=True)
    office = fields.String()
    level = fields.String(allow_none=True)
    total = fields.Integer()
    done = fields.Integer()
    phase = fields.Integer(allow_none=True, metadata={"description": "phase of the first milestone not done"})
    overdue = fields.Integer()
    days_overdue = fields.Integer(metadata={"description": "working days the oldest overdue milestone is late"})


# events dispatched by the milestones service

class ProgressUpdatedSchema(StrictSchema):
    """One accepted change of a milestone (progress, reopen, done by the system); ``version`` is the
    revision (``centre:key:version`` in the milestones store), so readers apply each change once."""

    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    key = fields.String(required=True)
    phase = fields.Integer(required=True)
    due = fields.Date(required=True, allow_none=True)
    status = fields.String(required=True)
    previous_status = fields.String(required=True)
    percent = fields.Integer(required=True)
    version = fields.Integer(required=True)
    actor = fields.Nested(ActorSchema, required=True)
    at = fields.DateTime(required=True)
    done_on = fields.Date(load_default=None, allow_none=True,
                          metadata={"description": "the day the work was done, when reported for a past day"})


class PlannedMilestoneSchema(StrictSchema):
    key = fields.String(required=True)
    phase = fields.Integer(required=True)
    title = fields.String(required=True)
    owner = fields.String(required=True)
    order = fields.Integer(required=True)
    due = fields.Date(required=True, allow_none=True)
    phase_end = fields.Date(required=True, allow_none=True)
    phase_start = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "the phase's first day: the window of 序时进度 starts there"})
    status = fields.String(required=True)
    version = fields.Integer(required=True)


class MilestonesPlannedSchema(StrictSchema):
    """Version 1 of a centre's milestones was created (registration, a plan change, a sync)."""

    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    milestones = fields.List(fields.Nested(PlannedMilestoneSchema), required=True)
    at = fields.DateTime(required=True)


class MilestonesPlannedBatchSchema(StrictSchema):
    """Version 1 of the milestones of many new centres at once (one ``centres_registered`` chunk)."""

    planned = fields.List(fields.Nested(MilestonesPlannedSchema), required=True)


class MilestoneCompletedSchema(StrictSchema):
    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    key = fields.String(required=True)
    phase = fields.Integer(required=True)
    at = fields.DateTime(required=True)


class PhaseCompletedSchema(StrictSchema):
    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    phase = fields.Integer(required=True)
    at = fields.DateTime(required=True)


class CentreBuiltSchema(StrictSchema):
    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    at = fields.DateTime(required=True)


class MilestoneDueChangedSchema(StrictSchema):
    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    previous_due = fields.Date(required=True, allow_none=True)
    due = fields.Date(required=True, allow_none=True)
