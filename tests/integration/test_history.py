"""History that is history: a district that starts mid-programme enters its past (``done_on``), and a view for a
past day (progress roll-up, overdue list, Excel report) says what was true that day, from the read model's daily
snapshots where they exist and otherwise from the milestones' revisions; a day before any data says so."""
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from tests.integration.test_reporting import oracle, oracle_states
from tests.support.paths import JINSHUI_CSV
from tests.support.reporting import TOTAL, progress, report, without_pace
from tests.support.waiting import wait_for

OFFICE = "丰庆路街道"
OTHER = "国基路街道"


@pytest.fixture
def installed_late(stack, clock):
    """The system installed on 2018-03-01, in the programme's second year: its past entered with ``done_on``."""
    clock.set("2018-03-01T10:00:00+08:00")
    stack.import_jinshui()
    wait_for(lambda: progress(stack)["totals"]["total"] == TOTAL, "the read model to hold every milestone")
    report(stack, "js01-s", "p1_plan", status="done", done_on="2017-04-20")
    report(stack, "js01-c01", "p1_plan", status="done", done_on="2017-04-25")
    report(stack, "js01-c01", "p2_pilot_built", status="done", done_on="2017-08-10")  # due 2017-06-30: late
    report(stack, "js02-c01", "p1_plan", office=OTHER, status="blocked", reason="选址未定", done_on="2017-05-02")
    clock.set("2018-03-05T10:00:00+08:00")
    report(stack, "js02-s", "p1_plan", office=OTHER, status="done")  # no done_on: done the day it is reported
    wait_for(lambda: progress(stack)["totals"]["done"] == 4, "the reports to reach the read model")
    return stack


def test_a_past_day_is_what_the_revisions_say(installed_late):
    stack = installed_late
    expected_done = {"2017-03-01": 0, "2017-04-20": 1, "2017-07-03": 2, "2017-08-10": 3, "2018-03-04": 3,
                     "2018-03-05": 4}
    for as_of, done in expected_done.items():
        states = oracle_states(stack, as_of)
        whole = progress(stack, as_of=as_of)
        assert without_pace(whole) == oracle(stack, states=states), as_of
        assert whole["totals"]["done"] == done and whole["totals"]["total"] == TOTAL, as_of
        assert without_pace(progress(stack, as_of=as_of, office=OFFICE)) == oracle(stack, states=states, office=OFFICE), as_of
    blocked = progress(stack, as_of="2017-05-02", office=OTHER)["totals"]
    assert blocked["blocked"] == 1 and progress(stack, as_of="2017-05-01", office=OTHER)["totals"]["blocked"] == 0
    # the page of offices: the district's totals stay the district's
    page = progress(stack, as_of="2017-07-03", limit=5, offset=5)
    assert page["totals"] == progress(stack, as_of="2017-07-03")["totals"] and len(page["offices"]) == 5


def test_a_day_before_any_data_says_so(installed_late):
    stack = installed_late
    response = stack.get("/api/progress", params={"as_of": "2017-02-28"})
    assert response.status_code == 400, response.text
    body = response.json()
    assert "早于建设计划开始日期 2017-03-01" in body["message"] and "as_of" in body["details"]
    assert stack.get("/api/overdue", params={"as_of": "2016-12-31"}).status_code == 400
    excel = stack.get("/api/reports/progress.xlsx", params={"as_of": "2017-01-01"})
    assert excel.status_code == 400 and "没有任何建设数据" in excel.json()["message"]


def test_done_on_is_checked_with_field_detail(installed_late):
    stack = installed_late
    url = "/api/centres/js01-c02/milestones/p1_plan/progress"
    for day, words in (("2016-12-01", "建设计划开始"), ("2018-03-06", "晚于今天"), ("2018-02-30", "")):
        response = stack.post(url, role="office", office=OFFICE, json={"based_on_version": 1, "status": "done",
                                                                      "done_on": day})
        assert response.status_code == 400, (day, response.text)
        assert "done_on" in response.json()["details"] and words in str(response.json()), day
    parts = {"based_on_version": "1", "status": "done", "done_on": "2017-09-01"}
    form = stack.post(url, role="office", office=OFFICE, files={k: (None, v) for k, v in parts.items()})
    assert form.status_code == 200, form.text
    wait_for(lambda: progress(stack)["totals"]["done"] == 5, "the form's report")
    assert progress(stack, as_of="2017-09-01", office=OFFICE)["totals"]["done"] == 4


