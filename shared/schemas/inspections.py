"""Schemas of the inspections service's RPC and events."""
from typing import Any

from marshmallow import fields, validate

from shared.schemas.common import ActorSchema, Day, Level, PageOf, PageSchema, StrictSchema, Whole

INSPECTION_KINDS = ("self_check", "district_acceptance", "city_check", "province_check", "re_inspection")
RECTIFICATION_STATUSES = ("open", "submitted", "verified", "reopened", "closed")


def Kind(**kw: Any) -> fields.String:
    """An inspection's kind, one of INSPECTION_KINDS."""
    return fields.String(validate=validate.OneOf(INSPECTION_KINDS, error="检查类型必须是 {} 之一".format("、".join(INSPECTION_KINDS))), **kw)


def RectificationStatus(**kw: Any) -> fields.String:
    """A rectification's status, one of RECTIFICATION_STATUSES."""
    return fields.String(validate=validate.OneOf(RECTIFICATION_STATUSES, error="状态必须是 {} 之一".format("、".join(RECTIFICATION_STATUSES))), **kw)


class StandardOptionSchema(StrictSchema):
    id = fields.String()
    name = fields.String()


class StandardItemSchema(StrictSchema):
    id = fields.String()
    name = fields.String()
    category = fields.String()
    kind = fields.String(metadata={"description": "number_at_least | count_at_least | required_set | yes_no | no_incident"})
    text = fields.String(metadata={"description": "the clause of the standard, in Chinese"})
    unit = fields.String(allow_none=True)
    mandatory = fields.Boolean()
    threshold = fields.Raw(allow_none=True, metadata={"description": "minimum, in ``unit`` (numeric kinds)"})
    required = fields.List(fields.Nested(StandardOptionSchema), metadata={"description": "required options (required_set)"})


class StandardSchema(StrictSchema):
    version = fields.String()
    title = fields.String()
    source = fields.String()
    effective_from = fields.Date()
    level = Level()
    level_name = fields.String()
    items = fields.List(fields.Nested(StandardItemSchema))


class InspectionRequestSchema(StrictSchema):
    kind = Kind(required=True)
    inspected_on = Day(load_default=None, allow_none=True, metadata={"description": "default: today"})
    measurements = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True, metadata={
        "description": "item id -> a number in the item's unit, {value, unit}, a list of option ids, or true/false"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    corrects = fields.String(load_default=None, allow_none=True,
                             metadata={"description": "id of the earlier inspection this record corrects"})
    photos = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(lambda: UploadSchema())),
                         load_default=dict, metadata={"description": "item id -> photos of that item "
                                                      "(over HTTP: multipart files named photos.<item id>)"})


class ItemResultSchema(StrictSchema):
    item_id = fields.String()
    name = fields.String()
    category = fields.String()
    kind = fields.String()
    unit = fields.String(allow_none=True)
    mandatory = fields.Boolean()
    threshold = fields.Raw(allow_none=True)
    required = fields.List(fields.String())
    measured = fields.Raw(allow_none=True)
    status = fields.String(metadata={"description": "pass | fail | not_applicable"})
    reason = fields.String(metadata={"description": "why, in Chinese, with units"})


class InspectionSchema(StrictSchema):
    id = fields.String()
    centre_id = fields.String()
    centre_name = fields.String()
    office = fields.String()
    level = Level()
    kind = Kind()
    seq = fields.Integer()
    inspected_on = fields.Date()
    standard_version = fields.String()
    result = fields.String(metadata={"description": "passed | failed"})
    items = fields.List(fields.Nested(ItemResultSchema))
    failed_items = fields.List(fields.String())
    measurements = fields.Dict()
    note = fields.String()
    corrects = fields.String(allow_none=True)
    corrected_by = fields.String(allow_none=True)
    rectifications = fields.List(fields.String(), metadata={"description": "rectifications opened or reopened"})
    photos = fields.Function(lambda i: {item_id: [{"id": f.get("sha256"), **f} for f in files]
                                        for item_id, files in (i.get("photos") or {}).items()}, metadata={
        "description": "item id -> its photos, each with its id for GET /api/inspections/{id}/photos/{photo_id}"})
    actor = fields.Nested(ActorSchema)
    recorded_at = fields.DateTime()


class InspectionFilterSchema(PageSchema):
    kind = Kind(load_default=None, allow_none=True)


class InspectionPageSchema(PageOf):
    items = fields.List(fields.Nested(InspectionSchema))


class EvidenceFileSchema(StrictSchema):
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


class SubmissionSchema(StrictSchema):
    note = fields.String()
    files = fields.List(fields.Nested(EvidenceFileSchema))
    evidence = fields.Function(lambda s: [{"id": f.get("sha256"), **f} for f in s.get("files") or []], metadata={
        "description": "the files with their id, for GET /api/rectifications/{id}/evidence/{evidence_id}"})
    actor = fields.Nested(ActorSchema)
    at = fields.DateTime()


