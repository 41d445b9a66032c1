"""Field types and helpers used by several schema modules."""
from marshmallow import Schema, ValidationError, fields, validate

from shared.errors import InvalidInput

LEVELS = ("subdistrict", "community", "village")
LEVEL_NAMES = {"subdistrict": "街道", "community": "社区", "village": "村"}
ROLES = ("admin", "office", "inspector")

Level = lambda **kw: fields.String(validate=validate.OneOf(LEVELS, error="级别必须是 subdistrict、community 或 village 之一"), **kw)  # noqa: E731


class StrictSchema(Schema):
    """Unknown fields are an error, so a typo in a request is reported, not ignored."""

    class Meta:
        unknown = "raise"
        ordered = True


def load_or_raise(schema, data, message="输入有误"):
    """``schema.load(data)``, turning ValidationError into InvalidInput with field-level details."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise InvalidInput(message, exc.messages) from None


class PageSchema(StrictSchema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class PageOf(StrictSchema):
    """Base of paginated results: subclasses add ``items``."""

    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class ActorSchema(Schema):
    """Who is acting: passed by the gateway and CLI with every write."""

    role = fields.String(required=True, validate=validate.OneOf(ROLES + ("system",)))
    office = fields.String(load_default=None, allow_none=True)
    name = fields.String(load_default="", allow_none=True)
