"""``GET /openapi.json``: the API description, generated from the same
marshmallow schemas the services validate with (apispec).

Route modules describe each operation once with ``document(...)`` beside the
route itself, so the spec cannot drift far from the code.
"""
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from shared.schemas.common import StrictSchema
from marshmallow import fields

OPERATIONS = []
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
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if multipart is not None:
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": multipart}}}}
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
        spec.path(path=path, operations=operations)
    return spec.to_dict()
