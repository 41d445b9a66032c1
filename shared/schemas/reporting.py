"""Schemas of the reporting service (the read model) and of the paged reads a rebuild uses."""
from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate

from shared.schemas.common import Day, Level, PageOf, PageSchema, StrictSchema, Whole
from shared.schemas.milestones import ColourCountsSchema, OpenItemSchema, PaceFields, ProgressFilterSchema

ITEM_KINDS = ("milestone", "rectification")


class RollupFilterSchema(ProgressFilterSchema):
    """The roll-up's filters. Without ``office``: the totals are the whole district's, and the rows cover one
    page of offices (``offset``, ``limit``; the default keeps a district of up to 1,000 offices whole) in their
    order of arrival, or with ``order`` "rank" in the district's ranking (today, all phases and levels).
    Ranks are the district's (without phase and level) or within the page (with them)."""

    order = fields.String(load_default="table", validate=validate.OneOf(
        ("table", "rank", "lag"), error="order 必须是 table（按任务分配表顺序）、rank（按排名）或 lag（按落后序时进度程度）"),
        metadata={"description": "table: offices in table order; rank: in the district's ranking; lag: the page's "
                                 "offices by lag_percent, most behind 序时进度 first"})

    limit = Whole(load_default=1000, validate=validate.Range(min=1, max=1000, error="limit 必须是 1 到 1000 之间的整数"),
                  metadata={"description": "offices per page (without office)"})
    offset = Whole(load_default=0, validate=validate.Range(min=0, max=10 ** 6, error="offset 必须是 0 到 1000000 之间的整数"),
                   metadata={"description": "offices to skip, in their order of arrival (without office)"})


class CentreSummaryFilterSchema(PageSchema):
    """Without ``office``: the district's centres office by office (offices in their order of arrival, each
    office's centres by urgency); with one: that office's centres by urgency."""


    office = fields.String(load_default=None, allow_none=True)
    level = Level(load_default=None, allow_none=True)


class CentreSummarySchema(PaceFields):
    centre_id = fields.String()
    centre_name = fields.String()
    level = fields.String(allow_none=True)
    office = fields.String(allow_none=True)
    pilot = fields.Boolean()
    deadline = fields.Date(allow_none=True)
    total = fields.Integer()
    done = fields.Integer()
    overdue = fields.Integer()
    percent_done = fields.Float()
    next_due = fields.Date(allow_none=True, metadata={"description": "the nearest due day not yet passed"})
    open_rectifications = fields.Integer()


class CentreSummaryPageSchema(PageOf):
    items = fields.List(fields.Nested(CentreSummarySchema))


class PhaseSummarySchema(PaceFields):
    phase = fields.Integer()
    total = fields.Integer()
    done = fields.Integer()
    overdue = fields.Integer()
    percent_done = fields.Float()


class OfficeSummarySchema(PaceFields):
    office = fields.String()
    centres = fields.Integer()
    total = fields.Integer()
    done = fields.Integer()
    overdue = fields.Integer()
    percent_done = fields.Float()
    by_phase = fields.List(fields.Nested(PhaseSummarySchema))
    open_rectifications = fields.Integer()
    accepted = fields.Integer()
    failed = fields.Integer(metadata={"description": "centres that failed district acceptance and are not yet accepted"})
    colours = fields.Nested(ColourCountsSchema, metadata={"description": "the office's centres per colour"})


class OpenItemsQuerySchema(StrictSchema):
    kind = fields.String(load_default="milestone", validate=validate.OneOf(ITEM_KINDS))
    before = fields.Date(required=True, metadata={"description": "items due before this day"})
    as_of = fields.Date(load_default=None, allow_none=True)
    office = fields.String(load_default=None, allow_none=True)
    cursor = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=1000))


class KeyItemsQuerySchema(StrictSchema):
    """Open milestones of one step (``key``), in every office or one: a bounded page (我的待办)."""
    key = fields.String(required=True, validate=validate.Length(min=1, max=100))
    office = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class OpenRectificationItemSchema(StrictSchema):
    rectification_id = fields.String()
    centre_id = fields.String()
    centre_name = fields.String()
    office = fields.String()
    item_id = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    due = fields.Date()
    status = fields.String()


def dump_open_items(kind: str, page: Mapping[str, Any]) -> dict[str, Any]:
    schema = OpenRectificationItemSchema if kind == "rectification" else OpenItemSchema
    return {"items": schema(many=True).dump(page["items"]), "cursor": page["cursor"]}


