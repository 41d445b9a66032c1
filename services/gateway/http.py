"""A JSON flavour of nameko's ``@http`` entrypoint.

Route methods return a dict/list (200), a ``(status, body)`` pair or a werkzeug
Response. Every answer is JSON ``{"error", "message", "details"}`` on error, also
the ones nameko and eventlet would write themselves: unknown routes (404/405),
over-long URLs (414) and headers (431), malformed request lines. Typed
``CctrackError``s (also when raised by another service over RPC) keep their
status; an unavailable broker, service or store is 503 with a Chinese message
naming it (see ``error_response``, tested as a table in tests/unit/test_http_errors.py);
anything unexpected is logged and answered with a generic 500, never a stack trace.
Bodies over ``MAX_UPLOAD_BYTES`` are refused with 413, chunked ones included.
Write requests may carry an ``Idempotency-Key`` (services/gateway/idempotency.py).

Each route declares who may call it: ``@http("GET", "/api/milestones", action="milestones.read")``
(a row of ``shared.authz.ACTIONS``), ``action=PUBLIC``, ``action=SESSION`` or ``action=SIGNED_IN`` (services/gateway/auth.py).
The caller is authenticated and the row applied before the route runs; the route receives the
caller as its ``principal`` argument.
"""
import json
import logging
import uuid

from eventlet.wsgi import HttpProtocol
from nameko.exceptions import BadRequest, RemoteError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from services.gateway import auth, idempotency
from shared.errors import CctrackError, InvalidInput, PayloadTooLarge
from shared.settings import settings

log = logging.getLogger(__name__)
REQUEST_ID = idempotency.REQUEST_ID
STORE_ERRORS = {"ServerSelectionTimeoutError", "AutoReconnect", "ConnectionFailure", "NetworkTimeout",
                "NotPrimaryError", "ExecutionTimeout", "WTimeoutError"}
HTTP_MESSAGES = {404: "没有这个地址", 405: "该地址不支持此请求方法", 413: "请求体过大", 414: "请求地址过长",
                 431: "请求头过大", 400: "请求格式有误", 408: "请求超时", 411: "缺少请求体长度",
                 415: "不支持的请求体类型", 501: "不支持的请求方法"}


def json_response(body, status=200, headers=None):
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def error_body(code, message, details=None):
    return {"error": code, "message": message, "details": details}


def _raw_json(status, code, message):
    """A complete HTTP/1.0 response, for errors eventlet answers before any WSGI code runs."""
    body = json.dumps(error_body(code, message), ensure_ascii=False).encode("utf-8")
    return (f"HTTP/1.0 {status} {code}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("ascii") + body


def error_response(exc):
    """The HTTP answer for an exception raised while handling a request."""
    if isinstance(exc, CctrackError):
        return json_response(exc.to_dict(), exc.status)
    if isinstance(exc, HTTPException):
        code = exc.code or 500
        if code == 413:
            return json_response(error_body("payload_too_large", f"请求体过大，上限 {settings().max_upload_bytes} 字节"), 413)
        if code >= 500:
            log.error("HTTP %s while handling a request: %s", code, exc)
        return json_response(error_body("not_found" if code == 404 else f"http_{code}",
                                        HTTP_MESSAGES.get(code, "请求有误")), code)
    if isinstance(exc, BadRequest):
        return json_response(error_body("bad_request", "请求参数有误", {"request": [str(exc)]}), 400)
    if isinstance(exc, OverflowError) or (isinstance(exc, RemoteError) and exc.exc_type == "OverflowError"):
        # a number too large for the store (2**63 and beyond) is bad input, whichever route let it through
        return json_response(error_body("invalid_input", "数值超出允许范围", {"request": ["number out of range"]}), 400)
    if isinstance(exc, RecursionError):
        return json_response(error_body("invalid_input", "请求内容嵌套过深", {"body": ["nested too deeply"]}), 400)
    if isinstance(exc, RemoteError) and exc.exc_type == "UnknownService":
        return json_response(error_body("service_unavailable", "后台服务暂不可用，请稍后重试"), 503)
    if isinstance(exc, RemoteError) and exc.exc_type in STORE_ERRORS:
        log.warning("a service cannot reach its store: %s", exc)
        return json_response(error_body("service_unavailable", "数据库暂不可用，请稍后重试"), 503)
    if type(exc).__name__ in STORE_ERRORS:  # the gateway's own store (tokens, idempotency keys)
        log.warning("the gateway cannot reach its store: %s", exc)
        return json_response(error_body("service_unavailable", "网关数据库暂不可用，请稍后重试"), 503)
    log.exception("unexpected error in gateway", exc_info=exc)
    return json_response(error_body("internal_error", "服务器内部错误，请联系管理员"), 500)


class _CannedErrors:
    """Wraps the socket file so eventlet's fixed plain-text error answers go out as JSON."""

    REPLACE = {
        b"HTTP/1.0 414 Request URI Too Long\r\nConnection: close\r\nContent-Length: 0\r\n\r\n":
            _raw_json(414, "http_414", "请求地址过长"),
        b"HTTP/1.0 400 Header Line Too Long\r\nConnection: close\r\nContent-length: 0\r\n\r\n":
            _raw_json(431, "http_431", "请求头过大"),
        b"HTTP/1.0 400 Headers Too Large\r\nConnection: close\r\nContent-length: 0\r\n\r\n":
            _raw_json(431, "http_431", "请求头过大"),
    }

    def __init__(self, wfile):
        self._wfile = wfile

    def write(self, data):
        return self._wfile.write(self.REPLACE.get(bytes(data), data))

    def __getattr__(self, name):
        return getattr(self._wfile, name)


class JsonProtocol(HttpOnlyProtocol):
    error_content_type = "application/json; charset=utf-8"
    error_message_format = '{"error": "http_%(code)d", "message": "请求格式有误", "details": null}'

    def handle_one_request(self):
        wfile = self.wfile
        self.wfile = _CannedErrors(wfile)
        try:
            return HttpProtocol.handle_one_request(self)
        finally:
            self.wfile = wfile


class JsonWsgiApp(WsgiApp):
    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
            request.path_values = values
            response = provider.handle_request(request)
        except Exception as exc:  # unknown route (404), wrong method (405), anything before a route runs
            response = error_response(exc)
        return response(environ, start_response)


class JsonWebServer(WebServer):
    """nameko's web server with JSON errors; shares nameko's slot so all routes use one server."""

    @property
    def sharing_key(self):
        return WebServer

    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=JsonProtocol, debug=False):
        return super().get_wsgi_server(sock, wsgi_app, protocol=protocol, debug=debug)


