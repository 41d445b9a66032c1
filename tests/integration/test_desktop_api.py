"""The bureau's desktop through the API: progress over time from the daily snapshots, and the district's
boundary file (uploaded, checked, replaced, read back)."""
import json

import pytest

from services.gateway.boundary_map import MAX_BYTES
from tests.support.geo import boundary, boundary_bytes, square
from tests.support.reporting import TOTAL, progress, report
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def loaded(stack, clock):
    clock.set("2017-03-01")
    stack.import_jinshui()
    wait_for(lambda: progress(stack)["totals"]["total"] == TOTAL, "the read model to hold every milestone")
    return stack


def trend(stack, **params):
    response = stack.get("/api/progress/trend", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_progress_over_time_comes_from_the_daily_snapshots(loaded, clock):
    stack = loaded
    clock.set("2017-06-10")
    report(stack, "js01-s", "p1_plan", status="done")
    report(stack, "js01-c01", "p1_plan", status="done")
    clock.set("2017-07-03")
    report(stack, "js01-c02", "p1_plan", status="done")
    wait_for(lambda: progress(stack)["totals"]["done"] == 3, "the third report to reach the model")

    got = trend(stack)
    assert got["until"] == "2017-07-03" and got["days"] == 3
    days = [(p["day"], p["done"], p["total"]) for p in got["points"]]
    assert days == [("2017-03-01", 0, TOTAL), ("2017-06-10", 2, TOTAL), ("2017-07-03", 3, TOTAL)]
    last = got["points"][-1]
    today = progress(stack)["totals"]
    assert (last["percent_done"], last["overdue"], last["blocked"]) == (today["percent_done"], today["overdue"], today["blocked"])
    # each past point equals the roll-up of that day
    for p in got["points"][:-1]:
        assert p["overdue"] == progress(stack, as_of=p["day"])["totals"]["overdue"], p

    # bounded: at most `points` days, the first and the last kept; `until` cuts the history
    assert [p["day"] for p in trend(stack, points=2)["points"]] == ["2017-03-01", "2017-07-03"]
    assert [p["day"] for p in trend(stack, until="2017-06-30")["points"]] == ["2017-03-01", "2017-06-10"]
    refused = stack.get("/api/progress/trend", params={"points": 500})
    assert refused.status_code == 400 and "points" in refused.json()["details"]


def put_boundary(stack, content, name="district.geojson", role="admin", office=None):
    return stack.post("/api/map/boundary", role=role, office=office, files={"file": (name, content)})


def test_the_boundary_file_is_checked_kept_and_replaced(stack):
    missing = stack.get("/api/map/boundary")
    assert missing.status_code == 404 and "尚未上传" in missing.json()["message"]

    bad = {
        b"not json {": "不是 UTF-8 编码的 GeoJSON",
        json.dumps({"type": "Point", "coordinates": [113.6, 34.7]}).encode(): "FeatureCollection",
        json.dumps({"type": "FeatureCollection", "features": []}).encode(): "1 到",
        json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}}]}).encode(): "Polygon",
        json.dumps(boundary()).replace("34.7", "94.7", 1).encode(): "超出范围",
        json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[1, 2], [3, 4], [1, 2]]]}}]}).encode(): "少于 4",
    }
    for content, words in bad.items():
        answer = put_boundary(stack, content)
        assert answer.status_code == 400, (content[:40], answer.text)
        assert words in answer.json()["message"] and "file" in answer.json()["details"], answer.text
    too_big = put_boundary(stack, b" " * (MAX_BYTES + 1) + boundary_bytes())
    assert too_big.status_code == 400 and "过大" in too_big.json()["message"]
    assert put_boundary(stack, boundary_bytes(), role="inspector").status_code == 403
    assert stack.post("/api/map/boundary", data={"x": "1"}).status_code == 400  # no file

    first = put_boundary(stack, boundary_bytes())
    assert first.status_code == 200, first.text
    assert (first.json()["version"], first.json()["features"]) == (1, 2)
    got = stack.get("/api/map/boundary", role="inspector").json()
    assert got["version"] == 1 and got["filename"] == "district.geojson"
    assert [f["properties"]["name"] for f in got["geojson"]["features"]] == ["西片区", "东片区"]

    # a single Feature is taken as a collection of one; a region without a name gets one
    one = square(113.6, 34.7, 0.2, "x")
    del one["properties"]
    second = put_boundary(stack, json.dumps(one).encode(), name="new.json")
    assert second.status_code == 200 and second.json()["version"] == 2
    got = stack.get("/api/map/boundary").json()
    assert (got["version"], got["filename"], got["geojson"]["features"][0]["properties"]["name"]) == (2, "new.json", "区域1")