def test_the_cli_enters_a_past_day(installed_late, run_cli):
    stack = installed_late
    code, out, err = run_cli("progress", "report", "js01-c02", "p1_plan", "--status", "done", "--done-on", "2017-04-28")
    assert code == 0, err
    wait_for(lambda: progress(stack)["totals"]["done"] == 5, "the CLI's report")
    assert progress(stack, as_of="2017-04-28", office=OFFICE)["totals"]["done"] == 3
    code, _, err = run_cli("progress", "report", "js01-c03", "p1_plan", "--status", "done", "--done-on", "2016-01-01")
    assert code != 0 and "建设计划开始" in err


def test_the_overdue_list_of_a_past_day_keeps_what_was_done_later(installed_late):
    stack = installed_late
    states = oracle_states(stack, "2017-07-03")[1]
    expected = {(c["id"], m["key"]) for c, m in states if m["overdue"]}
    assert ("js01-c01", "p2_pilot_built") in expected  # done 2017-08-10, overdue on 2017-07-03
    rows = stack.get("/api/overdue", params={"as_of": "2017-07-03", "limit": 1000}).json()["items"]
    got = {(r["centre_id"], r["ref"].split("/")[1]) for r in rows if r["kind"] == "milestone"}
    assert got == expected
    own = stack.get("/api/overdue", role="office", office=OFFICE, params={"as_of": "2017-07-03", "limit": 1000}).json()
    assert {r["ref"] for r in own["items"] if r["kind"] == "milestone"} == {
        r["ref"] for r in rows if r["kind"] == "milestone" and r["office"] == OFFICE}
    page = stack.get("/api/overdue", params={"as_of": "2017-07-03", "offset": 7, "limit": 7}).json()
    assert page["items"] == rows[7:14]
    today = stack.get("/api/overdue", params={"limit": 1000}).json()["items"]
    assert "js01-c01/p2_pilot_built" not in {r["ref"] for r in today}


def test_the_excel_report_of_a_past_day_as_the_bureau_files_it(installed_late):
    stack = installed_late
    response = stack.get("/api/reports/progress.xlsx", params={"as_of": "2017-07-03"})
    assert response.status_code == 200, response.text
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "中心进度"
    sheet = book["中心进度"]
    values = list(sheet.iter_rows(values_only=True))
    assert "建设进度表" in values[0][0] and values[1][0] == "制表单位：金水区文化旅游局"
    assert "统计截至：2017-07-03" in values[1]
    assert values[2][:4] == ("序号", "街道办事处", "中心名称", "级别") and "状态颜色" in values[2]
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == f"A3:L{len(values)}"
    assert {str(r) for r in sheet.merged_cells.ranges} >= {"A1:L1"}
    rows = {(r[1], r[2]): r for r in values[3:]}
    assert len(rows) == 105
    header = values[2]
    pilot = dict(zip(header, rows[(OFFICE, "四月天社区")], strict=True))
    states = [m for c, m in oracle_states(stack, "2017-07-03")[1] if c["id"] == "js01-c01"]
    done = sum(1 for m in states if m["status"] == "done")
    assert (pilot["已完成里程碑"], pilot["里程碑总数"], pilot["完成情况"]) == (done, len(states), f"{done}/{len(states)}")
    assert done == 1 and pilot["当前阶段"] == "二、试点推进、逐步推广"
    assert pilot["逾期里程碑"] == sum(1 for m in states if m["overdue"]) == 3  # 试点建成, 经验总结, 按标准完成建设
    assert pilot["逾期工作日"] == 1  # due Friday 2017-06-30, Monday 2017-07-03 is one working day later
    assert pilot["状态颜色"] in (None, "")  # a past day has no colour
    totals = next(r for r in book["街道排名"].iter_rows(values_only=True) if "合计" in r)
    assert totals[3] == TOTAL and totals[4] == 2  # milestones, done on that day (the revisions say so)

    today = load_workbook(io.BytesIO(stack.get("/api/reports/progress.xlsx").content))["中心进度"]
    now = list(today.iter_rows(values_only=True))
    assert "统计截至：2018-03-05" in now[1]
    pilot_now = dict(zip(now[2], next(r for r in now[3:] if r[2] == "四月天社区"), strict=True))
    assert (pilot_now["已完成里程碑"], pilot_now["当前阶段"]) == (2, "二、试点推进、逐步推广")


