"""Indicators against the real stack: monthly reports with corrections, tracking over a year of figures,
a behind-pace warning sent once, the ranking, and the plans served by the API."""
import io

import pytest
from openpyxl import load_workbook

from tests.support.centres import import_centres
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration

OFFICE, OTHER = "丰庆路街道", "国基路街道"
CENTRES = [("ind-s", "测试街道中心", "subdistrict", OFFICE), ("ind-c1", "测试一社区", "community", OFFICE),
           ("ind-c2", "测试二社区", "community", OFFICE), ("ind-c3", "测试三社区", "community", OFFICE),
           ("ind-o1", "外街社区", "community", OTHER)]


def add_centres(stack):
    import_centres(stack, CENTRES)


def submit(stack, centre_id, month, figures, office=OFFICE, **extra):
    body = {"centre_id": centre_id, "month": month, "figures": figures, **extra}
    return stack.post("/api/monthly-reports", role="office", office=office, json=body)


def row(stack, centre_id, indicator_id, as_of):
    response = stack.get("/api/indicators/status", params={"centre_id": centre_id, "as_of": as_of, "limit": 1000})
    assert response.status_code == 200, response.text
    (found,) = [r for r in response.json()["items"] if r["indicator_id"] == indicator_id]
    return found


def test_a_year_of_monthly_reports_progress_projection_status_and_one_warning(stack, clock):
    clock.set("2019-01-10")
    add_centres(stack)
    # validation: every bad field named, in Chinese; nothing stored
    bad = submit(stack, "ind-c1", "2018-01", {"activities": -1, "centre_open": 2, "bogus": 1, "visits": "many"})
    assert bad.status_code == 400
    details = bad.json()["details"]
    assert set(details) == {"figures.activities", "figures.centre_open", "figures.bogus", "figures.visits"}
    assert "1（是）或 0（否）" in details["figures.centre_open"][0]
    assert submit(stack, "ind-c1", "2019-03", {"activities": 1}).status_code == 400  # month not begun
    assert submit(stack, "ind-o1", "2018-01", {"activities": 1}).status_code == 403  # another office's centre
    assert stack.get("/api/monthly-reports/ind-c1/2018-01").json()["current"] is None

    for month in range(1, 13):
        m = f"2018-{month:02d}"
        assert submit(stack, "ind-c1", m, {"activities": 1, "participants": 40}).status_code == 201
        assert submit(stack, "ind-c2", m, {"activities": 1 if month in (3, 9) else 0}).status_code == 201
        assert submit(stack, "ind-s", m, {"funding_yuan": 1500, "large_events": 1 if month == 6 else 0,
                                          "staff_full_time": 2}).status_code == 201
    # a correction is version 2; a second correction based on version 1 is refused
    fixed = submit(stack, "ind-c2", "2018-03", {"activities": 1, "participants": 25}, based_on_version=1)
    assert fixed.status_code == 201 and fixed.json()["version"] == 2
    assert submit(stack, "ind-c2", "2018-03", {"activities": 5}, based_on_version=1).status_code == 409
    history = stack.get("/api/monthly-reports/ind-c2/2018-03", role="office", office=OFFICE).json()
    assert [h["version"] for h in history["history"]] == [1, 2] and history["current"]["figures"]["participants"] == 25
    assert stack.get("/api/monthly-reports/ind-c2/2018-03", role="office", office=OTHER).status_code == 403
    listed = stack.get("/api/monthly-reports", role="office", office=OFFICE, params={"month": "2018-03"}).json()
    assert listed["total"] == 3 and listed["items"][0]["late"] is True

    # progress, projection and status on chosen dates (003: 5 activities a year; 20,000 yuan for a sub-district)
    r = row(stack, "ind-c1", "003-activities", "2018-04-30")
    assert (r["value"], r["projection"], r["status"]) == (4, 12, "on_track")
    assert row(stack, "ind-c1", "003-activities", "2018-05-31")["status"] == "achieved"
    r = row(stack, "ind-c2", "003-activities", "2018-06-30")
    assert (r["value"], r["projection"], r["status"]) == (1, 2, "at_risk")
    r = row(stack, "ind-c2", "003-activities", "2018-12-31")
    assert (r["value"], r["status"]) == (2, "missed")
    r = row(stack, "ind-s", "003-funding-subdistrict", "2018-06-30")
    assert (r["value"], r["projection"], r["target"], r["status"]) == (9000, 18000, 20000, "at_risk")
    assert row(stack, "ind-s", "003-large-events", "2018-06-30")["status"] == "achieved"
    assert row(stack, "ind-s", "003-staff-subdistrict", "2018-06-30")["status"] == "achieved"
    assert stack.get("/api/indicators/status", role="office", office=OFFICE,
                     params={"office": OTHER}).status_code == 403

    # ranking of offices for the year and for a quarter, from the read model once it holds the correction
    wait_for(lambda: stack.rpc.reporting.indicator_figures({"year": 2018, "offices": [OFFICE]})["offices"][OFFICE]
             ["months"].get("03", {}).get("community", {}).get("participants") == 65, "the read model's figures")
    ranking = stack.get("/api/indicators/ranking", params={"period": "year", "year": 2018}).json()
    assert [e["rank"] for e in ranking["items"]] == sorted(e["rank"] for e in ranking["items"])
    assert {e["office"] for e in ranking["items"]} >= {OFFICE, OTHER}
    ours = next(e for e in ranking["items"] if e["office"] == OFFICE)
    assert 0 < ours["score"] <= 80 and ours["missed"] >= 1
    assert stack.get("/api/indicators/ranking", params={"period": "quarter", "year": 2018}).status_code == 400
    q2 = stack.get("/api/indicators/ranking", params={"period": "quarter", "year": 2018, "number": 2}).json()
    assert q2["as_of"] == "2018-06-30" and len(q2["items"]) == len(ranking["items"])
    # the same ranking as a sheet of the Excel report
    report = stack.get("/api/reports/progress.xlsx", params={"as_of": "2018-12-31"})
    assert report.status_code == 200, report.text
    sheet = load_workbook(io.BytesIO(report.content), read_only=True)["服务指标考评"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("排名", "街道办事处", "得分")
    assert any(r[1] == OFFICE and r[2] == ours["score"] for r in rows[1:] if r)

    # behind-pace warnings and a missing report become notices, once per step however often the scan runs
    clock.set("2018-07-10")
    assert stack.post("/api/monthly-reports/schedule", json={"from": "2018-06"}).status_code == 200
    items = stack.rpc.indicators.open_items(as_of="2018-07-10")
    keys = {(i["kind"], i["ref"]) for i in items}
    assert ("indicator", "003-activities/ind-c2") in keys and ("indicator", "003-funding-subdistrict/ind-s") in keys
    assert ("monthly_report", "ind-c3/2018-06") in keys and ("monthly_report", "ind-c1/2018-06") not in keys
    first = stack.rpc.notifications.scan({"as_of": "2018-07-10"})
    assert first["sources"]["indicators"] == "ok"
    second = stack.rpc.notifications.scan({"as_of": "2018-07-10"})
    assert second["created"] == 0
    inbox = stack.rpc.notifications.inbox({"limit": 1000}, {"role": "office", "office": OFFICE, "name": "t"})
    warned = [n for n in inbox["items"] if n["item_key"].startswith("indicator:003-activities/ind-c2@")]
    assert len(warned) == 1 and "进度预警" in warned[0]["text"]
    missing = [n for n in inbox["items"] if n["item_key"].startswith("monthly_report:ind-c3/2018-06@")]
    assert len(missing) == 1


def test_plans_are_served_with_their_sources(stack):
    plans = stack.get("/api/indicators").json()["items"]
    assert [p["document"] for p in plans] == ["000", "001", "002", "003", "004"]
    (plan,) = stack.get("/api/indicators", params={"document": "003"}).json()["items"]
    funding = next(i for i in plan["indicators"] if i["id"] == "003-funding-subdistrict")
    assert funding["target"] == 20000 and funding["source"]["quote"] == "财政拨款的业务经费每年不少于2万"
