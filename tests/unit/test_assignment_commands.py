"""Assignment use cases on mongomock (unit level: no broker, no real store)."""
import base64
from datetime import UTC, datetime

import mongomock
import pytest

from services.assignment import commands
from services.assignment.store import AssignmentStore
from shared.errors import Conflict, Forbidden
from tests.support.paths import JINSHUI_CSV

NOW = datetime(2017, 3, 1, tzinfo=UTC)
ADMIN = {"role": "admin", "office": None, "name": "t"}


@pytest.fixture
def store():
    s = AssignmentStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    return s


def request(**kw):
    with open(JINSHUI_CSV, "rb") as fh:
        content = fh.read()
    return {"filename": "jinshui_2017.csv", "content_b64": base64.b64encode(content).decode(), "dry_run": False,
            "actor": ADMIN, **kw}


def run_import(store, **kw):
    events = []
    report = commands.import_allocation(store, request(**kw), NOW, events.extend)
    return report, events


def test_import_registers_centres_in_chunks_then_nothing(store, monkeypatch):
    monkeypatch.setattr(commands, "CHUNK", 40)
    report, events = run_import(store)
    assert report["status"] == "applied" and len(report["added"]) == 105
    assert [name for name, _ in events] == ["centres_registered"] * 3
    assert [len(p["centres"]) for _, p in events] == [40, 40, 25]
    assert {c["version"] for _, p in events for c in p["centres"]} == {1}
    report, events = run_import(store)
    assert report["status"] == "unchanged" and report["unchanged"] == 105 and events == []


def test_office_counters_follow_import_add_and_reassign(store):
    run_import(store)
    offices = {o["name"]: o for o in store.office_counts()}
    assert len(offices) == 17 and sum(o["total"] for o in offices.values()) == 105
    assert (offices["丰庆路街道"]["subdistrict"], offices["丰庆路街道"]["community"],
            offices["丰庆路街道"]["village"], offices["丰庆路街道"]["pilots"]) == (1, 5, 2, 1)
    assert [o["seq"] for o in store.office_counts()] == list(range(1, 18))
    centre = {**store.get("js01-c02"), "id": "js01-c99", "name": "新社区", "pilot": True}
    store.save(centre, 0, ADMIN, "新增中心", NOW)  # as an import writes a new centre
    store.recount_offices([centre["office"]])
    commands.reassign_centre(store, "js01-c03", {"office": "杜岭街道", "reason": "调整"}, ADMIN, NOW)
    offices = {o["name"]: o for o in store.office_counts()}
    assert (offices["丰庆路街道"]["total"], offices["丰庆路街道"]["pilots"]) == (8, 2)
    assert offices["杜岭街道"]["total"] == 5


def test_pages_are_placed_by_the_counters(store):
    run_import(store)
    everyone = []
    for offset in range(0, 105, 10):
        items, total = store.find(limit=10, offset=offset)
        assert total == 105
        everyone.extend(c["id"] for c in items)
    assert len(everyone) == len(set(everyone)) == 105
    order = [o["name"] for o in store.office_counts()]
    offices = [store.get(i)["office"] for i in everyone]
    assert offices == sorted(offices, key=order.index)  # office by office in table order
    items, total = store.find(pilot=True, limit=2, offset=1)
    assert total == 5 and len(items) == 2 and all(c["pilot"] for c in items)
    items, total = store.find(level="village", pilot=False)
    assert total == len(items) == 10 and {(c["level"], c["pilot"]) for c in items} == {("village", False)}