# --- a centre moved since, and a rectification closed since ---------------------------------------------------

MOVED = "js01-c01"  # 四月天社区, a pilot centre of 丰庆路街道 (8 milestones)
ADMIN = {"role": "admin", "name": "test"}


def office_on(stack, centre_id, day):
    """The centre's office at the end of ``day`` as the assignment service's revisions say (the revisions of the
    install, before which the past was entered with ``done_on``, hold from the start)."""
    revisions = stack.rpc.assignment.centre_history(centre_id)
    held = [r for r in revisions if str(r["at"])[:10] <= day] or revisions[:1]
    return held[-1]["centre"]["office"]


def placed(stack, states, day, centre_ids):
    """``states`` (oracle_states) with each of ``centre_ids`` under its office of ``day``."""
    offices = {cid: office_on(stack, cid, day) for cid in centre_ids}
    return states[0], [({**c, "office": offices.get(c["id"], c["office"])}, m) for c, m in states[1]]


def same(rollup):
    """A roll-up without its 序时进度 fields, rows and offices in a fixed order (a move changes the table order)."""
    plain = without_pace(rollup)
    return {**plain, "rows": sorted(plain["rows"], key=lambda r: (r["office"], r["phase"])),
            "offices": sorted(plain["offices"], key=lambda o: o["office"])}


def test_a_past_day_counts_a_moved_centre_under_the_office_it_was_in(installed_late, clock):
    stack = installed_late
    other_now = progress(stack, office=OTHER)["totals"]["total"]
    clock.set("2019-05-06T10:00:00+08:00")
    # a centre registered that day (the table imported again with one more row): not counted on any day before
    with open(JINSHUI_CSV, "rb") as fh:
        table = fh.read().rstrip() + f"\r\njs01-c99,新建社区,社区,{OFFICE},2019.12,否,\r\n".encode()
    assert stack.upload_allocation(content=table).status_code == 200
    wait_for(lambda: progress(stack)["totals"]["total"] == TOTAL + 6, "the new centre to reach the model")
    moved = stack.rpc.assignment.reassign_centre(MOVED, {"office": OTHER, "reason": "区划调整"}, ADMIN)
    assert moved["office"] == OTHER
    wait_for(lambda: progress(stack, office=OTHER)["totals"]["total"] == other_now + 8, "the move to reach the model")
    for day in ("2017-07-03", "2018-03-04", "2018-06-01", "2019-05-05"):  # replayed, then from the snapshots
        states = placed(stack, oracle_states(stack, day), day, [MOVED])
        assert office_on(stack, MOVED, day) == OFFICE
        assert same(progress(stack, as_of=day)) == same(oracle(stack, states=states)), day
        for office in (OFFICE, OTHER):  # one office asked alone: its figures (its rank is the district page's)
            got, want = same(progress(stack, as_of=day, office=office)), same(oracle(stack, states=states, office=office))
            assert (got["totals"], got["rows"]) == (want["totals"], want["rows"]), (day, office)
    assert progress(stack, as_of="2017-07-03", office=OFFICE)["totals"]["total"] == \
        progress(stack, as_of="2019-05-06", office=OFFICE)["totals"]["total"] + 8 - 6  # moved out, registered
    today = placed(stack, oracle_states(stack), "2019-05-06", [MOVED])
    assert same(progress(stack, office=OTHER))["totals"] == same(oracle(stack, states=today, office=OTHER))["totals"]

    # the overdue list of that day: the moved centre's items under its office of the day, the total its items'
    states = oracle_states(stack, "2017-07-03")[1]
    expected = {(c["id"], m["key"]) for c, m in states if m["overdue"]}
    body = stack.get("/api/overdue", params={"as_of": "2017-07-03", "limit": 1000}).json()
    rows = [r for r in body["items"] if r["kind"] == "milestone"]
    assert {(r["centre_id"], r["ref"].split("/")[1]) for r in rows} == expected and body["total"] == len(body["items"])
    assert {r["office"] for r in rows if r["centre_id"] == MOVED} == {OFFICE}
    theirs = stack.get("/api/overdue", role="office", office=OTHER, params={"as_of": "2017-07-03", "limit": 1000})
    assert MOVED not in {r["centre_id"] for r in theirs.json()["items"]}

    # the Excel report of that day lists it under its office of the day, and its ranking counts it there
    book = load_workbook(io.BytesIO(stack.get("/api/reports/progress.xlsx", params={"as_of": "2017-07-03"}).content))
    centre_rows = list(book["中心进度"].iter_rows(values_only=True))[3:]
    assert {r[1] for r in centre_rows if r[2] == "四月天社区"} == {OFFICE} and len(centre_rows) == 105
    ranking = {r[1]: r for r in book["街道排名"].iter_rows(values_only=True) if r[1] in (OFFICE, OTHER)}
    day_states = placed(stack, oracle_states(stack, "2017-07-03"), "2017-07-03", [MOVED])
    for office in (OFFICE, OTHER):
        assert ranking[office][3] == oracle(stack, states=day_states, office=office)["totals"]["total"], office
    now = list(load_workbook(io.BytesIO(stack.get("/api/reports/progress.xlsx").content))["中心进度"].iter_rows(
        values_only=True))
    assert {r[1] for r in now[3:] if r[2] == "四月天社区"} == {OTHER} and len(now[3:]) == 106


