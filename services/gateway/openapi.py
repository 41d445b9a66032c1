"""``GET /openapi.json``: the API description, generated from the same
marshmallow schemas the services validate with (apispec).

Route modules describe each operation once with ``document(...)`` beside the
route itself, so the spec cannot drift far from the code.
"""
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from shared.schemas.common import StrictSchema

OPERATIONS = []
TEXT_PATTERN = r"^[^\u0000]*$"
TRANSPORT_FIELDS = {"idempotency_key": {"type": "string", "minLength": 1, "maxLength": 200},
                    "csrf_token": {"type": "string", "description": "the session's CSRF token, for a form sent with the cookie"}}
PATH_PARAM = re.compile(r"{([^}/]+)}")
ROLE_TEXT = {"admin": "admin", "office": "office (own office only)", "inspector": "inspector"}


class ErrorSchema(StrictSchema):
    error = fields.String(metadata={"description": "machine-readable code"})
    message = fields.String(metadata={"description": "message for people, in Chinese"})
    details = fields.Raw(metadata={"description": "field -> messages, or a list of row errors"})


@dataclass(frozen=True)
class Operation:
    """How one operation is described: its tag, the roles that may call it (none: anyone), its query schema
    (``required``: the query parameters the code insists on), ``path_params`` (JSON schemas of path parameters
    narrower than a string), its JSON ``body`` schema or ``multipart`` fields (``multipart_required``: the
    form fields the code insists on), its ``response`` schema (a list of them when ``many``) with its success
    ``status`` and media types (``produces``: an HTML page answers its errors in HTML too), and its error
    statuses. A write may also answer 409: its Idempotency-Key was used for another request. Schemas are
    marshmallow classes."""

    tag: str
    roles: Sequence[str] | None = None
    query: type[Schema] | None = None
    required: Sequence[str] = ()
    path_params: dict[str, dict[str, Any]] | None = None
    body: type[Schema] | None = None
    body_required: bool = True
    multipart: dict[str, dict[str, Any]] | None = None
    multipart_required: Sequence[str] = ()
    response: type[Schema] | None = None
    many: bool = False
    produces: Sequence[str] = ("application/json",)
    status: int = 200
    errors: Sequence[int] = (400, 401, 403, 404)

    def openapi(self, method: str, summary: str) -> dict[str, Any]:
        """The OpenAPI operation object."""
        op: dict[str, Any] = {"summary": summary, "tags": [self.tag], "responses": {}}
        if self.roles:
            op["description"] = "Roles: " + ", ".join(ROLE_TEXT.get(r, r) for r in self.roles)
            op["security"] = [{"bearer": []}]
        if self.query is not None:
            op["parameters"] = [{"in": "query", "schema": self.query}]
            op["x-required-query"] = list(self.required)
        for name, schema in (self.path_params or {}).items():
            op.setdefault("parameters", []).append({"in": "path", "name": name, "required": True, "schema": schema})
        content: dict[str, Any] = {}
        if self.body is not None:
            content["application/json"] = {"schema": self.body}
        if self.multipart is not None:
            form: dict[str, Any] = {"type": "object", "properties": {**self.multipart, **TRANSPORT_FIELDS},
                                    "additionalProperties": False}
            if self.multipart_required:
                form["required"] = list(self.multipart_required)
            content["multipart/form-data"] = {"schema": form}
        if content:
            op["requestBody"] = {"required": self.body_required, "content": content}
        schema: Any = {"type": "object"} if self.response is None else self.response
        schema = {"type": "array", "items": schema} if self.many else schema
        media = {kind: {"schema": schema} if kind == "application/json" else {} for kind in self.produces}
        op["responses"][str(self.status)] = {"description": "OK", "content": media}
        error_media = "text/html" if "text/html" in self.produces else "application/json"
        writes = {409} if method in ("post", "put", "patch", "delete") else set()
        for code in sorted(set(self.errors) | writes):
            op["responses"][str(code)] = {"description": "error", "content": {
                error_media: {"schema": ErrorSchema} if error_media == "application/json" else {}}}
        return op


def document(path: str, method: str, summary: str, **operation: Any) -> None:
    """Register one operation: ``operation`` holds the fields of ``Operation`` (``tag=`` and the others that
    differ from their defaults), as each route module writes them beside its routes."""
    OPERATIONS.append((path, method, Operation(**operation).openapi(method, summary)))


def build_spec():
    spec = APISpec(title="cctrack API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "基层综合性文化服务中心建设管理 (cctrack) JSON API。任何位置的文字（地址、查询参数、请求头、"
                                        "表单字段名和值、文件名、JSON 的键和值）都不得含有空字符（U+0000）或不成对的代理项，"
                                        "否则返回 400（invalid_characters）；日期和月份限于 2000 年至 2100 年；请求体上限 "
                                        "MAX_UPLOAD_BYTES（默认 10 MiB，分块传输同样适用），超过返回 413。"})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    by_path = {}
    for path, method, op in OPERATIONS:
        by_path.setdefault(path, {})[method] = op
    for path, operations in by_path.items():
        for op in operations.values():
            _declare_path_parameters(path, op)
        spec.path(path=path, operations=operations)
    described = spec.to_dict()
    for operations in described["paths"].values():
        for op in operations.values():
            _mark_query_parameters(op)
    _text_without_nul(described)
    return described


def _mark_query_parameters(op):
    """Query parameters as the code reads them: an empty value means not given (``http.query_dict``), so
    an optional one may be sent empty; the ones the code insists on are required."""
    required = op.pop("x-required-query", ())
    for parameter in op.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        if parameter["name"] in required:
            parameter["required"] = True
            parameter["schema"].setdefault("minLength", 1)
        elif not parameter.get("required"):
            parameter["allowEmptyValue"] = True


def _text_without_nul(node):
    """Every free-text string is documented as the boundary (boundary.py) has it: no NUL character. (Nor an
    unpaired surrogate, which a UTF-8 JSON document cannot hold and regular expressions of other languages
    cannot name: that rule is in the description.)"""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"format", "enum", "pattern"} & set(node):
            node["pattern"] = TEXT_PATTERN
        for value in node.values():
            _text_without_nul(value)
    elif isinstance(node, list):
        for value in node:
            _text_without_nul(value)


def _declare_path_parameters(path, op):
    """Every ``{name}`` in the path is a required string parameter of the operation (OpenAPI demands it)."""
    declared = {p.get("name") for p in op.get("parameters", []) if isinstance(p, dict) and p.get("in") == "path"}
    for name in PATH_PARAM.findall(path):
        if name not in declared:
            op.setdefault("parameters", []).append(
                {"in": "path", "name": name, "required": True, "schema": {"type": "string", "minLength": 1}})
