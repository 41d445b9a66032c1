"""Field types and helpers used by several schema modules."""
from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from shared.errors import InvalidInput

LEVELS = ("subdistrict", "community", "village")
ROLES = ("admin", "office", "inspector")


def Level(**kw: Any) -> fields.String:
    """A centre's level, one of LEVELS."""
    return fields.String(validate=validate.OneOf(LEVELS, error="级别必须是 subdistrict、community 或 village 之一"), **kw)


class StrictSchema(Schema):
    """Unknown fields are an error, so a typo in a request is reported, not ignored."""

    class Meta:
        unknown = "raise"
        ordered = True


def load_or_raise(schema: Schema, data: Any, message: str = "输入有误") -> Any:
    """``schema.load(data)``, turning ValidationError into InvalidInput with field-level details."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise InvalidInput(message, exc.messages) from None


# Dates the API accepts (as_of, inspected_on, ...): working-day arithmetic and the plan make sense
# only in this range, and a date far away must not cost more than a near one.
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)
MAX_OFFSET = 10 ** 9  # far below 2**63, which the store cannot skip


class Whole(fields.Integer):
    """An integer, 50 or "50"; 50.5, "50.5" and true are refused (a plain Integer truncates 50.5 to 50)."""

    default_error_messages = {"invalid": "必须是整数"}

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


DAY_TEXT = "日期必须在 2000-01-01 到 2100-12-31 之间"
MONTH_TEXT = "月份格式应为 YYYY-MM，在 2000-01 到 2100-12 之间，例如 2018-03"
# The same bounds as patterns, so /openapi.json says what the code accepts (years 2000-2100).
DAY_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
MONTH_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"


def _documented(kw: dict[str, Any], pattern: str, text: str) -> dict[str, Any]:
    """``kw`` with the bound in the field's OpenAPI description and pattern (apispec copies metadata)."""
    metadata = dict(kw.pop("metadata", None) or {})
    metadata["description"] = "; ".join(filter(None, (metadata.get("description"), text)))
    metadata["pattern"] = pattern
    return {**kw, "metadata": metadata}


def Day(**kw: Any) -> fields.Date:
    """A calendar date (YYYY-MM-DD) within DATE_MIN..DATE_MAX: every date the API reads is one of these."""
    return fields.Date(validate=validate.Range(min=DATE_MIN, max=DATE_MAX, error=DAY_TEXT),
                       **_documented(kw, DAY_PATTERN, DAY_TEXT))


def Month(**kw: Any) -> fields.String:
    """A month (YYYY-MM) of a year within DATE_MIN..DATE_MAX: every month the API reads is one of these."""
    return fields.String(validate=validate.Regexp(MONTH_PATTERN, error=MONTH_TEXT), **_documented(kw, MONTH_PATTERN, MONTH_TEXT))


def in_date_range(day: date) -> bool:
    return DATE_MIN <= day <= DATE_MAX


class PageSchema(StrictSchema):
    limit = Whole(load_default=100, validate=validate.Range(
        min=1, max=1000, error="limit 必须是 1 到 1000 之间的整数"))
    offset = Whole(load_default=0, validate=validate.Range(
        min=0, max=MAX_OFFSET, error=f"offset 必须是 0 到 {MAX_OFFSET} 之间的整数"))


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
    # the area a bureau account acts in, the districts an inspector is given (shared/authz.py, docs/areas.md)
    area = fields.String(load_default=None, allow_none=True)
    districts = fields.List(fields.String(), load_default=None, allow_none=True)
