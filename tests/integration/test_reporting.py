"""The read model (reporting service) against the real broker and store: it matches the services'
own figures, applies a redelivered event once, rebuilds to the same state, answers as_of from
daily snapshots, lists what is overdue on a day page by page, and exports every centre to Excel."""
import io

import pytest
from openpyxl import load_workbook

from tests.support.inspections import inspect
from tests.support.paths import JINSHUI_CSV
from tests.support.reporting import TOTAL, move_colours, report, without_pace
from tests.support.reporting import progress as progress_with_pace
from tests.support.waiting import wait_for

OFFICE = "丰庆路街道"
ADMIN = {"role": "admin", "office": None, "name": "test"}


@pytest.fixture
def model_db(stack):
    from shared.mongo import connect

    client, db = connect("reporting")
    yield db
    client.close()


with open(JINSHUI_CSV, encoding="utf-8") as _fh:
    CENTRE_IDS = [line.split(",")[0] for line in _fh.read().splitlines()[1:] if line]
STATUSES = ("not_started", "in_progress", "blocked", "done")


def progress(stack, **params):
    """The roll-up's counts (its 序时进度 fields are checked in test_reporting_pace.py)."""
    return without_pace(progress_with_pace(stack, **params))


def oracle_states(stack, as_of=None):
    """(on, [(centre, milestone)]): every milestone as the milestones service itself states it, one centre at
    a time (with ``as_of``, replayed by that service from its revisions)."""
    out, on = [], None
    for centre_id in CENTRE_IDS:
        got = stack.rpc.milestones.list_milestones(centre_id, as_of)
        on = got["as_of"]
        out.extend((got["centre"], m) for m in got["milestones"])
    return on, out


def _counts(states):
    counts = {"total": len(states), **{s: sum(1 for m in states if m["status"] == s) for s in STATUSES},
              "overdue": sum(1 for m in states if m["overdue"])}
    return {**counts, "percent_done": round(100.0 * counts["done"] / counts["total"], 1) if counts["total"] else 0.0}


def oracle(stack, as_of=None, office=None, level=None, phase=None, states=None):
    """The roll-up the milestones service's own states give: what the model must say."""
    on, states = states or oracle_states(stack, as_of)
    first = {}
    for centre, _ in states:
        first[centre["office"]] = min(first.get(centre["office"], centre["id"]), centre["id"])
    kept = [(c, m) for c, m in states if (office is None or c["office"] == office) and (level is None or c["level"] == level)
            and (phase is None or m["phase"] == int(phase))]
    groups, by_office = {}, {}
    for c, m in kept:
        groups.setdefault((c["office"], m["phase"]), []).append(m)
        by_office.setdefault(c["office"], []).append(m)
    rows = [{"office": o, "phase": p, **_counts(ms)} for (o, p), ms in sorted(groups.items(), key=lambda kv: (
        first[kv[0][0]], kv[0][1]))]
    offices = [{"office": o, **{k: v for k, v in _counts(ms).items() if k in ("total", "done", "overdue", "percent_done")}}
               for o, ms in by_office.items()]
    offices.sort(key=lambda o: (-o["percent_done"], o["overdue"], first[o["office"]]))
    ranked = offices  # with phase or level: ranks within the answer; without: the district's ranks
    if level is None and phase is None:
        district = {}
        for c, m in states:
            district.setdefault(c["office"], []).append(m)
        ranked = [_counts(ms) for ms in district.values()]
    for o in offices:
        o["rank"] = 1 + sum(1 for other in ranked if other["percent_done"] > o["percent_done"])
    return {"as_of": on, "rows": rows, "offices": offices, "offices_total": 1 if office else len(first),
            "totals": _counts([m for _, m in kept])}


def state(db):
    """Everything a rebuild must reproduce (not the history, not the applied keys)."""
    out = {}
    for name in ("milestones", "centres", "rectifications"):
        out[name] = {d["_id"]: d for d in db[name].find({})}
    out["offices"] = {d["_id"]: (d["fig"], d["first_centre"]) for d in db.offices.find({})}
    out["district"] = db.district.find_one({"_id": "district"})["fig"]
    out["due_days"] = {d["_id"]: (d["offices"], d["total"]) for d in db.due_days.find({})}
    out["office_buckets"] = {d["_id"]: d["fig"] for d in db.office_buckets.find({})}
    return out


@pytest.fixture
def loaded(stack, clock):
    clock.set("2017-03-01")
    stack.import_jinshui()
    wait_for(lambda: progress(stack)["totals"]["total"] == TOTAL, "the read model to hold every milestone")
    return stack