class DueItemsQuerySchema(StrictSchema):
    """Open items due on the given days (the notifications scan), whole (day, office) groups per page."""

    kind = fields.String(load_default="milestone", validate=validate.OneOf(ITEM_KINDS))
    days = fields.List(fields.Date(), required=True, validate=validate.Length(min=1, max=400))
    cursor = fields.String(load_default=None, allow_none=True, metadata={"description": "day|office of the next group"})
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=1000))


class HistoryDaySchema(StrictSchema):
    as_of = Day(required=True)


class OverduePageQuerySchema(PageSchema):
    """A page of the items overdue on ``as_of`` in (due, office, centre, ref) order; ``extra`` {"due|office": n}
    counts items the caller merges into the same order (indicator items)."""

    as_of = fields.Date(required=True)
    office = fields.String(load_default=None, allow_none=True)
    area = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^(\d{2}|\d{4}|\d{6})$", error="area 必须是省、市或区县的区划代码"),
        metadata={"description": "the list of this province, city or district (without office)"})
    extra = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}-\d{2}\|.+")),
                        values=fields.Integer(validate=validate.Range(min=0)), load_default=dict)
    kinds = fields.List(fields.String(validate=validate.OneOf(ITEM_KINDS)), load_default=None, allow_none=True,
                        metadata={"description": "the read model's kinds of items kept (default both)"})
    phase = fields.Integer(load_default=None, allow_none=True, metadata={"description": "milestones of this phase only"})


class OverdueGroupSchema(StrictSchema):
    due = fields.Date()
    office = fields.String()


class OverduePageSchema(StrictSchema):
    total = fields.Integer(metadata={"description": "items overdue (with the extra ones), from the counters"})
    skip = fields.Integer(metadata={"description": "items of the first group that come before offset"})
    groups = fields.List(fields.Nested(OverdueGroupSchema))
    milestones = fields.List(fields.Nested(OpenItemSchema))
    rectifications = fields.List(fields.Nested(OpenRectificationItemSchema))


class CentresAfterSchema(StrictSchema):
    """A page of one office's centres by ``_id`` (equality on office, then _id order)."""

    office = fields.String(required=True)
    after = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class CentresOfOfficesSchema(StrictSchema):
    """Centres of several offices at once, in the given office order and ``_id`` order within each office
    (one equality read per office), at most ``limit``; ``after`` continues inside the first office."""

    offices = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=500))
    after = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=2000, validate=validate.Range(min=1, max=5000))


class ColourPageQuerySchema(PageSchema):
    """Centres of one 序时进度 colour: of an office, an area (province, city or district) or the installation."""

    colour = fields.String(required=True, validate=validate.OneOf(("red", "yellow", "blue", "green")))
    office = fields.String(load_default=None, allow_none=True)
    area = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^(\d{2}|\d{4}|\d{6})$"))


class ColourPageSchema(StrictSchema):
    total = fields.Integer(metadata={"description": "centres of the colour, from the colour counters"})
    items = fields.List(fields.Nested(CentreSummarySchema))


class CentreColoursQuerySchema(StrictSchema):
    centre_ids = fields.List(fields.String(), required=True, validate=validate.Length(max=1000))


class CentreStatesSchema(StrictSchema):
    centre_ids = fields.List(fields.String(), required=True, validate=validate.Length(max=1000))


class ProgressTrendQuerySchema(StrictSchema):
    """The district's progress over time: at most ``points`` days (evenly spaced) up to ``until``."""

    points = Whole(load_default=60, validate=validate.Range(min=1, max=120, error="points 必须是 1 到 120 之间的整数"),
                   metadata={"description": "days shown at most (evenly spaced over the history)"})
    until = Day(load_default=None, allow_none=True, metadata={"description": "the last day (default today)"})


class TrendPointSchema(StrictSchema):
    day = fields.String(metadata={"description": "ISO day"})
    total = fields.Integer()
    done = fields.Integer()
    blocked = fields.Integer()
    overdue = fields.Integer(metadata={"description": "open milestones due before the day"})
    percent_done = fields.Float()


class ProgressTrendSchema(StrictSchema):
    until = fields.String()
    days = fields.Integer(metadata={"description": "days with figures up to until (snapshots and today)"})
    points = fields.List(fields.Nested(TrendPointSchema))
