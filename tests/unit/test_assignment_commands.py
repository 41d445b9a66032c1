"""Assignment use cases on mongomock (unit level: no broker, no real store)."""
import base64
from datetime import datetime, timezone

import mongomock
import pytest

from services.assignment import commands
from services.assignment.store import AssignmentStore
from shared.errors import Conflict, Forbidden
from tests.conftest import JINSHUI_CSV

NOW = datetime(2017, 3, 1, tzinfo=timezone.utc)
ADMIN = {"role": "admin", "office": None, "name": "t"}


@pytest.fixture
def store():
    s = AssignmentStore(mongomock.MongoClient().db)
    s.ensure_indexes()
    return s


def request(**kw):
    with open(JINSHUI_CSV, "rb") as fh:
        content = fh.read()
    return {"filename": "jinshui_2017.csv", "content_b64": base64.b64encode(content).decode(), "dry_run": False,
            "actor": ADMIN, **kw}


def test_import_emits_one_registration_per_centre_then_nothing(store):
    report, events = commands.import_allocation(store, request(), NOW)
    assert report["status"] == "applied" and len(events) == 105
    assert {name for name, _ in events} == {"centre_registered"}
    report, events = commands.import_allocation(store, request(), NOW)
    assert report["status"] == "unchanged" and events == []


def test_dry_run_writes_nothing(store):
    report, events = commands.import_allocation(store, request(dry_run=True), NOW)
    assert report["status"] == "dry_run" and len(report["added"]) == 105 and events == []
    assert store.all_by_id() == {}


def test_import_requires_admin(store):
    with pytest.raises(Forbidden):
        commands.import_allocation(store, request(actor={"role": "office", "office": "丰庆路街道"}), NOW)


def test_concurrent_writers_on_one_version_conflict(store):
    commands.import_allocation(store, request(), NOW)
    centre = store.get("js01-c02")
    store.save({**centre, "remark": "a"}, 1, ADMIN, "first", NOW)
    with pytest.raises(Conflict):
        store.save({**centre, "remark": "b"}, 1, ADMIN, "second", NOW)
    assert store.get("js01-c02")["remark"] == "a"
