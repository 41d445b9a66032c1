"""Schemas of the notifications service's RPC and events."""
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import Day, PageSchema, StrictSchema, Whole

SCOPES = ("office", "bureau")
CONTACT_ROLES = ("staff", "head")
MODES = ("immediate", "daily_digest")
WEBHOOK_FORMATS = ("json", "dingtalk", "wecom")
DELIVERY_STATUSES = ("pending", "sent", "failed")
MOBILE_RULE = validate.Regexp(r"^1[3-9][0-9]{9}$", error="手机号码应为 11 位大陆手机号")
ITEM_KINDS = ("milestone", "rectification", "indicator", "monthly_report")
ID_RULE = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{1,63}$", error="编号只能包含小写字母、数字、下划线和连字符（2-64 位）")


class ContactSchema(StrictSchema):
    """Someone who is told: an office's staff or head, or the district bureau."""

    id = fields.String(required=True, validate=ID_RULE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES, error="scope 必须是 office 或 bureau"))
    office = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=50))
    role = fields.String(load_default="staff", validate=validate.OneOf(CONTACT_ROLES, error="role 必须是 staff 或 head"))
    mode = fields.String(load_default="immediate",
                         validate=validate.OneOf(MODES, error="mode 必须是 immediate 或 daily_digest"))
    email = fields.Email(load_default=None, allow_none=True, error_messages={"invalid": "邮箱地址无效"})
    mobile = fields.String(load_default=None, allow_none=True, validate=MOBILE_RULE)
    webhook = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"}, require_tld=False,
                         error_messages={"invalid": "机器人或推送地址无效（应以 http:// 或 https:// 开头）"})
    webhook_format = fields.String(load_default="json",
                                   validate=validate.OneOf(WEBHOOK_FORMATS, error="webhook_format 必须是 json、dingtalk 或 wecom"))
    # the DingTalk robot's signing secret (加签); shown back only masked
    secret = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    has_secret = fields.Boolean(dump_only=True)
    active = fields.Boolean(load_default=True)
    version = fields.Integer(load_default=None, allow_none=True)
    updated_at = fields.DateTime(load_default=None, allow_none=True)

    @validates_schema
    def office_matches_scope(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("scope") == "office" and not data.get("office"):
            raise ValidationError("街道联系人必须填写所属街道办事处", "office")
        if data.get("scope") == "bureau" and data.get("office"):
            raise ValidationError("区级联系人不属于任何街道办事处", "office")


class ContactChangeSchema(StrictSchema):
    """Fields an admin may change on a contact; absent fields are kept."""

    name = fields.String(validate=validate.Length(min=1, max=50))
    role = fields.String(validate=validate.OneOf(CONTACT_ROLES, error="role 必须是 staff 或 head"))
    mode = fields.String(validate=validate.OneOf(MODES, error="mode 必须是 immediate 或 daily_digest"))
    email = fields.Email(allow_none=True, error_messages={"invalid": "邮箱地址无效"})
    mobile = fields.String(allow_none=True, validate=MOBILE_RULE)
    webhook = fields.Url(allow_none=True, schemes={"http", "https"}, require_tld=False,
                         error_messages={"invalid": "机器人或推送地址无效（应以 http:// 或 https:// 开头）"})
    webhook_format = fields.String(validate=validate.OneOf(WEBHOOK_FORMATS))
    secret = fields.String(allow_none=True, validate=validate.Length(max=200))
    active = fields.Boolean()
    expected_version = fields.Integer(load_default=None, allow_none=True)


class ContactFilterSchema(PageSchema):
    office = fields.String(load_default=None, allow_none=True)
    scope = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SCOPES))
    active = fields.Boolean(load_default=None, allow_none=True)


class ScanRequestSchema(StrictSchema):
    as_of = Day(load_default=None, allow_none=True)


OVERDUE_KIND_CODES = ("milestone", "rectification", "monthly_report", "indicator")


