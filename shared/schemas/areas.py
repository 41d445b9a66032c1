"""Areas (区划, docs/areas.md): the area tree's import and reads, offices placed into a district."""
from marshmallow import fields, validate

from shared.schemas.common import ActorSchema, Day, StrictSchema

Code = validate.Regexp(r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$", error="区划代码应为 2、4、6、9 或 12 位数字")


class AreaSchema(StrictSchema):
    """An area: its short code (2 digits a province, 4 a city, 6 a district or county, 9, 12), name, level, parent."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True, metadata={"description": "province, city, district, subdistrict or village"})
    parent = fields.String(allow_none=True)


class AreaQuerySchema(StrictSchema):
    parent = fields.String(load_default=None, allow_none=True, validate=Code,
                           metadata={"description": "the areas directly under this code; none: the provinces"})


class AreaListSchema(StrictSchema):
    area = fields.Nested(AreaSchema, allow_none=True)
    items = fields.List(fields.Nested(AreaSchema))


class AreaImportRequestSchema(StrictSchema):
    filename = fields.String(required=True)
    content_b64 = fields.String(required=True)
    dry_run = fields.Boolean(load_default=False)
    actor = fields.Nested(ActorSchema, required=True)


class AreaImportReportSchema(StrictSchema):
    rows = fields.Integer()
    added = fields.Integer()
    updated = fields.Integer()
    status = fields.String()
    message = fields.String()


class PlaceOfficesSchema(StrictSchema):
    district = fields.String(required=True, validate=Code)
    offices = fields.List(fields.String(validate=validate.Length(min=1, max=50)), load_default=list,
                          validate=validate.Length(max=1000))
    unplaced = fields.Boolean(load_default=False, metadata={"description": "every office not yet in a district, a batch per call"})
    actor = fields.Nested(ActorSchema, required=True)


class PlacedSchema(StrictSchema):
    district = fields.String()
    offices = fields.List(fields.String())
    centres = fields.Integer()
    more = fields.Boolean()


RANK_ON = ("percent", "lag")


class AreaRollupQuerySchema(StrictSchema):
    area = fields.String(required=True, validate=Code)
    as_of = Day(load_default=None, allow_none=True, metadata={"description": "overdue counted on this day (default today)"})
    rank = fields.String(load_default="percent", validate=validate.OneOf(RANK_ON, error="rank 必须是 percent（完成率）或 lag（落后序时进度）"),
                         metadata={"description": "children ranked on percent done (default) or on lag behind 序时进度"})


class AreaFiguresSchema(StrictSchema):
    """An area's (or, under a district, an office's) figures: milestones in all, done, overdue, percent done."""

    code = fields.String()
    name = fields.String(allow_none=True)
    office = fields.String(allow_none=True)
    level = fields.String()
    offices = fields.Integer()
    centres = fields.Integer()
    total = fields.Integer()
    done = fields.Integer()
    overdue = fields.Integer()
    percent_done = fields.Float()
    rank = fields.Integer(allow_none=True)
    colour = fields.String(allow_none=True, metadata={"description": "序时进度 colour of the area's milestones together"})
    expected_percent = fields.Float(allow_none=True, metadata={"description": "序时进度 (percent expected done by the day)"})
    lag_percent = fields.Float(allow_none=True, metadata={"description": "expected_percent - percent_done (positive: behind)"})
    colours = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"description": "centres per 序时进度 colour (red, yellow, blue, green), from the counters"})


class AreaRollupSchema(StrictSchema):
    area = fields.Nested(AreaFiguresSchema)
    children = fields.List(fields.Nested(AreaFiguresSchema),
                           metadata={"description": "a province's cities, a city's districts, a district's offices, ranked"})
