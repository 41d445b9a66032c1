"""Progress, projection and status of indicators over a year of monthly figures (pure functions)."""
from datetime import date

from services.indicators import plans, tracking

CENTRES = {"s": {"id": "js01-s", "level": "subdistrict"}, "c": {"id": "js01-c01", "level": "community"},
           "v": {"id": "js01-v01", "level": "village"}}


def year_of(figures_by_month, year=2018):
    return {f"{year}-{m:02d}": f for m, f in figures_by_month.items()}


def ind(indicator_id):
    return plans.indicator(indicator_id)


def test_activities_on_pace_then_at_risk_then_missed():
    # community: 5 activities a year (003 附件1). One every other month: 2 by the end of April.
    reports = {"js01-c01": year_of({m: {"activities": 1 if m % 2 == 0 else 0} for m in range(1, 13)})}
    centre = [CENTRES["c"]]
    r = tracking.evaluate(ind("003-activities"), centre, reports, date(2018, 4, 30))
    assert (r["value"], r["projection"], r["months_closed"], r["status"]) == (2, 6, 4, "on_track")
    r = tracking.evaluate(ind("003-activities"), centre, reports, date(2018, 4, 29))  # April not closed yet
    assert (r["value"], r["projection"], r["status"]) == (1, 4, "at_risk")
    r = tracking.evaluate(ind("003-activities"), centre, reports, date(2018, 10, 31))
    assert (r["value"], r["status"]) == (5, "achieved")
    slow = {"js01-c01": year_of({m: {"activities": 1 if m in (3, 9) else 0} for m in range(1, 13)})}
    r = tracking.evaluate(ind("003-activities"), centre, slow, date(2018, 12, 31))
    assert (r["value"], r["status"]) == (2, "missed")


def test_funding_amount_and_ratio_training():
    reports = {"js01-s": year_of({m: {"funding_yuan": 1500, "training_days": 1, "staff_full_time": 2,
                                      "staff_part_time": 0} for m in range(1, 13)})}
    centre = [CENTRES["s"]]
    r = tracking.evaluate(ind("003-funding-subdistrict"), centre, reports, date(2018, 6, 30))
    assert (r["value"], r["projection"], r["target"], r["status"]) == (9000, 18000, 20000, "at_risk")
    r = tracking.evaluate(ind("003-training"), centre, reports, date(2018, 6, 30))  # 6 days / 2 staff
    assert (r["value"], r["projection"], r["status"]) == (3, 6, "on_track")
    r = tracking.evaluate(ind("003-training"), centre, reports, date(2018, 12, 31))
    assert (r["value"], r["status"]) == (6, "achieved")


def test_safety_incident_is_missed_at_once_and_no_data_before_reports():
    centre = [CENTRES["v"]]
    r = tracking.evaluate(ind("003-safety"), centre, {}, date(2018, 3, 31))
    assert r["status"] == "no_data"
    reports = {"js01-v01": year_of({1: {"safety_incidents": 0}, 2: {"safety_incidents": 1}})}
    assert tracking.evaluate(ind("003-safety"), centre, reports, date(2018, 1, 31))["status"] == "on_track"
    assert tracking.evaluate(ind("003-safety"), centre, reports, date(2018, 2, 28))["status"] == "missed"


def test_coverage_ratio_over_centres_of_the_district():
    # 001: 100% of village and community centres open by 2021-12-31.
    centres = [{"id": "a", "level": "community"}, {"id": "b", "level": "village"}]
    reports = {"a": year_of({1: {"centre_open": 1}}, 2021), "b": year_of({1: {"centre_open": 0}}, 2021)}
    r = tracking.evaluate(ind("001-coverage"), centres, reports, date(2021, 6, 30))
    assert (r["value"], r["target"], r["status"]) == (50, 100, "at_risk")
    reports["b"]["2021-11"] = {"centre_open": 1}
    assert tracking.evaluate(ind("001-coverage"), centres, reports, date(2021, 11, 30))["status"] == "achieved"


def test_growth_over_2020_baseline():
    # 004: visits per capita +10% from 2020 to 2025; linear expectation: +2% per year.
    centres = [{"id": "a", "level": "subdistrict"}]
    reports = {"a": {**year_of({m: {"visits": 100, "population": 1000} for m in range(1, 13)}, 2020),
                     **year_of({m: {"visits": 103, "population": 1000} for m in range(1, 7)}, 2021)}}
    r = tracking.evaluate(ind("004-visits-per-capita"), centres, reports, date(2021, 6, 30))
    assert (r["baseline"], r["projection"], r["status"]) == (1.2, 3.0, "on_track")
    reports["a"].update(year_of({m: {"visits": 101, "population": 1000} for m in range(1, 7)}, 2022))
    r = tracking.evaluate(ind("004-visits-per-capita"), centres, reports, date(2022, 6, 30))
    assert (r["projection"], r["status"]) == (1.0, "at_risk")  # 2022 expects +4%


def test_attainment_prorates_yearly_targets():
    reports = {"js01-c01": year_of({m: {"activities": 1} for m in range(1, 4)})}
    r = tracking.evaluate(ind("003-activities"), [CENTRES["c"]], reports, date(2018, 3, 31))
    assert r["status"] == "on_track"
    assert tracking.attainment(ind("003-activities"), r) == 1.0  # 3 done, 1.25 expected by March
    r = tracking.evaluate(ind("003-activities"), [CENTRES["c"]], {"js01-c01": year_of({1: {"activities": 0}})},
                          date(2018, 6, 30))
    assert tracking.attainment(ind("003-activities"), r) == 0.0