def test_live_model_matches_the_services_rebuild_and_snapshots(loaded, clock, model_db, run_cli):
    stack = loaded
    clock.set("2017-06-10")
    report(stack, "js01-s", "p1_plan", status="done")
    report(stack, "js01-c01", "p1_plan", status="done")
    report(stack, "js02-c01", "p1_plan", office="国基路街道", status="blocked", reason="选址未定")
    clock.set("2019-07-15T10:00:00+08:00")
    assert inspect(stack, "js01-c01", building_area=80, training_days=4).status_code == 201  # fails: 2 rectifications
    assert inspect(stack, "js02-s", level="subdistrict").status_code == 201  # accepted
    wait_for(lambda: progress(stack) == oracle(stack), "the model to match the milestones service")

    for as_of in ("2017-03-01", "2017-06-09", "2017-06-10", "2018-01-05", "2019-07-15"):
        states = oracle_states(stack, as_of)
        for filters in ({}, {"office": OFFICE}, {"level": "community", "phase": 1}):
            assert progress(stack, as_of=as_of, **filters) == oracle(stack, states=states, **filters), (as_of, filters)
    assert {d["_id"] for d in model_db.snapshots.find({"office": OFFICE})} == {OFFICE + ":2017-03-01",
                                                                              OFFICE + ":2017-06-10"}

    # a move after the fact: today's figures follow it (history keeps the office of the day)
    stack.rpc.assignment.reassign_centre("js01-c02", {"office": "国基路街道", "reason": "区划调整"}, ADMIN)
    wait_for(lambda: progress(stack, office=OFFICE) == oracle(stack, office=OFFICE), "the move to reach the model")
    assert progress(stack) == oracle(stack)

    own = stack.get(f"/api/offices/{OFFICE}/summary", role="office", office=OFFICE).json()
    assert (own["centres"], own["open_rectifications"], own["failed"], own["accepted"]) == (7, 2, 1, 0)
    assert own["total"] == oracle(stack, office=OFFICE)["totals"]["total"]
    assert stack.get("/api/offices/国基路街道/summary").json()["accepted"] == 1
    assert stack.get("/api/offices/国基路街道/summary", role="office", office=OFFICE).status_code == 403

    page = stack.get("/api/centre-summaries", role="office", office=OFFICE).json()
    assert page["total"] == 7 and {i["office"] for i in page["items"]} == {OFFICE}
    keys = [(-i["overdue"], i["next_due"] is None, i["next_due"] or "", i["centre_id"]) for i in page["items"]]
    assert keys == sorted(keys)
    pilot = [i for i in page["items"] if i["centre_id"] == "js01-c01"][0]
    assert (pilot["open_rectifications"], pilot["done"], pilot["pilot"]) == (2, 1, True)
    assert stack.get("/api/centre-summaries", role="office", office=OFFICE,
                     params={"office": "国基路街道"}).status_code == 403

    move_colours(stack)  # the colours of the day the rebuild is made (test_reporting_pace.py)
    before = state(model_db)
    code, out, _ = run_cli("reports", "rebuild", "--page", "3")
    assert code == 0 and "重建完成：17 个街道办事处，105 个中心" in out, out
    assert state(model_db) == before
    assert progress(stack) == oracle(stack)


def test_a_redelivered_or_stale_event_changes_nothing(loaded, model_db):
    from nameko.standalone.events import event_dispatcher

    stack = loaded
    done = report(stack, "js01-c01", "p1_plan", status="done")
    wait_for(lambda: model_db.milestones.find_one({"_id": "js01-c01:p1_plan"})["version"] == 2, "the report")
    before = state(model_db)
    payload = {"centre_id": "js01-c01", "office": OFFICE, "key": "p1_plan", "phase": 1, "due": "2017-04-30",
               "status": "done", "previous_status": "not_started", "percent": 100, "version": 2,
               "actor": {"role": "office", "office": OFFICE, "name": "test"}, "at": done["updated_at"]}
    dispatch = event_dispatcher()
    dispatch("milestones", "progress_updated", payload)
    dispatch("milestones", "progress_updated", payload)
    dispatch("milestones", "progress_updated", {**payload, "status": "not_started", "percent": 0, "version": 1})
    wait_for(lambda: model_db.applied.find_one({"_id": "ms:js01-c01:p1_plan:1"}), "the stale copy to be handled")
    assert state(model_db) == before
    assert model_db.applied.count_documents({"_id": "ms:js01-c01:p1_plan:2"}) == 1
    assert progress(stack) == oracle(stack)