def test_the_overdue_list_of_a_past_day_keeps_a_rectification_closed_later(stack, clock):
    from tests.support.inspections import JPEG, PDF, inspect, submit

    clock.set("2019-07-15T10:00:00+08:00")  # a Monday in phase 4
    stack.import_jinshui()
    failed = inspect(stack, MOVED, building_area=80)
    assert failed.status_code == 201, failed.text
    (rect_id,) = failed.json()["rectifications"]
    due = stack.get("/api/rectifications/" + rect_id).json()["due"]

    def listed(as_of, settled=True, **kw):
        """The rectifications overdue on ``as_of``; a settled list's total is its items' (a past day's always is)."""
        body = stack.get("/api/overdue", params={"as_of": as_of, "limit": 1000}, **kw).json()
        assert not settled or body["total"] == len(body["items"]), as_of
        return [r for r in body["items"] if r["kind"] == "rectification"]

    clock.set("2019-10-08T10:00:00+08:00")
    wait_for(lambda: [r["centre_id"] for r in listed("2019-10-08", settled=False)] == [MOVED],
             "the rectification in the model")
    assert submit(stack, rect_id, [("整改后照片.jpg", JPEG), ("说明.pdf", PDF)]).status_code == 201
    assert inspect(stack, MOVED, kind="re_inspection").json()["result"] == "passed"
    assert stack.post(f"/api/rectifications/{rect_id}/close", role="inspector").status_code == 200
    wait_for(lambda: not listed("2019-10-08", settled=False), "the closing (销号) to reach the model")  # gone today

    after_due = (date.fromisoformat(due) + timedelta(days=1)).isoformat()
    (row,) = listed(after_due)  # open that day, closed since: still overdue on it, with the state it had
    assert (row["centre_id"], row["office"]) == (MOVED, OFFICE) and rect_id in row["ref"]
    assert [r["centre_id"] for r in listed(after_due, role="office", office=OFFICE)] == [MOVED]
    assert listed(due) == [] and listed("2019-07-16") == []  # not yet overdue: due that day, or not yet opened
    assert listed("2019-10-07") and not listed("2019-10-08")  # closed on 2019-10-08: open at the end of the 7th only
    assert stack.get("/api/overdue", params={"as_of": "2016-12-31"}).status_code == 400
