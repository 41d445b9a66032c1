"""``@event_handler`` that retries a failed handler with backoff, then parks the
event in a dead-letter queue an operator can see and replay (``cctrack events``).

nameko acknowledges and drops an event whose handler raised (``requeue_on_error``
is False; True would loop forever). Here a failure is retried: the event is
re-published to the handler's own queue with attempt n+1 after a jittered
exponential delay (shared/retry.py), and after ``HANDLER_MAX_ATTEMPTS`` attempts
it goes to the durable queue ``cctrack-dead-letters`` with the target queue, the
handler, the attempts and the last error in its headers. The original message is
acknowledged only once the retry or the parking copy is safely published; if the
broker is away it is requeued instead, so nothing is dropped. Handlers must be
idempotent (they are: they run at least once).

A handler given ``queue_tag`` (called at setup with the service class) consumes a queue of its own when the tag is not
empty: ``evt-<source>-<event>--<service>.<method>-<tag>``, bound like the others, so several replicas with
different tags each receive every event (the reporting service's partitions, docs/read-model.md).

Settings (shared/settings.py): HANDLER_MAX_ATTEMPTS, HANDLER_RETRY_BASE_SECONDS, HANDLER_RETRY_MAX_SECONDS.
"""
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import eventlet
from kombu import Queue
from kombu.message import Message
from nameko.amqp.publish import Publisher
from nameko.events import BROADCAST, EventHandler

from shared.errors import ExcInfo
from shared.retry import backoff_seconds
from shared.settings import settings

log = logging.getLogger(__name__)
DEAD_LETTERS = "cctrack-dead-letters"
ATTEMPT = "x-cctrack-attempt"


def dead_letter_queue() -> Queue:
    return Queue(DEAD_LETTERS, durable=True)


def attempt_of(message: Message) -> int:
    try:
        return int((message.headers or {}).get(ATTEMPT) or 1)
    except (TypeError, ValueError):
        return 1


class RetryingEventHandler(EventHandler):
    def __init__(self, source_service: str, event_type: str, queue_tag: Callable[[type], str] | None = None,
                 **kwargs: Any) -> None:
        self.queue_tag = queue_tag
        self.tag = ""
        super().__init__(source_service, event_type, **kwargs)

    def setup(self) -> None:
        self.tag = self.queue_tag(self.container.service_cls) if self.queue_tag is not None else ""
        if self.tag:  # a queue of its own (durable, not exclusive: reliable delivery stays on)
            self.handler_type = BROADCAST
        super().setup()

    @property
    def broadcast_identifier(self) -> str:
        return self.tag

    def handle_message_processed(self, message: Message, result: Any = None, exc_info: ExcInfo | None = None) -> None:
        if exc_info is None:
            self.consumer.ack_message(message)
            return
        attempt = attempt_of(message)
        error = f"{exc_info[0].__name__}: {exc_info[1]}"[:500]
        current = settings()
        try:
            if attempt < current.handler_max_attempts:
                delay = backoff_seconds(attempt, current.handler_retry_base_seconds, current.handler_retry_max_seconds)
                log.warning("handler %s.%s failed (attempt %s: %s); retrying in %.1f s", self.container.service_name,
                            self.method_name, attempt, error, delay)
                eventlet.sleep(delay)
                self._publish(message, self.queue.name, {ATTEMPT: attempt + 1})
            else:
                self._publish(message, DEAD_LETTERS, {
                    "x-cctrack-target-queue": self.queue.name, "x-cctrack-service": self.container.service_name,
                    "x-cctrack-handler": self.method_name, "x-cctrack-source": self.source_service,
                    "x-cctrack-event": self.event_type, "x-cctrack-attempts": attempt, "x-cctrack-error": error,
                    "x-cctrack-parked-at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
                    declare=[dead_letter_queue()], message_id=uuid.uuid4().hex)
                log.error("handler %s.%s failed %s times; event parked in %s (cctrack events dead-letters): %s",
                          self.container.service_name, self.method_name, attempt, DEAD_LETTERS, error)
        except Exception as exc:  # the broker is away: give the event back rather than lose it
            log.warning("could not re-publish a failed event (%s); requeueing it", type(exc).__name__)
            self.consumer.requeue_message(message)
            return
        self.consumer.ack_message(message)

    def _publish(self, message: Message, queue_name: str, headers: Mapping[str, Any], declare: Iterable[Queue] = (),
                 message_id: str | None = None) -> None:
        publisher = Publisher(self.amqp_uri)
        extra = {"message_id": message_id} if message_id else {}
        publisher.publish(message.payload, exchange="", routing_key=queue_name, mandatory=True,
                          headers={**(message.headers or {}), **headers}, declare=list(declare),
                          serializer="json", **extra)


event_handler = RetryingEventHandler.decorator