def test_overdue_on_a_day_comes_from_the_model_page_by_page(loaded, clock):
    stack = loaded
    clock.set("2017-07-03")
    report(stack, "js01-c01", "p2_pilot_built", status="done")
    expected = {(c["id"], m["key"]) for c, m in oracle_states(stack)[1]
                if m["status"] != "done" and m["due"] and m["due"] < "2017-07-03"}
    wait_for(lambda: ("js01-c01", "p2_pilot_built") not in {
        (i["centre_id"], i["key"]) for i in stack.rpc.reporting.open_items({"before": "2017-07-03"})["items"]},
        "the report to reach the model")
    got, cursor = [], None
    while True:
        page = stack.rpc.reporting.open_items({"before": "2017-07-03", "cursor": cursor, "limit": 7})
        assert len(page["items"]) <= 7
        got.extend(page["items"])
        cursor = page["cursor"]
        if cursor is None:
            break
    assert len(got) == len(expected) > 100 and {(i["centre_id"], i["key"]) for i in got} == expected
    assert [(i["due"], i["centre_id"], i["key"]) for i in got] == sorted((i["due"], i["centre_id"], i["key"]) for i in got)
    report_page = stack.get("/api/overdue", params={"as_of": "2017-07-03", "limit": 1000}).json()
    assert {(r["centre_id"], r["ref"].split("/")[1]) for r in report_page["items"] if r["kind"] == "milestone"} == expected
    rows = report_page["items"]
    assert report_page["total"] == len(rows) and report_page["sources"]["milestones"] == "ok"
    assert [(r["due"], r["office"], r["centre_id"], r["ref"]) for r in rows] == sorted(
        (r["due"], r["office"], r["centre_id"], r["ref"]) for r in rows)
    for offset, limit in ((0, 7), (7, 7), (50, 13), (len(rows) - 3, 10), (len(rows), 5)):
        page = stack.get("/api/overdue", params={"as_of": "2017-07-03", "offset": offset, "limit": limit}).json()
        assert page["total"] == len(rows) and page["items"] == rows[offset:offset + limit], (offset, limit)
    own = stack.get("/api/overdue", role="office", office=OFFICE, params={"as_of": "2017-07-03", "limit": 5}).json()
    mine = [r for r in rows if r["office"] == OFFICE]
    assert own["total"] == len(mine) and own["items"] == mine[:5]


def test_district_pages_of_offices_and_centres(loaded):
    stack = loaded
    whole = progress(stack)
    assert len(whole["offices"]) == 17
    pages = [progress(stack, limit=5, offset=offset) for offset in range(0, 17, 5)]
    assert all(p["totals"] == whole["totals"] for p in pages)
    assert sorted(o["office"] for p in pages for o in p["offices"]) == sorted(o["office"] for o in whole["offices"])
    assert sum(len(p["rows"]) for p in pages) == len(whole["rows"])
    assert stack.get("/api/progress", params={"limit": 0}).status_code == 400

    seen = []
    for offset in range(0, 105, 20):
        page = stack.get("/api/centre-summaries", params={"limit": 20, "offset": offset}).json()
        assert page["total"] == 105 and len(page["items"]) == min(20, 105 - offset)
        seen.extend(i["centre_id"] for i in page["items"])
    assert len(seen) == len(set(seen)) == 105
    community = stack.get("/api/centre-summaries", params={"level": "community", "limit": 1000}).json()
    assert community["total"] == len(community["items"]) and {i["level"] for i in community["items"]} == {"community"}


def test_excel_lists_every_centre_beyond_a_thousand(stack, model_db):
    """1,200 centres written straight into the model (an import of that many would be slow here)."""
    from services.reporting.projection import Model, set_centre
    from services.reporting.store import ReportingStore

    model = Model(ReportingStore(model_db), None)
    for n in range(1, 1201):
        set_centre(model, {"id": f"x{n % 3:02d}-c{n:04d}", "name": f"测试社区{n}",
                           "level": "community", "office": f"测试{n % 3}街道", "pilot": False,
                           "deadline": "2017-12-31", "remark": "", "version": 1})
    model.flush()
    response = stack.get("/api/reports/progress.xlsx", params={"as_of": "2018-01-05"})
    assert response.status_code == 200, response.text
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames[:4] == ["中心进度", "街道排名", "分阶段进度", "中心名单"]
    rows = list(book["中心名单"].iter_rows(values_only=True))
    assert rows[0] == ("编号", "中心名称", "级别", "街道办事处", "完成时限", "试点", "备注")
    assert len(rows) == 1201 and len({r[0] for r in rows[1:]}) == 1200
    ranking = list(book["街道排名"].iter_rows(values_only=True))
    assert ranking[0][:3] == ("排名", "街道办事处", "中心数")
