"""Dispatching the events a use case returns, shared by every service.

Use cases return ``(result, events)`` with events as (name, payload) pairs; the
service dispatches them only after the write succeeded."""
from collections.abc import Iterable
from typing import Any

from nameko.events import EventDispatcher


class EmitsEvents:
    dispatch = EventDispatcher()

    def _emit(self, events: Iterable[tuple[str, Any]]) -> None:
        for name, payload in events:
            self.dispatch(name, payload)
