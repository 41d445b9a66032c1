"""Dispatching the events a use case returns, shared by every service.

Use cases return ``(result, events)`` with events as (name, payload) pairs; the
service dispatches them only after the write succeeded."""
from nameko.events import EventDispatcher


class EmitsEvents:
    dispatch = EventDispatcher()

    def _emit(self, events):
        for name, payload in events:
            self.dispatch(name, payload)