class RectificationSchema(StrictSchema):
    id = fields.String()
    centre_id = fields.String()
    centre_name = fields.String()
    office = fields.String()
    level = Level()
    item_id = fields.String()
    title = fields.String()
    reason = fields.String(metadata={"description": "why the item failed, in Chinese"})
    verified_reason = fields.String(allow_none=True, metadata={"description": "the passing verdict, once verified"})
    due = fields.Date()
    status = RectificationStatus()
    opened_by = fields.String(metadata={"description": "inspection that opened it"})
    last_inspection = fields.String(allow_none=True)
    opened_at = fields.DateTime()
    version = fields.Integer()
    updated_at = fields.DateTime()
    submissions = fields.List(fields.Nested(SubmissionSchema))
    ack_due = fields.Date(allow_none=True, metadata={"description": "the day by which the office should sign for it"})
    acknowledged_at = fields.DateTime(allow_none=True, metadata={"description": "when the office signed for it (签收)"})
    acknowledged_by = fields.Nested(ActorSchema, allow_none=True)
    chases = fields.Integer(metadata={"description": "how many times the bureau chased it (催办)"})
    closed_at = fields.DateTime(allow_none=True, metadata={"description": "when it was written off (销号)"})
    closed_by = fields.Nested(ActorSchema, allow_none=True)


class ChaseRequestSchema(StrictSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=500, error="催办说明不能为空，且不超过 500 字"))


class ResponseTimeSchema(StrictSchema):
    office = fields.String()
    acknowledged = fields.Integer(metadata={"description": "orders signed for (签收)"})
    fixed = fields.Integer(metadata={"description": "rectifications written off (销号)"})
    ack_seconds = fields.Integer(allow_none=True, metadata={"description": "average seconds from the order to 签收"})
    fix_seconds = fields.Integer(allow_none=True, metadata={"description": "average seconds from the order to 销号"})
    ack_hours = fields.Float(allow_none=True, metadata={"description": "average hours from the order to 签收"})
    fix_days = fields.Float(allow_none=True, metadata={"description": "average days from the order to 销号"})


class ResponseTimesSchema(StrictSchema):
    items = fields.List(fields.Nested(ResponseTimeSchema))


class UnacknowledgedSchema(StrictSchema):
    limit = Whole(load_default=1000, validate=validate.Range(min=1, max=1000, error="每页条数必须是 1 到 1000 之间的整数"))


class RectificationFilterSchema(PageSchema):
    office = fields.String(load_default=None, allow_none=True)
    status = RectificationStatus(load_default=None, allow_none=True)
    centre_id = fields.String(load_default=None, allow_none=True)


class RectificationPageSchema(PageOf):
    items = fields.List(fields.Nested(RectificationSchema))


class QueueFilterSchema(StrictSchema):
    status = RectificationStatus(load_default="submitted")
    office = fields.String(load_default=None, allow_none=True)
    after = fields.String(load_default=None, allow_none=True,
                          metadata={"description": "the cursor of the previous page (its ``next``)"})
    limit = Whole(load_default=100, validate=validate.Range(min=1, max=200, error="每页条数必须是 1 到 200 之间的整数"))


class QueuePageSchema(StrictSchema):
    items = fields.List(fields.Nested(RectificationSchema), metadata={"description": "sorted by due date within the page"})
    next = fields.String(allow_none=True, metadata={"description": "cursor of the next page (after=...), null at the end"})


class LatestInspectionSchema(StrictSchema):
    inspection = fields.Nested(InspectionSchema, allow_none=True,
                               metadata={"description": "null when the centre has no such inspection yet"})


class UploadSchema(StrictSchema):
    """One file as it travels over RPC: its key in the object store (shared/objects.py), never its bytes."""

    filename = fields.String(required=True, validate=validate.Length(min=1, max=200))
    key = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$", error="文件标识有误"))


class SubmissionRequestSchema(StrictSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000, error="整改说明不能为空，且不超过 2000 字"))
    files = fields.List(fields.Nested(UploadSchema), required=True)


# events
class InspectionRecordedSchema(StrictSchema):
    inspection_id = fields.String(required=True)
    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    kind = Kind(required=True)
    result = fields.String(required=True)
    at = fields.DateTime(required=True)


class CentreAcceptedSchema(StrictSchema):
    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    inspection_id = fields.String(required=True)
    at = fields.DateTime(required=True)


class CentreFailedAcceptanceSchema(CentreAcceptedSchema):
    failed_items = fields.List(fields.String(), required=True)


class RectificationOpenedSchema(StrictSchema):
    rectification_id = fields.String(required=True)
    centre_id = fields.String(required=True)
    centre_name = fields.String(required=True)
    office = fields.String(required=True)
    item_id = fields.String(required=True)
    title = fields.String(required=True)
    due = fields.Date(required=True)
    at = fields.DateTime(required=True)


class RectificationClosedSchema(StrictSchema):
    rectification_id = fields.String(required=True)
    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    item_id = fields.String(required=True)
    at = fields.DateTime(required=True)


class RectificationCompletedSchema(StrictSchema):
    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    at = fields.DateTime(required=True)
