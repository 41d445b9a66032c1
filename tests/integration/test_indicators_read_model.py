"""Indicator figures in the read model against the real stack: the reporting service's figures equal what
the indicators service computes from its reports (before and after a correction, and after a rebuild);
redelivered and stale events change nothing; the district's status and the ranking of offices per month,
quarter and year from the read model equal the ones computed from the reports; survey results per quarter."""
from datetime import date

import pytest

from services.indicators import evaluation, levels, tracking
from services.reporting import indicator_figures
from shared.schemas.indicators import CentreYearSchema
from tests.support.centres import import_centres
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration

A, B = "丰庆路街道", "国基路街道"
CENTRES = [("rm-s", "读模型街道中心", "subdistrict", A), ("rm-c1", "读模型一社区", "community", A),
           ("rm-c2", "读模型二社区", "community", A), ("rm-v1", "读模型一村", "village", B),
           ("rm-c3", "读模型三社区", "community", B)]


@pytest.fixture
def model_db(stack):
    from shared.mongo import connect

    client, db = connect("reporting")
    yield db
    client.close()


def submit(stack, centre_id, office, month, figures, **extra):
    response = stack.post("/api/monthly-reports", role="office", office=office,
                          json={"centre_id": centre_id, "month": month, "figures": figures, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def a_year(stack):
    import_centres(stack, CENTRES)
    for m in range(1, 13):
        month = f"2018-{m:02d}"
        submit(stack, "rm-s", A, month, {"funding_yuan": 1800.5, "large_events": int(m == 5), "activities": 1,
                                         "staff_full_time": 2, "training_days": 1, **({"branch_library": 1}
                                                                                      if m == 4 else {})})
        submit(stack, "rm-c1", A, month, {"activities": 1, "participants": 30, "staff_part_time": 1})
        if m in (2, 8):
            submit(stack, "rm-c2", A, month, {"activities": 2, "performances": 1, "troupes": 1})
        if m <= 6:
            submit(stack, "rm-v1", B, month, {"activities": 1, "service_point": int(m >= 3), "population": 900,
                                              "staff_part_time": 1, "troupes": 1, "cultural_spaces": 1})
        if m % 3 == 0:
            submit(stack, "rm-c3", B, month, {"activities": 2, "funding_yuan": 1000, "centre_open": 1})


def oracle(stack, year=2018):
    """The figures computed from the indicators service's reports (its rebuild pages), in a scratch database
    of the real store (dropped afterwards)."""
    from shared.mongo import connect

    client, db = connect("indicators_oracle")
    client.drop_database(db.name)
    try:
        for office in (A, B):
            after = None
            while True:
                page = stack.rpc.indicators.centre_years({"office": office, "after": after, "limit": 2})
                indicator_figures.rebuild(db, CentreYearSchema(many=True).load(page["items"]))
                after = page["next"]
                if after is None:
                    break
        return figures_only(indicator_figures.read_year(db, year, [A, B]))
    finally:
        client.drop_database(db.name)
        client.close()


def figures_only(read):
    strip = lambda doc: {k: v for k, v in doc.items() if k != "statuses"}  # noqa: E731
    return {"district": strip(read["district"]), "offices": {o: strip(d) for o, d in read["offices"].items()}}


def figure_docs(db):
    """The figure documents (status counts change with the status events, which run on their own queue)."""
    return {d["_id"]: {k: v for k, v in d.items() if k != "statuses"} for d in db.indicator_figures.find({})
            if not d["_id"].startswith("status:")}


def live(stack, year=2018):
    return figures_only(stack.rpc.reporting.indicator_figures({"year": year, "offices": [A, B]}))


def from_reports(stack):
    """(centres by office, {centre: {month: figures}}) as the indicators service holds them."""
    centres = {o: [{k: c[k] for k in ("id", "name", "level", "office")}
                   for c in stack.rpc.assignment.list_centres({"office": o, "limit": 100})["items"]] for o in (A, B)}
    reports = {}
    for office in (A, B):
        for item in stack.rpc.indicators.centre_years({"office": office, "limit": 100})["items"]:
            reports.setdefault(item["centre_id"], {}).update(item["months"])
    return centres, reports


def expected_ranking(stack, as_of):
    """Each office's score and counts computed from the reports, centre by centre."""
    centres, reports = from_reports(stack)
    out = {}
    for office in (A, B):
        rows = [r for r in evaluation.office_statuses(office, tracking.Figures(centres[office], reports, {}), as_of,
                                                      evaluation.tracked()) if r["status"] != "no_data"]
        score, _, _ = evaluation.office_score(evaluation.attained(rows), len(rows), None)
        out[office] = (score, len(rows), *(sum(r["status"] == s for r in rows) for s in ("achieved", "at_risk",
                                                                                          "missed")))
    return out


def ranked(stack, **params):
    response = stack.get("/api/indicators/ranking", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return body, {e["office"]: (e["score"], e["indicators"], e["achieved"], e["at_risk"], e["missed"])
                  for e in body["items"] if e["office"] in (A, B)}


def test_read_model_figures_match_the_reports_and_drive_status_and_ranking(stack, clock, model_db):
    from nameko.standalone.events import event_dispatcher

    clock.set("2019-01-10")
    a_year(stack)
    wait_for(lambda: live(stack) == oracle(stack), "the read model to hold the reports' figures")
    district = live(stack)["district"]
    assert district["months"]["04"]["subdistrict"]["branch_library"] == 1
    assert district["months"]["12"]["village"] == {"service_point": 1, "population": 900, "staff_part_time": 1,
                                                  "staff_total": 1, "troupes": 1, "cultural_spaces": 1}  # carried
    assert district["centres"] == {"subdistrict": 1, "community": 3, "village": 1}

    # ranking per month, quarter and year equals the one computed centre by centre from the reports
    for params, as_of in (({"period": "month", "number": 2}, date(2018, 2, 28)),
                          ({"period": "quarter", "number": 2}, date(2018, 6, 30)),
                          ({"period": "quarter", "number": 3}, date(2018, 9, 30)),
                          ({"period": "year"}, date(2018, 12, 31))):
        body, got = ranked(stack, year=2018, **params)
        assert body["as_of"] == as_of.isoformat()
        assert got == expected_ranking(stack, as_of), params
    _, year_end = ranked(stack, year=2018, period="year")
    assert year_end[A][4] >= 1  # rm-c2 held 4 activities of 5

    # the district's status: its rows from the read model equal those from the reports, on chosen dates
    centres, reports = from_reports(stack)
    everyone = centres[A] + centres[B]
    for as_of in ("2018-03-31", "2018-07-15", "2018-12-31"):
        response = stack.get("/api/indicators/status", params={"as_of": as_of, "limit": 1000})
        assert response.status_code == 200, response.text
        body = response.json()
        got = [r for r in body["items"] if r["subject_kind"] == "district"]
        assert got == evaluation.district_statuses(everyone, reports, date.fromisoformat(as_of), evaluation.tracked())
        centre_rows = [r for o in (A, B) for r in evaluation.office_statuses(
            o, tracking.Figures(centres[o], reports, {}), date.fromisoformat(as_of), evaluation.tracked())
            if r["subject_kind"] == "centre" and r["status"] != "no_data"]
        assert body["centre_rows"] == len(centre_rows)
    assert got and {r["document"] for r in got} <= {"001", "004"}  # the district plans' own (no area here: all)
    # Zhengzhou's quotas and its standards for each district come from the districts' reports, not from centres
    reported = {i["id"] for i in levels.city_indicators("4101") + levels.each_district_indicators("4101")}
    assert "000-spaces-per-population" in reported and not reported & {r["indicator_id"] for r in got}

    # a correction: the read model follows, once
    submit(stack, "rm-c2", A, "2018-08", {"activities": 9, "performances": 1, "troupes": 1}, based_on_version=1)
    # its key is kept after every write (the office's document is written before the district's)
    wait_for(lambda: model_db.applied.find_one({"_id": "monthly:rm-c2:2018-08:2"}), "the correction")
    assert live(stack)["offices"][A]["months"]["08"]["community"]["activities"] == 10
    assert live(stack) == oracle(stack)
    _, corrected = ranked(stack, year=2018, period="year")
    assert corrected == expected_ranking(stack, date(2018, 12, 31)) and corrected[A] != year_end[A]

    # a redelivered event and a stale one (an older revision under a new key) change nothing
    before = figure_docs(model_db)
    (item,) = [i for i in stack.rpc.indicators.centre_years({"office": A, "limit": 100})["items"]
               if i["centre_id"] == "rm-c2"]
    payload = {**item, "month": "2018-08", "version": 2, "late": True, "at": "2019-01-10T00:00:00+00:00"}
    dispatch = event_dispatcher()
    dispatch("indicators", "monthly_report_submitted", payload)
    dispatch("indicators", "monthly_report_submitted", payload)
    stale = {**payload, "version": 7, "revision": item["revision"] - 1,
             "months": {**item["months"], "2018-08": {"activities": 2.0}}}
    dispatch("indicators", "monthly_report_submitted", stale)
    wait_for(lambda: model_db.applied.find_one({"_id": "monthly:rm-c2:2018-08:7"}), "the stale copy")
    assert figure_docs(model_db) == before
    assert model_db.applied.count_documents({"_id": "monthly:rm-c2:2018-08:2"}) == 1

    # the status changes were counted, one current status per subject and indicator
    statuses = stack.rpc.reporting.indicator_figures({"year": 2018, "offices": [A]})["offices"][A]["statuses"]
    assert sum(statuses.values()) > 0 and set(statuses) <= {"achieved", "on_track", "at_risk", "missed", "no_data"}

    # a rebuild from the indicators service gives the same documents
    totals = stack.rpc.reporting.rebuild()
    assert totals["centres"] == len(CENTRES)
    assert figure_docs(model_db) == before


def test_survey_results_per_month_quarter_and_year_and_in_the_ranking(stack, clock):
    import_centres(stack, CENTRES[1:4])
    clock.set("2018-10-08")
    rows = ["中心编号,日期,设施设备,服务规范,活动内容,开放时间,总体满意度,意见建议"]
    for cid, day, overall in (("rm-c1", "2018-04-03", 5), ("rm-c1", "2018-05-20", 4), ("rm-c2", "2018-06-30", 2),
                              ("rm-c1", "2018-07-01", 3), ("rm-v1", "2018-05-05", 5), ("rm-v1", "2018-09-09", 4)):
        rows.append(f"{cid},{day},4,4,4,4,{overall},")
    upload = stack.post("/api/survey/imports", files={"file": ("测评.csv", "\n".join(rows).encode("utf-8"))})
    assert upload.status_code == 200, upload.text

    def results(role="admin", token_office=None, **params):
        response = stack.get("/api/survey/results", role=role, office=token_office, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    q2 = results(office=A, year=2018, quarter=2)
    assert (q2["period"], q2["responses"], q2["good"], q2["satisfaction_rate"]) == ("2018-Q2", 3, 2, round(200 / 3, 2))
    assert {c["centre_id"]: c["responses"] for c in q2["centres"]} == {"rm-c1": 2, "rm-c2": 1}
    assert results(office=A, year=2018, quarter=3)["responses"] == 1
    centre = results(centre_id="rm-c1", year=2018, quarter=2)
    assert centre["responses"] == 2 and centre["average"]["overall"] == 4.5
    assert results(centre_id="rm-c1", month="2018-05")["responses"] == 1
    district = results(year=2018)
    assert district["scope"] == "district" and district["responses"] == 6
    assert {o["office"]: o["responses"] for o in district["offices"]} == {A: 4, B: 2}
    assert results(year=2018, quarter=2)["responses"] == 4
    assert results(role="office", token_office=A, year=2018)["responses"] == 4  # an office sees its own
    assert stack.get("/api/survey/results", role="office", office=A, params={"office": B, "year": 2018}).status_code == 403
    assert stack.get("/api/survey/results", params={"year": 2018, "quarter": 5}).status_code == 400
    assert stack.get("/api/survey/results", params={"office": A}).status_code == 400

    # the quarter's ranking counts the quarter's answers: satisfaction = mean overall rating, 1..5 -> 0..1
    body, _ = ranked(stack, year=2018, period="quarter", number=2)
    ours = {e["office"]: e for e in body["items"]}
    assert ours[A]["responses"] == 3 and ours[B]["responses"] == 1
    assert ours[A]["satisfaction"] == round((3.67 - 1) / 4, 4) and ours[B]["satisfaction"] == 1.0
