"""序时进度 and the four colours through the API against the real broker and store: every row, office, centre
and total carries its colour, the counters of centres per colour equal a rebuild after progress reports and
after days pass (the pace timer moving only the centres filed under those days), and offices rank by lag."""
import pytest

from tests.support.reporting import TOTAL, move_colours, progress, report
from tests.support.waiting import wait_for

OFFICE = "丰庆路街道"
COLOURS = ("red", "yellow", "blue", "green")


@pytest.fixture
def model_db(stack):
    from shared.mongo import connect

    client, db = connect("reporting")
    yield db
    client.close()


def state(db):
    """The documents a rebuild must reproduce, colours and their days included."""
    return {"centres": {d["_id"]: d for d in db.centres.find({})},
            "offices": {d["_id"]: d["fig"] for d in db.offices.find({})},
            "district": db.district.find_one({"_id": "district"})["fig"],
            "office_buckets": {d["_id"]: d["fig"] for d in db.office_buckets.find({})}}


def colours_of_centres(stack):
    """Centres per colour as each centre's own summary says (one page of the district's 105 centres)."""
    items = stack.get("/api/centre-summaries", params={"limit": 200}).json()["items"]
    assert len(items) == 105
    return {c: sum(1 for i in items if i["colour"] == c) for c in COLOURS}


def rebuilt_equals_live(stack, model_db, run_cli):
    before = state(model_db)
    code, out, _ = run_cli("reports", "rebuild")
    assert code == 0 and "105 个中心" in out, out
    assert state(model_db) == before


def test_colours_follow_reports_and_days_and_equal_a_rebuild(stack, clock, model_db, run_cli):
    clock.set("2017-03-01")
    stack.import_jinshui()
    wait_for(lambda: progress(stack)["totals"]["total"] == TOTAL, "the read model to hold every milestone")
    first = progress(stack)
    assert first["totals"]["colours"] == {"red": 0, "yellow": 0, "blue": 0, "green": 105}
    assert {r["colour"] for r in first["rows"]} == {"green"}

    # 27 May 2017, a make-up working Saturday: 39 of the 62 working days of phase 2 are gone (hand-counted
    # in tests/unit/test_reporting_pace.py); phase 1 ended on 30 April
    clock.set("2017-05-27")
    report(stack, "js01-s", "p1_plan", status="done")
    report(stack, "js01-c01", "p1_plan", status="done")
    report(stack, "js01-c01", "p2_pilot_built", status="done")
    wait_for(lambda: progress(stack, office=OFFICE)["totals"]["done"] == 3, "the reports in the model")
    move_colours(stack)
    now = progress(stack)
    assert sum(now["totals"]["colours"].values()) == 105
    assert now["totals"]["colours"] == colours_of_centres(stack)
    assert now["totals"]["colours"]["red"] == 103  # every centre whose 制定方案 is overdue
    phase2 = progress(stack, office=OFFICE, phase=2)["rows"][0]
    assert (phase2["total"], phase2["done"], phase2["expected_percent"]) == (2, 1, 62.9)
    assert (phase2["lag_percent"], phase2["colour"]) == (12.9, "yellow")  # 62.9 expected, 50 done
    own = stack.get(f"/api/offices/{OFFICE}/summary", role="office", office=OFFICE).json()
    assert own["colour"] == "red" and sum(own["colours"].values()) == own["centres"] == 8
    assert [p["colour"] for p in own["by_phase"]][:2] == ["red", "yellow"]
    rebuilt_equals_live(stack, model_db, run_cli)

    # days pass: 3 July 2017; only the centres filed under the days since are moved, and a rebuild agrees
    clock.set("2017-07-03")
    filed = {d["_id"] for d in model_db.centres.find({}) if d.get("pace_next") and d["pace_next"] <= "2017-07-03"}
    assert "js01-c01" in filed  # its pilot's 经验总结 falls due on 30 June
    move_colours(stack)
    later = progress(stack)
    assert later["totals"]["colours"] == colours_of_centres(stack)
    assert later["totals"]["colours"]["red"] == 104
    page = stack.get("/api/centre-summaries", params={"office": OFFICE, "limit": 20}).json()
    mine = {i["centre_id"]: i for i in page["items"]}
    assert mine["js01-c01"]["colour"] == "red"
    # js01-s: 制定方案 done (its 1 of 6), phase 3 begun on 1 July: one working day of its long windows
    assert (mine["js01-s"]["colour"], mine["js01-s"]["lag_percent"]) == ("green", 0.1)
    rebuilt_equals_live(stack, model_db, run_cli)

    by_lag = progress(stack, order="lag")["offices"]
    lags = [o["lag_percent"] for o in by_lag]
    assert lags == sorted(lags, reverse=True) and by_lag[0]["lag_rank"] == 1
    assert all(round(o["expected_percent"] - o["percent_done"], 1) == o["lag_percent"] for o in by_lag)
    assert stack.get("/api/progress", params={"order": "late"}).status_code == 400
