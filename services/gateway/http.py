"""A JSON flavour of nameko's ``@http`` entrypoint.

Route methods return a dict/list (200), a ``(status, body)`` pair or a werkzeug
Response. Every answer is JSON ``{"error", "message", "details"}`` on error, also
the ones nameko and eventlet would write themselves: unknown routes (404/405),
over-long URLs (414) and headers (431), malformed request lines. Typed
``CctrackError``s (also when raised by another service over RPC) keep their
status; an unavailable broker, service or store is 503 with a Chinese message
naming it (see ``error_response``, tested as a table in tests/unit/test_http_errors.py);
anything unexpected is logged and answered with a generic 500, never a stack trace.
Every request passes the input boundary first (services/gateway/boundary.py: the body read
once and bounded by ``MAX_UPLOAD_BYTES``, no NUL or unpaired surrogate in any string) and every
answer leaves with its security headers. Write requests may carry an ``Idempotency-Key``
(services/gateway/idempotency.py).

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
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Request, Response

from services.gateway import auth, boundary, idempotency
from shared.errors import CctrackError, InvalidInput
from shared.settings import settings

log = logging.getLogger(__name__)
REQUEST_ID = idempotency.REQUEST_ID
PRINCIPAL = "cctrack.principal"
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
        allow = {"Allow": ", ".join(exc.valid_methods)} if isinstance(exc, MethodNotAllowed) and exc.valid_methods else None
        return json_response(error_body("not_found" if code == 404 else f"http_{code}",
                                        HTTP_MESSAGES.get(code, "请求有误")), code, allow)
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
            boundary.admit(request)  # before anything else sees the request
            provider, values = self.url_map.bind_to_environ(environ).match()
            request.path_values = values
            response = provider.handle_request(request)
        except Exception as exc:  # refused input, unknown route (404), wrong method (405), anything before a route runs
            response = error_response(exc)
        return boundary.secure(response)(environ, start_response)


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
        return args, {**kwargs, "principal": self._principal(request)}

    def _principal(self, request):
        """The caller, authenticated once per request (before its Idempotency-Key is looked up, when it has one)."""
        if PRINCIPAL not in request.environ:
            tokens, clock = self._dependency("tokens"), self._dependency("clock")
            request.environ[PRINCIPAL] = auth.authenticate(tokens, clock.now(), request, self.action)
        return request.environ[PRINCIPAL]

    def _dependency(self, name):
        """The service's dependency ``name`` (the gateway's token store, its clock), outside a worker."""
        provider = next(d for d in self.container.dependencies if d.attr_name == name)
        return provider.get_dependency(None)

    def handle_request(self, request):
        try:
            # a person's key is theirs across sessions: an outbox resent after a new login is still recognised
            caller = None
            if self.action != auth.PUBLIC and request.method in idempotency.WRITE_METHODS and idempotency.key_of(request):
                caller = idempotency.caller_of(self._principal(request))
            return self.keys.handle(request, super().handle_request, caller)
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
    """The JSON object the boundary read (services/gateway/boundary.py), or 400 saying why there is none."""
    body = boundary.body(request)
    if body.form:
        raise InvalidInput("此接口只接受 JSON 请求体（Content-Type: application/json），不接受表单",
                           {"body": ["send a JSON object with Content-Type: application/json"]})
    if not body.raw:
        raise InvalidInput("请求体不能为空", {"body": ["JSON object required"]})
    if body.json_error is not None:
        raise body.json_error
    if not isinstance(body.json, dict):
        raise InvalidInput("请求体必须是 JSON 对象", {"body": ["JSON object required"]})
    return body.json


def form_fields(request):
    """The form's own fields (the boundary keeps the transport's, idempotency key and CSRF token, apart)."""
    return request.form.to_dict()
