"""RPC that survives broker outages and never waits without bound.

- ``rpc``: nameko's ``@rpc`` whose reply path cannot kill the service. In nameko
  3.0.0rc11 a reply that cannot be published (the broker is away) raises inside
  the worker's result handler, the container dies and ``nameko run`` exits. Here
  the failure is logged and the request acknowledged (the caller has timed out and
  gets 503; a retry is recognised by its request id). A request whose caller's
  deadline has passed is refused unprocessed, so a write a client gave up on is
  not applied long after.
- ``BoundedRpc`` / ``BoundedServiceRpc``: RPC clients for the gateway with a
  timeout per call (``RPC_TIMEOUT_SECONDS``, default 4, so callers have an answer within
  5 s) and a short publish retry; requests are transient (no disk write before the
  broker confirms them, so a frozen consumer cannot hold up other publishes);
  the deadline travels with the call. Failures become ``ServiceUnavailable``
  (HTTP 503) naming the part that is unavailable.
- ``bound_rpc_clients(cls)``: class decorator swapping every ``ClusterRpc``/``ServiceRpc``
  of a service (its mixins included) for the bounded kind.
"""
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

import eventlet
from kombu.exceptions import OperationalError
from kombu.message import Message
from nameko.containers import WorkerContext
from nameko.exceptions import UnknownService, serialize
from nameko.messaging import decode_from_headers
from nameko.rpc import Client, ClusterRpc, ReplyListener, Rpc, RpcConsumer

from shared.errors import ExcInfo, ServiceUnavailable
from shared.settings import settings

log = logging.getLogger(__name__)
DEADLINE_KEY = "cctrack_deadline"
BROKER_ERRORS = (OperationalError, ConnectionError, OSError)
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0.3, "interval_step": 0.3, "interval_max": 0.5}
PART_NAMES = {"assignment": "中心分配服务", "milestones": "里程碑服务", "inspections": "检查验收服务",
              "notifications": "通知服务", "reporting": "统计报表服务", "indicators": "指标服务",
              "gateway": "网关服务"}


# Calls that do a lot by design (a whole allocation table, a scan of every open item, a survey
# import, an Excel report) get RPC_SLOW_TIMEOUT_SECONDS (default 120) instead.
SLOW_CALLS = {"assignment.import_allocation", "notifications.scan", "notifications.overdue_report",
              "notifications.test_contact", "notifications.mark_all_read",
              "indicators.import_survey", "reporting.progress_report", "reporting.rebuild",
              "reporting.centres_after"}


def rpc_timeout(service: str | None = None, method: str | None = None, slow: bool = False) -> float:
    if slow or f"{service}.{method}" in SLOW_CALLS:
        return settings().rpc_slow_timeout_seconds
    return settings().rpc_timeout_seconds


def part_name(service: str | None) -> str:
    return PART_NAMES.get(service or "", f"“{service}”服务")


def expired(context_data: Mapping[str, Any], now: float | None = None) -> bool:
    """True when the caller's deadline (seconds since the epoch) has passed."""
    try:
        deadline = float(context_data[DEADLINE_KEY])
    except (KeyError, TypeError, ValueError):
        return False
    return (time.time() if now is None else now) > deadline


class RobustRpcConsumer(RpcConsumer):
    """Shares nameko's slot, so services mixing both decorators still get one consumer."""

    @property
    def sharing_key(self) -> type:
        return RpcConsumer

    def handle_message(self, body: Any, message: Message) -> None:
        if expired(decode_from_headers(message.headers or {})):
            log.warning("refused %s: the caller's deadline passed before it was processed",
                        message.delivery_info.get("routing_key"))
            self.handle_result(message, None, (ServiceUnavailable, ServiceUnavailable(
                "请求在等待处理时已超时，未执行，请重试"), None))
            return
        super().handle_message(body, message)

    def handle_result(self, message: Message, result: Any, exc_info: ExcInfo | None) -> tuple[Any, ExcInfo | None]:
        try:
            return super().handle_result(message, result, exc_info)
        except Exception as exc:  # the broker is away: the caller times out; never kill the service for it
            log.warning("reply to %s lost (%s: %s); the request is acknowledged when the broker is back",
                        message.delivery_info.get("routing_key"), type(exc).__name__, exc)
            self.consumer.ack_message(message)
            return result, exc_info


class RobustRpc(Rpc):
    rpc_consumer = RobustRpcConsumer()


rpc = RobustRpc.decorator


