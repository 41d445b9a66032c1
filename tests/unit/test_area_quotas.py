"""A district's report toward its city's indicators, pure parts (services/indicators/quotas.py): field-level
errors, the city's counter (a later version replaces, an earlier or a replayed one does not; the recount equals it),
and the judgement of a city's quota from its districts' sums."""
from datetime import date

import pytest

from services.indicators import levels, quotas
from services.indicators.plans import indicator
from shared.errors import InvalidInput


class Store:
    """The report reads and writes ``quotas`` uses, in memory: revisions by ``_id``, current reports moved forward."""

    def __init__(self):
        self.revisions, self.reports = {}, {}

    def area_report(self, key):
        return self.reports.get(key)

    def area_report_revision(self, key, version):
        return self.revisions.get(f"{key}:{version}")

    def project_area_report(self, doc):
        if doc["_id"] not in self.reports or self.reports[doc["_id"]]["version"] < doc["version"]:
            self.reports[doc["_id"]] = doc

    def city_reports(self, city, year):
        return [d for d in self.reports.values() if d["city"] == city and d["year"] == year]

    def store(self, doc, project=True):
        key = "{}:{}".format(doc["district"], doc["year"])
        self.revisions[f"{key}:{doc['version']}"] = doc
        if project:
            self.project_area_report({**doc, "_id": key})


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


def test_the_city_sums_each_district_s_current_version_and_the_recount_repairs_one_left_behind():
    store = Store()
    for doc in (report("410105", 1, {"demonstration_districts": 1}), report("410183", 1, {"demonstration_districts": 1}),
                report("410105", 2, {"demonstration_districts": 0, "activity_brands": 3})):
        store.store(doc)
    live = quotas.counters(store, "4101", 2022)
    assert live["total"] == {"demonstration_districts": 1, "activity_brands": 3}
    assert {d: p["version"] for d, p in live["parts"].items()} == {"410105": 2, "410183": 1}
    assert quotas.recount(store, "4101", 2022, ["410105", "410183"]) == live
    # a crash between a revision and its projection: the recount walks the revisions forward
    store.store(report("410183", 2, {"demonstration_districts": 2}), project=False)
    store.store(report("410100", 1, {"folk_art_towns": 1}), project=False)  # a first version never projected
    assert quotas.counters(store, "4101", 2022) == live
    repaired = quotas.recount(store, "4101", 2022, ["410105", "410183", "410100"])
    assert repaired["total"] == {"demonstration_districts": 2, "activity_brands": 3, "folk_art_towns": 1}


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
