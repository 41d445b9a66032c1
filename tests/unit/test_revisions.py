"""The one versioned write (shared/revisions.py) and the one conflict-retry loop (shared/retry.py), on mongomock."""
import mongomock
import pytest
from pymongo import ASCENDING

from shared.errors import Conflict
from shared.retry import retry_on_conflict
from shared.revisions import append_revision, project_forward


@pytest.fixture
def db():
    db = mongomock.MongoClient(tz_aware=True).db
    db.revisions.create_index([("entity", ASCENDING), ("version", ASCENDING)], unique=True)
    return db


def write(db, version, value):
    append_revision(db.revisions, {"entity": "e1", "version": version, "value": value}, db.latest,
                    {"_id": "e1", "version": version, "value": value}, Conflict("版本已被占用", {"version": [version]}))


def test_a_taken_version_is_the_callers_conflict_and_writes_nothing(db):
    write(db, 1, "a")
    with pytest.raises(Conflict) as raised:
        write(db, 1, "b")
    assert raised.value.details == {"version": [1]}
    assert [r["value"] for r in db.revisions.find({"entity": "e1"})] == ["a"]
    assert db.latest.find_one({"_id": "e1"})["value"] == "a"


def test_the_projection_only_moves_forward_under_an_older_writer(db):
    write(db, 1, "a")
    write(db, 3, "c")  # a faster writer of version 3 projected first
    write(db, 2, "b")  # the slower writer of version 2 finishes after it
    assert db.latest.find_one({"_id": "e1"}) == {"_id": "e1", "version": 3, "value": "c"}
    assert sorted(r["version"] for r in db.revisions.find({"entity": "e1"})) == [1, 2, 3]
    project_forward(db.latest, {"_id": "e1", "version": 3, "value": "again"})  # the same version: no change
    assert db.latest.find_one({"_id": "e1"})["value"] == "c"
    project_forward(db.latest, {"_id": "e1", "version": 4, "value": "d"})
    assert db.latest.find_one({"_id": "e1"})["value"] == "d"


def test_retry_on_conflict_rereads_and_writes_on_top():
    stored = {"version": 1}
    reads, tries = [], []

    def read():
        reads.append(1)
        return dict(stored)

    def save(state):
        tries.append(state["version"])
        if len(tries) < 3:
            stored["version"] += 1  # someone else wrote meanwhile
            raise Conflict("冲突")
        return state["version"] + 1

    assert retry_on_conflict(save, read, attempts=5) == 4
    assert tries == [1, 2, 3] and len(reads) == 3


def test_retry_on_conflict_starts_from_what_the_caller_read():
    reads = []
    assert retry_on_conflict(lambda s: s * 2, lambda: reads.append(1) or 0, attempts=2, first=21) == 42
    assert reads == []


def test_retry_on_conflict_gives_up_with_the_last_conflict_or_the_one_given():
    def always(state):
        raise Conflict(f"冲突 {state}")

    counter = iter(range(100))
    with pytest.raises(Conflict, match="冲突 2"):
        retry_on_conflict(always, lambda: next(counter), attempts=3)
    with pytest.raises(Conflict, match="次数过多"):
        retry_on_conflict(always, lambda: 0, attempts=2, exhausted=Conflict("冲突次数过多"))


def test_retry_on_conflict_does_not_retry_other_errors():
    calls = []

    def broken(state):
        calls.append(state)
        raise KeyError("x")

    with pytest.raises(KeyError):
        retry_on_conflict(broken, lambda: 0, attempts=5)
    assert calls == [0]
