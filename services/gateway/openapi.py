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
PATH_PARAM = re.compile(r"{([^}/]+)}")
ROLE_TEXT = {"admin": "admin", "office": "office (own office only)", "inspector": "inspector"}


class ErrorSchema(StrictSchema):
    error = fields.String(metadata={"description": "machine-readable code"})
    message = fields.String(metadata={"description": "message for people, in Chinese"})
    details = fields.Raw(metadata={"description": "field -> messages, or a list of row errors"})


@dataclass(frozen=True)
class Operation:
    """How one operation is described: its tag, the roles that may call it (none: anyone), its query schema,
    its JSON ``body`` schema or ``multipart`` fields, its ``response`` schema (a list of them when ``many``)
    with its success ``status``, and its error statuses. Schemas are marshmallow classes."""

    tag: str
    roles: Sequence[str] | None = None
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    multipart: dict[str, dict[str, str]] | None = None
    response: type[Schema] | None = None
    many: bool = False
    status: int = 200
    errors: Sequence[int] = (400, 401, 403, 404)

    def openapi(self, summary: str) -> dict[str, Any]:
        """The OpenAPI operation object."""
        op: dict[str, Any] = {"summary": summary, "tags": [self.tag], "responses": {}}
        if self.roles:
            op["description"] = "Roles: " + ", ".join(ROLE_TEXT.get(r, r) for r in self.roles)
            op["security"] = [{"bearer": []}]
        if self.query is not None:
            op["parameters"] = [{"in": "query", "schema": self.query}]
        content = {}
        if self.body is not None:
            content["application/json"] = {"schema": self.body}
        if self.multipart is not None:
            content["multipart/form-data"] = {"schema": {"type": "object", "properties": self.multipart}}
        if content:
            op["requestBody"] = {"required": True, "content": content}
        schema: Any = {"type": "object"}
        if self.response is not None:
            schema = {"type": "array", "items": self.response} if self.many else self.response
        op["responses"][str(self.status)] = {"description": "OK", "content": {"application/json": {"schema": schema}}}
        for code in self.errors:
            op["responses"][str(code)] = {"description": "error", "content": {"application/json": {"schema": ErrorSchema}}}
        return op


def document(path: str, method: str, summary: str, **operation: Any) -> None:
    """Register one operation: ``operation`` holds the fields of ``Operation`` (``tag=`` and the others that
    differ from their defaults), as each route module writes them beside its routes."""
    OPERATIONS.append((path, method, Operation(**operation).openapi(summary)))


def build_spec():
    spec = APISpec(title="cctrack API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "基层综合性文化服务中心建设管理 (cctrack) JSON API"})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    by_path = {}
    for path, method, op in OPERATIONS:
        by_path.setdefault(path, {})[method] = op
    for path, operations in by_path.items():
        for op in operations.values():
            _declare_path_parameters(path, op)
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _declare_path_parameters(path, op):
    """Every ``{name}`` in the path is a required string parameter of the operation (OpenAPI demands it)."""
    declared = {p.get("name") for p in op.get("parameters", []) if isinstance(p, dict) and p.get("in") == "path"}
    for name in PATH_PARAM.findall(path):
        if name not in declared:
            op.setdefault("parameters", []).append(
                {"in": "path", "name": name, "required": True, "schema": {"type": "string", "minLength": 1}})