class RobustReplyListener(ReplyListener):
    """A reply queue lost with the broker fails the waiting calls instead of the service."""

    pending: dict[str, Any]  # nameko's: correlation id -> the event the waiting call listens on

    @property
    def sharing_key(self) -> type:
        return ReplyListener

    def check_for_lost_replies(self) -> None:
        try:
            super().check_for_lost_replies()
        except Exception as exc:
            log.warning("reply queue lost with %s pending calls: %s", len(self.pending), type(exc).__name__)
            error = serialize(ServiceUnavailable("消息队列重启，请求的结果已丢失，请重试"))
            pending, self.pending = self.pending, {}
            for event in pending.values():
                event.send({"result": None, "error": error})

    def forget(self, correlation_id: str) -> None:
        self.pending.pop(correlation_id, None)


class Line(NamedTuple):
    """What every call of one worker goes through: the publisher, the reply listener and the worker's context."""

    publish: Callable[..., Any]
    listener: RobustReplyListener
    context: Mapping[str, Any]


class BoundedClient:
    """``client.<service>.<method>(...)`` with a deadline; see the module docstring."""

    def __init__(self, line: Line, service: str | None = None, method: str | None = None, slow: bool = False) -> None:
        self._line = line
        self._service, self._method, self._slow = service, method, slow

    def __getattr__(self, name: str) -> "BoundedClient":
        if name.startswith("_"):
            raise AttributeError(name)
        if self._service is None:
            return BoundedClient(self._line, name, slow=self._slow)
        return BoundedClient(self._line, self._service, name, slow=self._slow)

    def __getitem__(self, name: str) -> "BoundedClient":
        return getattr(self, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        timeout = rpc_timeout(self._service, self._method, self._slow)
        context = {**self._line.context, DEADLINE_KEY: time.time() + timeout}
        client = Client(self._line.publish, self._line.listener.register_for_reply, context, self._service, self._method)
        name = part_name(self._service)
        call = None
        try:
            with eventlet.Timeout(timeout):
                call = client.call_async(*args, **kwargs)
                return call.result()
        except eventlet.Timeout:
            if call is not None:
                self._line.listener.forget(call.correlation_id)
                raise ServiceUnavailable(f"{name}在 {timeout:g} 秒内没有响应，请稍后重试",
                                         {"service": [self._service]}) from None
            raise ServiceUnavailable("消息队列（RabbitMQ）没有响应，请稍后重试", {"service": ["broker"]}) from None
        except UnknownService:
            raise ServiceUnavailable(f"{name}未运行，请稍后重试", {"service": [self._service]}) from None
        except BROKER_ERRORS as exc:
            log.warning("RPC %s.%s: broker unavailable (%s)", self._service, self._method, type(exc).__name__)
            raise ServiceUnavailable(f"消息队列（RabbitMQ）暂不可用，{name}无法访问，请稍后重试",
                                     {"service": ["broker"]}) from None


class BoundedRpc(ClusterRpc):
    reply_listener = RobustReplyListener()

    def __init__(self, slow: bool = False, **publisher_options: Any) -> None:
        """``slow``: every call gets RPC_SLOW_TIMEOUT_SECONDS (for operators' RPCs, not HTTP routes)."""
        self.slow = slow
        publisher_options.setdefault("retry_policy", PUBLISH_RETRY)
        publisher_options.setdefault("delivery_mode", 1)  # transient: a request outlives its caller by seconds only
        super().__init__(**publisher_options)

    def get_dependency(self, worker_ctx: WorkerContext) -> BoundedClient:
        return BoundedClient(Line(self.publisher.publish, self.reply_listener, worker_ctx.context_data), slow=self.slow)


class BoundedServiceRpc(BoundedRpc):
    def __init__(self, target_service: str, **kwargs: Any) -> None:
        self.target_service = target_service
        super().__init__(**kwargs)

    def get_dependency(self, worker_ctx: WorkerContext) -> BoundedClient:
        return getattr(super().get_dependency(worker_ctx), self.target_service)


Service = TypeVar("Service", bound=type)


def bound_rpc_clients(cls: Service) -> Service:
    """Replace every nameko RPC client dependency of ``cls`` (and its bases) by a bounded one."""
    for klass in cls.__mro__:
        for attr, value in list(vars(klass).items()):
            if isinstance(value, ClusterRpc) and not isinstance(value, BoundedRpc):
                target = getattr(value, "target_service", None)
                setattr(cls, attr, BoundedServiceRpc(target) if target else BoundedRpc())
    return cls