class OverdueQuerySchema(PageSchema):
    as_of = Day(load_default=None, allow_none=True)
    office = fields.String(load_default=None, allow_none=True)
    area = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^(\d{2}|\d{4}|\d{6})$", error="area 必须是省、市或区县的区划代码（如 41、4101、410105）"),
        metadata={"description": "the list of this province, city or district"})
    colour = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ("red", "yellow", "blue", "green"), error="colour 必须是 red（红）、yellow（黄）、blue（蓝）或 green（绿）"),
        metadata={"description": "red: what is overdue (the list); yellow, blue, green: the centres of that colour"})
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        OVERDUE_KIND_CODES, error="kind 必须是 milestone（里程碑）、rectification（整改）、monthly_report（月报）或 indicator（指标）"))
    phase = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=99, error="phase 必须是阶段序号"), metadata={"description": "milestones of this phase only"})


class InboxQuerySchema(StrictSchema):
    unread = fields.Boolean(load_default=False)
    kind = fields.String(load_default=None, allow_none=True,
                         validate=validate.OneOf(ITEM_KINDS, error="kind 必须是 milestone、rectification、indicator 或 monthly_report"))
    centre_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    limit = Whole(load_default=20, validate=validate.Range(min=1, max=1000, error="limit 必须是 1 到 1000 之间的整数"))


class ReadAllSchema(StrictSchema):
    marked = fields.Integer()
    more = fields.Boolean()


class TestResultSchema(StrictSchema):
    channel = fields.String()
    format = fields.String(allow_none=True)
    label = fields.String()
    ok = fields.Boolean()
    message = fields.String()


class TestSendSchema(StrictSchema):
    results = fields.List(fields.Nested(TestResultSchema))


class DeliveryQuerySchema(StrictSchema):
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(DELIVERY_STATUSES, error="status 必须是 pending、sent 或 failed"))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^\d{4}-\d{2}-\d{2}\|.{0,300}$", error="after 必须是上一页返回的 next"),
        metadata={"description": "the cursor of the previous page (its ``next``)"})
    limit = Whole(load_default=100, validate=validate.Range(min=1, max=1000, error="每页条数必须是 1 到 1000 之间的整数"))


class ToldSchema(StrictSchema):
    step = fields.String()
    recipient = fields.String()
    recipient_name = fields.String()
    as_of = fields.String()
    created_at = fields.DateTime()


class OverdueRowSchema(StrictSchema):
    item_key = fields.String()
    kind = fields.String()  # milestone | rectification
    ref = fields.String()
    centre_id = fields.String()
    centre_name = fields.String()
    office = fields.String()
    title = fields.String()
    due = fields.String()
    overdue_since = fields.String()     # first calendar day overdue
    days_overdue = fields.Integer()     # working days
    calendar_days = fields.Integer()
    phase_end = fields.String(allow_none=True)
    behind = fields.Boolean()           # the phase window closed with this item open
    told = fields.List(fields.Nested(ToldSchema))
    colour = fields.String(allow_none=True, metadata={"description": "the centre's 序时进度 colour"})


class OverdueReportSchema(StrictSchema):
    as_of = fields.String()
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    sources = fields.Dict(keys=fields.String(), values=fields.String())
    items = fields.List(fields.Nested(OverdueRowSchema))
    colour = fields.String(allow_none=True, metadata={"description": "the colour filter asked"})
    centres = fields.List(fields.Dict(), metadata={"description": "yellow, blue or green: the centres of that colour "
                                                                  "(centre summaries with 序时进度, lag, nearest due day)"})
    area = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), allow_none=True,
                       metadata={"description": "the area listed ({code, name}) when the list is a whole area's"})


class ScanResultSchema(StrictSchema):
    as_of = fields.String()
    workday = fields.Boolean()
    items = fields.Integer()
    created = fields.Integer()
    detected = fields.Integer()
    escalated = fields.Integer()
    deliveries = fields.Integer()
    sources = fields.Dict(keys=fields.String(), values=fields.String())


class DeliveryRoundSchema(StrictSchema):
    attempted = fields.Integer()
    sent = fields.Integer()
    failed = fields.Integer()
    retrying = fields.Integer()


