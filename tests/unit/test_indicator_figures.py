"""The read model's indicator figures: carried-forward stocks, corrections applied as differences once,
survey counters, and district rows and office scores from the read model equal to those computed from
the reports themselves."""
from datetime import date

import mongomock

from services.indicators import evaluation, figures, standing, survey_counts, tracking
from services.indicators.plans import all_indicators
from services.reporting import indicator_figures as model

OFFICE, OTHER = "丰庆路街道", "国基路街道"
CENTRES = [{"id": "s1", "name": "街道", "level": "subdistrict", "office": OFFICE},
           {"id": "c1", "name": "一社区", "level": "community", "office": OFFICE},
           {"id": "c2", "name": "二社区", "level": "community", "office": OFFICE},
           {"id": "v1", "name": "一村", "level": "village", "office": OTHER}]


def report(centre, month, figures_, version=1):
    return {"centre_id": centre["id"], "office": centre["office"], "level": centre["level"], "month": month,
            "year": int(month[:4]), "figures": figures_, "version": version}


def year_of_reports():
    """{centre id: {month: report}}: a year of figures with gaps, stocks changing and a stock reported once."""
    out = {c["id"]: {} for c in CENTRES}
    for m in range(1, 13):
        month = f"2018-{m:02d}"
        out["c1"][month] = report(CENTRES[1], month, {"activities": 1, "participants": 40,
                                                      "staff_part_time": 1 if m < 7 else 0})
        if m in (3, 9):
            out["c2"][month] = report(CENTRES[2], month, {"activities": 2, "branch_library": 0})
        out["s1"][month] = report(CENTRES[0], month, {"funding_yuan": 1500.5, "large_events": int(m == 6),
                                                      "staff_full_time": 2, "training_days": 3,
                                                      **({"branch_library": 1} if m == 4 else {})})
        if m <= 5:
            out["v1"][month] = report(CENTRES[3], month, {"activities": 1, "service_point": int(m >= 2),
                                                          "population": 1000, "cultural_spaces": 1})
    return out


def feed(db, reports, only=None):
    """Apply each centre's year as the events would carry it after its last report."""
    for centre in CENTRES:
        docs = list(reports[centre["id"]].values())
        if docs and (only is None or centre["id"] in only):
            model.apply_centre_year(db, figures.centre_year(centre, 2018, docs))


def direct(reports):
    return {cid: {m: d["figures"] for m, d in months.items()} for cid, months in reports.items()}


def test_stocks_are_carried_forward_and_sums_stay_in_their_month():
    rows = model.carried(2018, {"2018-02": {"activities": 2, "troupes": 1, "staff_full_time": 1},
                                "2018-05": {"activities": 1, "staff_part_time": 2}})
    assert rows["01"] == {}
    assert rows["02"] == {"activities": 2, "troupes": 1, "staff_full_time": 1, "staff_total": 1, "reports": 1}
    assert rows["03"] == {"troupes": 1, "staff_full_time": 1, "staff_total": 1}
    assert rows["05"] == {"activities": 1, "troupes": 1, "staff_full_time": 1, "staff_part_time": 2,
                          "staff_total": 2, "reports": 1}  # staff_total: the latest report's own staff
    assert rows["12"]["troupes"] == 1 and "activities" not in rows["12"]


def test_a_correction_replaces_the_old_contribution_once_and_an_older_revision_changes_nothing():
    db = mongomock.MongoClient(tz_aware=True).db
    c1 = CENTRES[1]
    v1 = figures.centre_year(c1, 2018, [report(c1, "2018-03", {"activities": 1, "participants": 10})])
    assert model.apply_centre_year(db, v1)
    fixed = figures.centre_year(c1, 2018, [report(c1, "2018-03", {"activities": 4}, version=2)])
    assert model.apply_centre_year(db, fixed)
    assert not model.apply_centre_year(db, fixed) and not model.apply_centre_year(db, v1)  # redelivered, late
    office = model.read_year(db, 2018, [OFFICE])["offices"][OFFICE]
    assert office["months"]["03"] == {"community": {"activities": 4, "reports": 1}}
    assert office["centres"] == {"community": 1}
    assert model.read_year(db, 2018, [])["district"]["months"] == office["months"]
    # a second centre adds to the same office; moving it to another office moves its contribution
    c2 = CENTRES[2]
    model.apply_centre_year(db, figures.centre_year(c2, 2018, [report(c2, "2018-03", {"activities": 2})]))
    moved = figures.centre_year({**c2, "office": OTHER}, 2018, [report(c2, "2018-03", {"activities": 2}),
                                                                report(c2, "2018-04", {"activities": 1})])
    model.apply_centre_year(db, moved)
    both = model.read_year(db, 2018, [OFFICE, OTHER])
    assert both["offices"][OFFICE]["months"]["03"]["community"]["activities"] == 4
    assert both["offices"][OTHER]["months"]["03"]["community"]["activities"] == 2
    assert both["district"]["months"]["03"]["community"] == {"activities": 6, "reports": 2}