def overdue(stack, **params):
    response = stack.get("/api/overdue", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def every_page(stack, limit, **params):
    items, offset = [], 0
    while True:
        page = overdue(stack, limit=limit, offset=offset, **params)
        items.extend(page["items"])
        offset += limit
        if offset >= page["total"]:
            return page["total"], items


def test_the_overdue_list_filtered_on_the_server_and_exported(loaded, clock):
    import io

    from openpyxl import load_workbook

    stack = loaded
    clock.set("2017-06-10")
    report(stack, "js01-s", "p1_plan", status="done")
    clock.set("2017-11-20")
    everything = overdue(stack, limit=1000)
    # (the unfiltered total may count one item more than it lists: the indicators' items, as on main; the
    # milestone filters below leave those out)
    assert len(everything["items"]) > 50
    phase_of = {m["key"]: m["phase"] for m in stack.get("/api/centres/js01-c01/milestones").json()["milestones"]}
    phase_of.update({m["key"]: m["phase"] for m in stack.get("/api/centres/js01-s/milestones").json()["milestones"]})

    def expected(office=None, phase=None, kind=None):
        return [i["item_key"] for i in everything["items"] if (office is None or i["office"] == office)
                and (kind is None or i["kind"] == kind)
                and (phase is None or (i["kind"] == "milestone" and phase_of[i["ref"].split("/")[1]] == phase))]

    phases = sorted({phase_of[i["ref"].split("/")[1]] for i in everything["items"] if i["kind"] == "milestone"})
    assert len(phases) >= 2
    cases = [{"office": "丰庆路街道", "kind": "milestone"}, {"kind": "milestone"}, {"kind": "rectification"},
             {"phase": phases[0]}, {"phase": phases[-1]}, {"office": "国基路街道", "phase": phases[0]}]
    for filters in cases:
        want = expected(**filters)
        total, items = every_page(stack, 7, **filters)  # small pages: the offsets are resolved on the server
        assert total == len(want) and [i["item_key"] for i in items] == want, filters
    assert overdue(stack, phase=phases[0], kind="milestone")["total"] == len(expected(phase=phases[0]))

    refused = stack.get("/api/overdue", params={"kind": "其他"})
    assert refused.status_code == 400 and "kind" in refused.json()["details"]
    assert stack.get("/api/overdue", params={"phase": "一"}).status_code == 400

    # the export: the same filters, every row, a title, the unit and the day, an autofilter
    answer = stack.get("/api/overdue/export.xlsx", params={"phase": phases[0]})
    assert answer.status_code == 200, answer.text
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet["A1"].value == "金水区基层综合性文化服务中心建设逾期事项清单"
    assert sheet["A2"].value == "制表单位：金水区" and sheet["D2"].value == "统计截至：2017-11-20"
    assert sheet["G2"].value.startswith("筛选：阶段：")
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    want = [i for i in everything["items"] if i["item_key"] in set(expected(phase=phases[0]))]
    assert [(r[1], r[2], r[5], r[7]) for r in rows] == [(i["office"], i["centre_name"], i["due"], i["days_overdue"]) for i in want]
    assert sheet.auto_filter.ref == f"A4:L{4 + len(want)}"  # L: the centre's 序时进度 colour
    # an office exports its own items only, whatever it asks for
    own = stack.get("/api/overdue/export.xlsx", role="office", office="丰庆路街道", params={"kind": "milestone"})
    assert own.status_code == 200, own.text
    offices = [r[1] for r in load_workbook(io.BytesIO(own.content)).active.iter_rows(min_row=5, values_only=True)]
    assert offices and set(offices) == {"丰庆路街道"} and len(offices) == len(expected(office="丰庆路街道", kind="milestone"))
    other = stack.get("/api/overdue/export.xlsx", role="office", office="丰庆路街道", params={"office": "国基路街道"})
    assert other.status_code == 403
    assert stack.get("/api/overdue/export.xlsx", params={"kind": "x"}).status_code == 400
