"""``GET /openapi.json``: the API description, generated from the same
marshmallow schemas the services validate with (apispec).

Route modules describe each operation once with ``document(...)`` beside the
route itself, so the spec cannot drift far from the code.
"""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields

from shared.schemas.common import StrictSchema

OPERATIONS = []
PATH_PARAM = re.compile(r"{([^}/]+)}")
ROLE_TEXT = {"admin": "admin", "office": "office (own office only)", "inspector": "inspector"}


class ErrorSchema(StrictSchema):
    error = fields.String(metadata={"description": "machine-readable code"})
    message = fields.String(metadata={"description": "message for people, in Chinese"})
    details = fields.Raw(metadata={"description": "field -> messages, or a list of row errors"})


def document(path, method, summary, *, tag, roles=None, query=None, body=None, multipart=None, response=None,
             many=False, status=200, errors=(400, 401, 403, 404)):
    """Register one operation; schemas are marshmallow classes."""
    op = {"summary": summary, "tags": [tag], "responses": {}}
    if roles:
        op["description"] = "Roles: " + ", ".join(ROLE_TEXT.get(r, r) for r in roles)
        op["security"] = [{"bearer": []}]
    if query is not None:
        op["parameters"] = [{"in": "query", "schema": query}]
    content = {}
    if body is not None:
        content["application/json"] = {"schema": body}
    if multipart is not None:
        content["multipart/form-data"] = {"schema": {"type": "object", "properties": multipart}}
    if content:
        op["requestBody"] = {"required": True, "content": content}
    schema = {"type": "object"} if response is None else ({"type": "array", "items": response} if many else response)
    op["responses"][str(status)] = {"description": "OK", "content": {"application/json": {"schema": schema}}}
    for code in errors:
        op["responses"][str(code)] = {"description": "error", "content": {"application/json": {"schema": ErrorSchema}}}
    OPERATIONS.append((path, method, op))


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