def test_district_rows_from_the_read_model_equal_those_from_the_reports():
    db = mongomock.MongoClient(tz_aware=True).db
    reports = year_of_reports()
    feed(db, reports)
    counts = {"subdistrict": 1, "community": 2, "village": 1}
    # every district-scope indicator, those of a city evaluated from its districts' reports too: the sums must hold
    indicators = [i for i in all_indicators() if i["applies_to"]["scope"] == "district"]
    doc = model.read_year(db, 2018, [])["district"]
    for as_of in (date(2018, 2, 10), date(2018, 4, 30), date(2018, 7, 15), date(2018, 12, 31)):
        want = evaluation.district_statuses(CENTRES, direct(reports), as_of, indicators)
        centres, aggregated = standing.aggregates({2018: doc}, counts)
        got = evaluation.district_statuses(centres, aggregated, as_of, indicators)
        assert got == want, as_of
    assert {r["status"] for r in want} >= {"achieved", "missed"}


def test_office_scores_from_the_read_model_equal_the_centres_rows_and_follow_a_correction():
    db = mongomock.MongoClient(tz_aware=True).db
    reports = year_of_reports()
    feed(db, reports)
    centre_indicators = [i for i in evaluation.tracked() if i["applies_to"]["scope"] == "centre"]

    def expected(as_of):
        rows = [r for r in evaluation.office_statuses(OFFICE, tracking.Figures(CENTRES[:3], direct(reports), {}), as_of,
                                                      centre_indicators) if r["status"] != "no_data"]
        return len(rows), round(evaluation.attained(rows), 3), sum(r["status"] == "at_risk" for r in rows)

    def stored(as_of):
        doc = model.read_year(db, 2018, [OFFICE])["offices"][OFFICE]
        scores = standing.centre_scores(doc, 2018, as_of)
        return scores["rows"], round(scores["attained"], 3), scores["at_risk"]

    for as_of in (date(2018, 1, 20), date(2018, 6, 30), date(2018, 8, 3), date(2018, 12, 31)):
        assert stored(as_of) == expected(as_of), as_of
    assert expected(date(2018, 6, 30))[2] > 0
    reports["c2"]["2018-03"] = report(CENTRES[2], "2018-03", {"activities": 9}, version=2)  # a correction
    before = stored(date(2018, 6, 30))
    feed(db, reports, only={"c2"})
    feed(db, reports, only={"c2"})  # redelivered: nothing changes
    assert stored(date(2018, 6, 30)) == expected(date(2018, 6, 30)) != before


def test_status_counts_follow_each_subject_once():
    db = mongomock.MongoClient(tz_aware=True).db
    change = {"indicator_id": "003-activities", "subject": "c1", "subject_kind": "centre", "office": OFFICE,
              "period_end": "2018-12-31", "status": "on_track", "previous": None, "as_of": "2018-04-30"}
    assert model.apply_status(db, change)
    assert not model.apply_status(db, change)
    assert model.apply_status(db, {**change, "status": "at_risk", "previous": "on_track", "as_of": "2018-06-30"})
    assert not model.apply_status(db, {**change, "as_of": "2018-05-31"})  # older than what is recorded
    assert model.read_year(db, 2018, [OFFICE])["offices"][OFFICE]["statuses"] == {"at_risk": 1}


def test_survey_counters_per_month_quarter_and_year():
    class Store:
        def __init__(self):
            self.docs = {}

        def survey_count(self, doc_id):
            return self.docs.get(doc_id)

        def put_survey_count(self, doc):
            self.docs[doc["_id"]] = doc

    store = Store()
    ratings = {"facilities": 5, "service": 4, "activities": 4, "opening": 3}
    answers = [{"centre_id": "c1", "office": OFFICE, "month": "2018-05", "ratings": {**ratings, "overall": 5}},
               {"centre_id": "c2", "office": OFFICE, "month": "2018-06", "ratings": {**ratings, "overall": 2}},
               {"centre_id": "v1", "office": OTHER, "month": "2018-07", "ratings": {**ratings, "overall": 4}}]
    survey_counts.count(store, answers)
    q2 = survey_counts.read(store, "office", OFFICE, "2018-Q2")
    assert survey_counts.summary(q2)["responses"] == 2 and survey_counts.summary(q2)["satisfaction_rate"] == 50.0
    assert set(q2["parts"]) == {"c1", "c2"}
    year = survey_counts.summary(survey_counts.read(store, "district", None, "2018"))
    assert year["responses"] == 3 and year["average"]["overall"] == round(11 / 3, 2) and year["good"] == 2
    assert survey_counts.read(store, "centre", "c1", "2018-06") is None
    assert survey_counts.periods("2018-11") == ("2018-11", "2018-Q4", "2018")
