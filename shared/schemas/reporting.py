"""Schemas of the reporting service (the read model) and of the paged reads a rebuild uses."""
from marshmallow import fields, validate

from shared.schemas.common import Level, PageOf, PageSchema, StrictSchema
from shared.schemas.milestones import OpenItemSchema

ITEM_KINDS = ("milestone", "rectification")


class CentreSummaryFilterSchema(PageSchema):
    office = fields.String(load_default=None, allow_none=True)
    level = Level(load_default=None, allow_none=True)


class CentreSummarySchema(StrictSchema):
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


class PhaseSummarySchema(StrictSchema):
    phase = fields.Integer()
    total = fields.Integer()
    done = fields.Integer()
    overdue = fields.Integer()
    percent_done = fields.Float()


class OfficeSummarySchema(StrictSchema):
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


class OpenItemsQuerySchema(StrictSchema):
    kind = fields.String(load_default="milestone", validate=validate.OneOf(ITEM_KINDS))
    before = fields.Date(required=True, metadata={"description": "items due before this day"})
    as_of = fields.Date(load_default=None, allow_none=True)
    office = fields.String(load_default=None, allow_none=True)
    cursor = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=1000))


class OpenRectificationItemSchema(StrictSchema):
    rectification_id = fields.String()
    centre_id = fields.String()
    centre_name = fields.String()
    office = fields.String()
    item_id = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    due = fields.Date()
    status = fields.String()


class OpenItemsPageSchema(StrictSchema):
    items = fields.List(fields.Raw())
    cursor = fields.String(allow_none=True, metadata={"description": "pass back for the next page; null at the end"})


def dump_open_items(kind, page):
    schema = OpenRectificationItemSchema if kind == "rectification" else OpenItemSchema
    return {"items": schema(many=True).dump(page["items"]), "cursor": page["cursor"]}


class CentresAfterSchema(StrictSchema):
    """A page of one office's centres by ``_id`` (equality on office, then _id order)."""

    office = fields.String(required=True)
    after = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class CentreStatesSchema(StrictSchema):
    centre_ids = fields.List(fields.String(), required=True, validate=validate.Length(max=1000))