class JsonHttp(HttpRequestHandler):
    server = JsonWebServer()
    keys = idempotency.IdempotencyKeys()

    def __init__(self, method, url, *, action, **kwargs):
        auth.check_declared(action)
        self.action = action
        kwargs.setdefault("expected_exceptions", CctrackError)
        super().__init__(method, url, **kwargs)

    def get_entrypoint_parameters(self, request):
        """The route's arguments; unless it is public, the caller (``principal``), allowed to do its action."""
        args, kwargs = super().get_entrypoint_parameters(request)
        if self.action == auth.PUBLIC:
            return args, kwargs
        tokens, clock = self._dependency("tokens"), self._dependency("clock")
        return args, {**kwargs, "principal": auth.authenticate(tokens, clock.now(), request, self.action)}

    def _dependency(self, name):
        """The service's dependency ``name`` (the gateway's token store, its clock), outside a worker."""
        provider = next(d for d in self.container.dependencies if d.attr_name == name)
        return provider.get_dependency(None)

    def handle_request(self, request):
        try:
            limit = settings().max_upload_bytes
            request.max_content_length = limit
            if "chunked" in (request.headers.get("Transfer-Encoding") or "").lower():
                # eventlet decodes chunked bodies itself; without this werkzeug reads them as empty
                request.environ["wsgi.input_terminated"] = True
            if request.content_length is not None and request.content_length > limit:
                return self.response_from_exception(PayloadTooLarge(
                    f"请求体过大：{request.content_length} 字节，上限 {limit} 字节",
                    {"body": [f"larger than {limit} bytes"]}))
            request.shallow = False
            return self.keys.handle(request, super().handle_request)
        except Exception as exc:
            return self.response_from_exception(exc)

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status = 200
        if isinstance(result, tuple):
            status, result = result
        return json_response(result, status)

    def response_from_exception(self, exc):
        return error_response(exc)


http = JsonHttp.decorator


def request_id(request):
    """The id a write carries to the service, so a redelivered request recognises its own
    write: derived from the Idempotency-Key when there is one, else new for this request."""
    return request.environ.get(REQUEST_ID) or uuid.uuid4().hex


def query_dict(request):
    """Query parameters as a plain dict, dropping empty values (``?office=`` means no filter)."""
    return {k: v for k, v in request.args.items() if v != ""}


def json_body(request):
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and not request.data:
        raise InvalidInput("此接口只接受 JSON 请求体（Content-Type: application/json），不接受表单",
                           {"body": ["send a JSON object with Content-Type: application/json"]})
    if not request.data:
        raise InvalidInput("请求体不能为空", {"body": ["JSON object required"]})
    try:
        body = json.loads(request.get_data(as_text=True))
    except RecursionError:
        raise InvalidInput("请求内容嵌套过深", {"body": ["nested too deeply"]}) from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("请求体不是有效的 JSON", {"body": ["invalid JSON"]}) from None
    if not isinstance(body, dict):
        raise InvalidInput("请求体必须是 JSON 对象", {"body": ["JSON object required"]})
    return body


TRANSPORT_FIELDS = ("idempotency_key", "csrf_token")


def form_fields(request):
    """The form's own fields, without the ones that belong to the transport (idempotency key, CSRF token)."""
    return {k: v for k, v in request.form.items() if k not in TRANSPORT_FIELDS}
