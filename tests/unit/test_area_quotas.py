"""A district's report toward its city's indicators, pure parts (services/indicators/quotas.py): field-level
errors, the city's counter (a later version replaces, an earlier or a replayed one does not; the recount equals it),
and the judgement of a city's quota from its districts' sums."""
from datetime import date

import pytest

from services.indicators import levels, quotas
from services.indicators.plans import indicator
from shared.errors import InvalidInput


class Store:
    """The counter and report reads ``quotas`` uses, in memory."""

    def __init__(self):
        self.counts, self.reports = {}, {}

    def area_count(self, doc_id):
        return self.counts.get(doc_id)

    def put_area_count(self, doc):
        self.counts[doc["_id"]] = doc

    def city_reports(self, city, year):
        return [d for d in self.reports.values() if d["city"] == city and d["year"] == year]


def report(district, version, figures):
    return {"district": district, "city": "4101", "year": 2022, "version": version, "figures": figures}


def test_field_errors_name_each_bad_field_in_chinese():
    fields = levels.report_fields("4101")
    with pytest.raises(InvalidInput) as caught:
        quotas.clean({"demonstration_districts": "两个", "unknown": 1, "population": 1.5, "activity_brands": -1}, fields)
    details = caught.value.details
    assert set(details) == {"figures.demonstration_districts", "figures.unknown", "figures.population",
                            "figures.activity_brands"}
    assert "必须是数字" in details["figures.demonstration_districts"][0]
    with pytest.raises(InvalidInput) as caught:
        quotas.clean({"branch_library": 5, "branch_library_of": 3}, fields)
    assert "figures.branch_library" in caught.value.details
    assert quotas.clean({"demonstration_districts": "2", "population": ""}, fields) == {"demonstration_districts": 2}


def test_the_counter_keeps_each_district_s_latest_version_and_the_recount_equals_it():
    store = Store()
    for doc in (report("410105", 1, {"demonstration_districts": 1}), report("410183", 1, {"demonstration_districts": 1}),
                report("410105", 2, {"demonstration_districts": 0, "activity_brands": 3})):
        quotas.count(store, doc)
        store.reports[doc["district"]] = doc
    quotas.count(store, report("410105", 1, {"demonstration_districts": 9}))  # a replay of an older version
    live = store.counts["city:4101:2022"]
    assert live["total"] == {"demonstration_districts": 1, "activity_brands": 3}
    assert quotas.recount(store, "4101", 2022) == live


def test_a_city_quota_is_judged_from_the_sum_and_an_unreported_district_is_not_zero():
    districts = [{"code": "410105", "name": "金水区"}, {"code": "410183", "name": "新密市"}]
    parts = {"410105": {"version": 1, "figures": {"demonstration_districts": 1, "cultural_spaces": 10,
                                                  "population": 500000}}}
    counters = {"year": 2022, "now": {"parts": parts, "total": quotas.total(parts)}, "before": None}
    view = quotas.city_view("4101", districts, counters, date(2022, 6, 30))
    row = next(r for r in view["rows"] if r["indicator_id"] == "000-demonstration-districts")
    assert row["value"] == 1 and row["reported"] == 1 and row["status"] == "on_track"  # 1 by mid-year: 2 by year end
    assert [d["value"] for d in row["by_district"]] == [1, None]
    assert [(e["name"], e["status"]) for e in view["ranking"]] == [("金水区", "已报送"), ("新密市", "未报送")]
    year_end = quotas.city_view("4101", districts, counters, date(2022, 12, 31))
    assert next(r for r in year_end["rows"] if r["indicator_id"] == "000-demonstration-districts")["status"] == "missed"


def test_satisfaction_growth_of_a_city_compares_its_districts_rates_year_on_year():
    up = indicator("002-satisfaction-up")
    assert quotas.value_of(up, {"satisfaction_good": 90, "satisfaction_total": 100},
                           {"satisfaction_good": 80, "satisfaction_total": 100}) == pytest.approx(12.5)
    assert quotas.value_of(up, {"satisfaction_good": 90, "satisfaction_total": 100}, {}) is None