class NoticeSchema(StrictSchema):
    id = fields.String()
    item_key = fields.String()
    step = fields.String()
    kind = fields.String()
    centre_id = fields.String()
    centre_name = fields.String()
    office = fields.String()
    title = fields.String()
    due = fields.String()
    text = fields.String()
    as_of = fields.String()              # the day the notice speaks for (its counts are as of that day)
    days = fields.Integer(allow_none=True)  # working days left (reminders) or overdue, as of that day
    item_kind = fields.String()
    link = fields.String()               # the item's page in the app (a path of the app's router)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True, metadata={"description": "when the office signed for an "
                                                                             "escalation notice (签收)"})


class ChaseSchema(StrictSchema):
    """催办 of one item (the gateway fills it from the item): told to the office, its staff and its head."""
    kind = fields.String(required=True, validate=validate.OneOf(("rectification", "milestone")))
    ref = fields.String(required=True)
    chase_id = fields.String(required=True, metadata={"description": "unique per item and chase"})
    centre_id = fields.String(required=True)
    centre_name = fields.String(required=True)
    office = fields.String(required=True)
    title = fields.String(required=True)
    due = fields.Date(required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=500))


class AttachmentSchema(StrictSchema):
    """A file sent with a document: its key in the object store (shared/objects.py), never its bytes."""
    filename = fields.String(required=True, validate=validate.Length(min=1, max=200))
    key = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$", error="文件标识有误"))
    content_type = fields.String(required=True, validate=validate.Length(min=1, max=200))


class DocumentSendSchema(StrictSchema):
    """A document (the 通报) sent once to chosen contacts: by e-mail with its files attached, by robot with
    its text and link. ``source`` names it, so sending the same document again sends nothing twice."""
    source = fields.String(required=True, validate=validate.Length(min=1, max=100))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    contact_ids = fields.List(fields.String(validate=validate.Length(min=1, max=100)), required=True,
                              validate=validate.Length(min=1, max=50))
    attachments = fields.List(fields.Nested(AttachmentSchema), load_default=list, validate=validate.Length(max=5))


class DeliverySchema(StrictSchema):
    id = fields.String()
    contact_id = fields.String()
    channel = fields.String()   # email | webhook
    target = fields.String()
    format = fields.String(allow_none=True)
    subject = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    notice_ids = fields.List(fields.String())
    test = fields.Boolean()


class NoticePageSchema(StrictSchema):
    """A page of an inbox: ``cursor`` continues it (null: no more); ``total`` only where a counter knows it."""
    items = fields.List(fields.Nested(NoticeSchema))
    unread = fields.Integer()
    total = fields.Integer(allow_none=True)
    cursor = fields.String(allow_none=True)
    limit = fields.Integer()


class DeliveryPageSchema(StrictSchema):
    items = fields.List(fields.Nested(DeliverySchema), metadata={"description": "newest first"})
    next = fields.String(allow_none=True, metadata={"description": "cursor of the next page (after=...), null at the end"})
    limit = fields.Integer()


# events
class OverdueDetectedSchema(StrictSchema):
    item_key = fields.String(required=True)
    kind = fields.String(required=True)
    centre_id = fields.String(required=True)
    office = fields.String(required=True)
    title = fields.String(required=True)
    due = fields.String(required=True)
    days_overdue = fields.Integer(required=True)
    as_of = fields.String(required=True)


class EscalatedSchema(OverdueDetectedSchema):
    level = fields.String(required=True)  # head | bureau


class NoticeOutcomeSchema(StrictSchema):
    """Payload of notice_sent and notice_failed."""

    delivery_id = fields.String(required=True)
    contact_id = fields.String(required=True)
    channel = fields.String(required=True)
    notice_ids = fields.List(fields.String(), required=True)
    attempts = fields.Integer(required=True)
    error = fields.String(load_default=None, allow_none=True)
    will_retry = fields.Boolean(load_default=False)
    at = fields.DateTime(required=True)
