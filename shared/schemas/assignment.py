"""Schemas of the assignment service's RPC and events."""
from marshmallow import fields, validate

from shared.schemas.common import ActorSchema, Level, PageOf, PageSchema, StrictSchema, Whole


class CentreSchema(StrictSchema):
    """A grassroots comprehensive cultural service centre (基层综合性文化服务中心)."""

    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,63}$", error="编号只能包含小写字母、数字和连字符"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    level = Level(required=True)
    office = fields.String(required=True, validate=validate.Length(min=1, max=50))
    deadline = fields.Date(required=True)
    pilot = fields.Boolean(load_default=False)
    remark = fields.String(load_default="", validate=validate.Length(max=500))
    # the centre's place (WGS-84 degrees, as a phone's GPS gives), set by the import or the bureau; None until then
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90, error="纬度必须在 -90 到 90 之间"))
    lng = fields.Float(load_default=None, allow_none=True,
                       validate=validate.Range(min=-180, max=180, error="经度必须在 -180 到 180 之间"))
    version = fields.Integer(load_default=None, allow_none=True)
    updated_at = fields.DateTime(load_default=None, allow_none=True)
    # the codes of the areas the centre's office lies in (docs/areas.md); None until the office is placed
    province = fields.String(load_default=None, allow_none=True)
    city = fields.String(load_default=None, allow_none=True)
    district = fields.String(load_default=None, allow_none=True)


class CentreFilterSchema(PageSchema):
    office = fields.String(load_default=None, allow_none=True)
    level = Level(load_default=None, allow_none=True)
    pilot = fields.Boolean(load_default=None, allow_none=True)


class CentreSearchSchema(StrictSchema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=50, error="搜索词为 1 到 50 个字"))
    office = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class OfficeSchema(StrictSchema):
    """A sub-district office (街道办事处) with its centre counts by level."""

    name = fields.String(required=True)
    seq = fields.Integer()
    total = fields.Integer()
    subdistrict = fields.Integer()
    community = fields.Integer()
    village = fields.Integer()
    pilots = fields.Integer()
    province = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    district = fields.String(allow_none=True)


class OfficeQuerySchema(PageSchema):
    """A page of offices in table order: places ``offset + 1`` .. ``offset + limit``."""

    limit = Whole(load_default=1000, validate=validate.Range(min=1, max=1000, error="limit 必须是 1 到 1000 之间的整数"),
                  metadata={"description": "offices per page"})


class OfficePageSchema(PageOf):
    """A page of offices; ``total`` is the number of places in the table: continue at ``offset + limit``
    while it is below ``total`` (a place left empty by a lost race makes a page shorter than ``limit``)."""

    items = fields.List(fields.Nested(OfficeSchema))


class LocationSchema(StrictSchema):
    """The bureau sets one centre's coordinates (WGS-84 degrees, as a phone's GPS gives)."""

    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90, error="纬度必须在 -90 到 90 之间"),
                       error_messages={"required": "请填写纬度", "invalid": "纬度必须是数字"})
    lng = fields.Float(required=True, validate=validate.Range(min=-180, max=180, error="经度必须在 -180 到 180 之间"),
                       error_messages={"required": "请填写经度", "invalid": "经度必须是数字"})
    reason = fields.String(load_default="设置中心坐标", validate=validate.Length(min=1, max=500))
    expected_version = fields.Integer(load_default=None, allow_none=True)


class ReassignSchema(StrictSchema):
    office = fields.String(required=True, validate=validate.Length(min=1, max=50))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    expected_version = fields.Integer(load_default=None, allow_none=True)


class ImportRequestSchema(StrictSchema):
    filename = fields.String(required=True)
    content_b64 = fields.String(required=True)
    dry_run = fields.Boolean(load_default=False)
    actor = fields.Nested(ActorSchema, required=True)
    # the district (code) the table's offices belong to (docs/areas.md); None keeps them where they are
    district = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=12))
    # chosen by the caller to follow a long import with ``import_progress`` while it runs
    import_id = fields.String(load_default=None, allow_none=True,
                              validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$", error="import_id 格式无效"))


class ImportProgressSchema(StrictSchema):
    """How far an import is: ``stage`` is "checking", "writing" or "done"; ``done`` of ``total`` rows written."""

    import_id = fields.String()
    stage = fields.String()
    done = fields.Integer()
    total = fields.Integer()


class ImportReportSchema(StrictSchema):
    status = fields.String()  # "unchanged" | "applied" | "dry_run"
    message = fields.String()
    rows = fields.Integer()
    added = fields.List(fields.String())
    changed = fields.List(fields.String())
    moved = fields.List(fields.String())
    unchanged = fields.Integer()
    absent = fields.List(fields.String())


class CentreEventSchema(StrictSchema):
    """Payload of centre_reassigned / centre_updated."""

    centre = fields.Nested(CentreSchema, required=True)
    previous_office = fields.String(load_default=None, allow_none=True)
    previous_deadline = fields.Date(load_default=None, allow_none=True)
    actor = fields.Nested(ActorSchema, load_default=None, allow_none=True)


class CentresRegisteredSchema(StrictSchema):
    """Payload of centres_registered: up to ``REGISTER_CHUNK`` new centres of one import, each at version 1."""

    centres = fields.List(fields.Nested(CentreSchema), required=True, validate=validate.Length(min=1, max=2000))
    actor = fields.Nested(ActorSchema, load_default=None, allow_none=True)
