"""A JSON flavour of nameko's ``@http`` entrypoint.

Route methods return a dict/list (200), a ``(status, body)`` pair or a werkzeug
Response. Errors always come back as JSON ``{"error", "message", "details"}``:
typed ``CctrackError``s (also when raised by another service over RPC) keep
their status; anything unexpected is logged and answered with a generic 500,
never a stack trace. Oversized bodies are refused with 413 before being read.
"""
import json
import logging

from nameko.exceptions import BadRequest, RemoteError
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from shared.config import int_setting
from shared.errors import CctrackError, PayloadTooLarge

log = logging.getLogger(__name__)


def json_response(body, status=200, headers=None):
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def error_body(code, message, details=None):
    return {"error": code, "message": message, "details": details}


class JsonHttp(HttpRequestHandler):
    def __init__(self, method, url, **kwargs):
        kwargs.setdefault("expected_exceptions", CctrackError)
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        limit = int_setting("MAX_UPLOAD_BYTES")
        request.max_content_length = limit  # also guards chunked bodies without Content-Length
        if request.content_length is not None and request.content_length > limit:
            return self.response_from_exception(PayloadTooLarge(
                "请求体过大：{} 字节，上限 {} 字节".format(request.content_length, limit),
                {"body": ["larger than {} bytes".format(limit)]}))
        return super().handle_request(request)

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status = 200
        if isinstance(result, tuple):
            status, result = result
        return json_response(result, status)

    def response_from_exception(self, exc):
        if isinstance(exc, CctrackError):
            return json_response(exc.to_dict(), exc.status)
        if isinstance(exc, HTTPException):
            if exc.code == 413:
                return json_response(error_body("payload_too_large", "请求体过大", None), 413)
            return json_response(error_body("http_{}".format(exc.code), exc.description or exc.name), exc.code)
        if isinstance(exc, BadRequest):
            return json_response(error_body("bad_request", "请求参数有误", {"request": [str(exc)]}), 400)
        if isinstance(exc, RemoteError) and exc.exc_type == "UnknownService":
            return json_response(error_body("service_unavailable", "后台服务暂不可用，请稍后重试"), 503)
        log.exception("unexpected error in gateway", exc_info=exc)
        return json_response(error_body("internal_error", "服务器内部错误，请联系管理员"), 500)


http = JsonHttp.decorator


def query_dict(request):
    """Query parameters as a plain dict, dropping empty values (``?office=`` means no filter)."""
    return {k: v for k, v in request.args.items() if v != ""}


def json_body(request):
    from shared.errors import InvalidInput

    if not request.data:
        raise InvalidInput("请求体不能为空", {"body": ["JSON object required"]})
    try:
        body = json.loads(request.get_data(as_text=True))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("请求体不是有效的 JSON", {"body": ["invalid JSON"]}) from None
    if not isinstance(body, dict):
        raise InvalidInput("请求体必须是 JSON 对象", {"body": ["JSON object required"]})
    return body
