"""Accounts (people who log in), sessions and the audit trail of the gateway,
and the ``account_changed`` event the notifications service consumes."""
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import ROLES, PageSchema, StrictSchema

LOGIN_RULE = validate.Regexp(r"^[a-z0-9][a-z0-9._-]{1,31}$",
                             error="登录名只能包含小写字母、数字、点、下划线和连字符（2-32 位）")
MOBILE_RULE = validate.Regexp(r"^1[3-9][0-9]{9}$", error="手机号码应为 11 位大陆手机号")


def Role(**kw: Any) -> fields.String:
    """An account's role, one of ROLES."""
    return fields.String(validate=validate.OneOf(ROLES, error="角色必须是 admin、office 或 inspector 之一"), **kw)


AREA_RULE = validate.Regexp(r"^(\d{2}|\d{4}|\d{6})$", error="区划代码应为 2 位（省）、4 位（市）或 6 位（区县）数字")


def _office_matches_role(data: Mapping[str, Any]) -> None:
    role, office = data.get("role"), data.get("office")
    if data.get("area") and role not in (None, "admin"):
        raise ValidationError("只有管理员（区划主管部门）账号选择所属区划", "area")
    if data.get("districts") and role not in (None, "inspector"):
        raise ValidationError("只有验收人员账号可以指定负责的区（县）", "districts")
    if role == "office" and not office:
        raise ValidationError("街道办事处账号必须填写所属街道办事处", "office")
    if role in ("admin", "inspector") and office:
        raise ValidationError("只有 office 角色的账号绑定街道办事处", "office")


class UserSchema(StrictSchema):
    """A person who logs in (never carries the password or its hash)."""

    id = fields.String()
    login = fields.String()
    name = fields.String()
    mobile = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    role = fields.String()
    office = fields.String(allow_none=True)
    area = fields.String(allow_none=True, metadata={"description": "an admin's area code (province, city or district); none: all"})
    districts = fields.List(fields.String(), allow_none=True, metadata={"description": "an inspector's districts"})
    area_name = fields.String(allow_none=True, metadata={"description": "the name of an admin's area (GET /api/users)"})
    district_names = fields.List(fields.String(), metadata={"description": "the names of an inspector's districts "
                                                                            "(GET /api/users)"})
    active = fields.Boolean()
    must_change_password = fields.Boolean()
    created_at = fields.DateTime(allow_none=True)
    last_login_at = fields.DateTime(allow_none=True)
    permissions = fields.List(fields.String(), metadata={"description": "only in GET/POST /api/session"})


class UserCreateSchema(StrictSchema):
    login = fields.String(required=True, validate=LOGIN_RULE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    mobile = fields.String(load_default=None, allow_none=True, validate=MOBILE_RULE)
    email = fields.Email(load_default=None, allow_none=True, error_messages={"invalid": "邮箱地址无效"})
    role = Role(required=True)
    office = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=50))
    area = fields.String(load_default=None, allow_none=True, validate=AREA_RULE)
    districts = fields.List(fields.String(validate=validate.Regexp(r"^\d{6}$", error="区（县）代码应为 6 位数字")),
                            load_default=None, allow_none=True, validate=validate.Length(max=50))

    @validates_schema
    def office_matches_role(self, data: dict[str, Any], **kwargs: Any) -> None:
        _office_matches_role(data)


class UserChangeSchema(StrictSchema):
    """Fields an admin may change; absent fields are kept."""

    name = fields.String(validate=validate.Length(min=1, max=50))
    mobile = fields.String(allow_none=True, validate=MOBILE_RULE)
    email = fields.Email(allow_none=True, error_messages={"invalid": "邮箱地址无效"})
    role = Role()
    office = fields.String(allow_none=True, validate=validate.Length(min=1, max=50))
    area = fields.String(allow_none=True, validate=AREA_RULE)
    districts = fields.List(fields.String(validate=validate.Regexp(r"^\d{6}$", error="区（县）代码应为 6 位数字")),
                            allow_none=True, validate=validate.Length(max=50))


class UserFilterSchema(PageSchema):
    role = Role(load_default=None, allow_none=True)
    office = fields.String(load_default=None, allow_none=True)


class UserPageSchema(StrictSchema):
    items = fields.List(fields.Nested(UserSchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class LoginSchema(StrictSchema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class PasswordChangeSchema(StrictSchema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class SessionSchema(StrictSchema):
    user = fields.Nested(UserSchema)
    csrf_token = fields.String()


class CreatedUserSchema(StrictSchema):
    user = fields.Nested(UserSchema)
    temporary_password = fields.String(metadata={"description": "shown once"})


class AuditQuerySchema(PageSchema):
    kind = fields.String(load_default=None, allow_none=True)


class AuditEntrySchema(StrictSchema):
    at = fields.DateTime()
    kind = fields.String(metadata={"description": "login, login_failed, lockout, logout, password_changed, "
                                                  "user_created, user_updated, user_disabled, user_enabled, "
                                                  "password_reset"})
    actor = fields.String(allow_none=True)
    target = fields.String(allow_none=True)
    detail = fields.Raw(allow_none=True)


class AuditPageSchema(StrictSchema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class AccountChangedSchema(StrictSchema):
    """Payload of ``account_changed`` (gateway -> notifications): the person as a notice recipient."""

    id = fields.String(required=True)
    login = fields.String(required=True)
    name = fields.String(required=True)
    mobile = fields.String(load_default=None, allow_none=True)
    email = fields.String(load_default=None, allow_none=True)
    role = Role(required=True)
    office = fields.String(load_default=None, allow_none=True)
    active = fields.Boolean(required=True)
    at = fields.DateTime(required=True)
