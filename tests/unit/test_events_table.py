"""shared/events.py is the truth about events: every event a service dispatches is in the table,
has a consumer or a stated outside reader, and the consumers listed are exactly the services
whose ``@event_handler(ev.SOURCE, ev.NAME)`` subscribe to it."""
import importlib
import os
import re

from shared import events as ev
from tests.support.paths import ROOT

SERVICES = os.path.join(ROOT, "services")
HANDLER = re.compile(r"event_handler\(\s*ev\.([A-Z_]+)\s*,\s*ev\.([A-Z_]+)")
# (ev.NAME, payload) pairs returned by use cases, or `return ev.NAME, payload`
DISPATCH = re.compile(r"(?:(?<!event_handler)\(|return\s+)ev\.([A-Z_]+)\s*,")


def _sources():
    for service in sorted(os.listdir(SERVICES)):
        folder = os.path.join(SERVICES, service)
        if not os.path.isdir(folder) or service in ("cli", "__pycache__"):
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d not in ("web", "node_modules", "__pycache__")]
            for filename in filenames:
                if filename.endswith(".py"):
                    with open(os.path.join(dirpath, filename), encoding="utf-8") as fh:
                        yield service, fh.read()


def scan():
    handlers, dispatched = set(), set()
    for service, text in _sources():
        for source, name in HANDLER.findall(text):
            handlers.add((service, getattr(ev, source), getattr(ev, name)))
        for name in DISPATCH.findall(text):
            dispatched.add((service, getattr(ev, name)))
    return handlers, dispatched


def test_the_scan_finds_known_handlers_and_dispatches():
    handlers, dispatched = scan()
    assert ("milestones", ev.ASSIGNMENT, ev.CENTRE_REASSIGNED) in handlers
    assert ("reporting", ev.MILESTONES, ev.PROGRESS_UPDATED) in handlers
    assert ("milestones", ev.PROGRESS_UPDATED) in dispatched
    assert ("inspections", ev.INSPECTION_RECORDED) in dispatched
    # an import's chunks: one event per chunk of new centres, answered by one batch of planned milestones
    assert ("assignment", ev.CENTRES_REGISTERED) in dispatched and ("milestones", ev.MILESTONES_PLANNED_BATCH) in dispatched
    assert {("milestones", ev.ASSIGNMENT, ev.CENTRES_REGISTERED), ("reporting", ev.ASSIGNMENT, ev.CENTRES_REGISTERED),
            ("reporting", ev.MILESTONES, ev.MILESTONES_PLANNED_BATCH)} <= handlers


def test_every_dispatched_event_is_in_the_table_with_its_source():
    _, dispatched = scan()
    for service, name in dispatched:
        assert (service, name) in ev.EVENTS, f"{service} dispatches {name} but shared/events.py has no row"


def test_every_event_has_a_consumer_or_a_stated_outside_reader():
    for key, event in ev.EVENTS.items():
        assert event.source == key[0]
        assert event.consumers or (event.outside_reader and event.outside_reader.strip()), key


def test_listed_consumers_are_exactly_the_subscribers():
    handlers, _ = scan()
    subscribed = {}
    for service, source, name in handlers:
        assert (source, name) in ev.EVENTS, f"{service} handles {source}.{name} which is not in the table"
        subscribed.setdefault((source, name), set()).add(service)
    for key, event in ev.EVENTS.items():
        assert set(event.consumers) == subscribed.get(key, set()), key


def test_payload_schemas_exist():
    for key, event in ev.EVENTS.items():
        if event.schema:
            module, cls = event.schema.split(":")
            assert hasattr(importlib.import_module("shared.schemas." + module), cls), key