def test_a_changed_file_moves_and_updates_and_keeps_absent_centres(store):
    run_import(store)
    with open(JINSHUI_CSV, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    header = lines[0]
    moved = [line.replace("丰庆路街道", "国基路街道") for line in lines if line.startswith("js01-c02,")]
    extra = ["js99-c01,新建社区,社区,新街道,2017.12,否,"]
    content = "\n".join([header] + moved + extra).encode("utf-8")
    events = []
    report = commands.import_allocation(store, {**request(), "content_b64": base64.b64encode(content).decode(),
                                                "filename": "part.csv"}, NOW, events.extend)
    assert report["added"] == ["js99-c01"] and report["moved"] == ["js01-c02"] and report["changed"] == ["js01-c02"]
    assert len(report["absent"]) == 5  # the other centres of 国基路街道 (the office in the file), not deleted
    assert sorted(name for name, _ in events) == ["centre_reassigned", "centres_registered"]
    offices = {o["name"]: o for o in store.office_counts()}
    assert offices["丰庆路街道"]["total"] == 7 and offices["国基路街道"]["total"] == 6 and offices["新街道"]["total"] == 1
    assert [o["name"] for o in store.office_counts()][-1] == "新街道"


def test_a_centre_stored_elsewhere_is_found_by_its_version_1(store):
    """A file naming only the new office of a centre: the office's read does not find it, its insert does."""
    run_import(store)
    content = ("编号,中心名称,级别,街道办事处,完成时限,试点,备注\n"
               "js01-c02,安泰社区,社区,新街道,2017.12,否,\n").encode()
    dry = commands.import_allocation(store, {**request(dry_run=True), "content_b64": base64.b64encode(content).decode()},
                                     NOW, [].extend)
    assert dry["status"] == "dry_run" and dry["moved"] == ["js01-c02"] and dry["added"] == []
    events = []
    report = commands.import_allocation(store, {**request(), "content_b64": base64.b64encode(content).decode()},
                                        NOW, events.extend)
    assert report["added"] == [] and report["moved"] == ["js01-c02"]
    assert [name for name, _ in events] == ["centre_reassigned"]
    assert store.get("js01-c02")["office"] == "新街道" and store.get("js01-c02")["version"] == 2


def test_import_progress_is_kept(store):
    run_import(store, import_id="imp-12345678")
    assert store.progress("imp-12345678") == {"import_id": "imp-12345678", "stage": "done", "done": 105, "total": 105}


def test_dry_run_writes_nothing(store):
    report, events = run_import(store, dry_run=True)
    assert report["status"] == "dry_run" and len(report["added"]) == 105 and events == []
    assert store.find() == ([], 0) and store.office_counts() == []


def test_import_requires_admin(store):
    with pytest.raises(Forbidden):
        run_import(store, actor={"role": "office", "office": "丰庆路街道"})


def test_concurrent_writers_on_one_version_conflict(store):
    run_import(store)
    centre = store.get("js01-c02")
    store.save({**centre, "remark": "a"}, 1, ADMIN, "first", NOW)
    with pytest.raises(Conflict):
        store.save({**centre, "remark": "b"}, 1, ADMIN, "second", NOW)
    assert store.get("js01-c02")["remark"] == "a"


def test_the_cli_follows_a_running_import(capsys):
    from types import SimpleNamespace

    from services.cli import commands_assignment as cli
    from shared.errors import NotFound

    answers = [NotFound("x"), {"stage": "checking", "done": 0, "total": 0},
               {"stage": "writing", "done": 0, "total": 1200}, {"stage": "writing", "done": 500, "total": 1200},
               {"stage": "writing", "done": 500, "total": 1200}, {"stage": "done", "done": 1200, "total": 1200}]

    def import_progress(import_id):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer
    rpc = SimpleNamespace(assignment=SimpleNamespace(import_progress=import_progress))
    cli.follow_progress(rpc, "imp-1", every=0)
    assert answers == []
    assert capsys.readouterr().err.splitlines() == ["已写入 0 / 1,200 行…", "已写入 500 / 1,200 行…"]


def test_an_office_whose_counters_missed_its_centres_is_recounted_on_the_next_import(store):
    run_import(store)
    store.offices.update_one({"_id": "丰庆路街道"}, {"$set": {"counts": {"total": 0}}})  # as if stopped before recount
    report, events = run_import(store)
    assert report["added"] == [] and report["changed"] == [] and report["unchanged"] == 105 and events == []
    assert {o["name"]: o["total"] for o in store.office_counts()}["丰庆路街道"] == 8
