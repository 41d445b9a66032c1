"""Each shipped plan file loads, cites its document, and its numbers are the document's numbers."""
import os
import re

import pytest
import yaml

from services.indicators import plans
from shared.schemas.indicators import METRICS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = os.environ.get("SEEDS_DIR") or os.path.join(ROOT, "..", "shared", "seeds")


def seed_text(document):
    name = next(n for n in os.listdir(SEEDS) if n.startswith(document + "_"))
    with open(os.path.join(SEEDS, name), encoding="utf-8") as fh:
        return fh.read()


def squash(text):
    return re.sub(r"\s+", "", text)


def test_every_plan_loads_and_every_quote_is_in_its_document():
    loaded = plans.load_plans()
    assert sorted(loaded) == ["000", "001", "002", "003", "004"]
    for document, plan in loaded.items():
        text = squash(seed_text(document))
        assert plan["file"].startswith(document + "_")
        for indicator in plan["indicators"]:
            assert squash(indicator["source"]["quote"]) in text, indicator["id"]


def targets(document):
    return {i["id"]: (i["target"], i["applies_to"]["scope"], tuple(i["applies_to"]["levels"]), i["period"])
            for i in plans.load_plans()[document]["indicators"]}


def test_003_annex1_numbers():
    t = targets("003")
    assert t["003-large-events"] == (1, "centre", ("subdistrict",), "year")
    assert t["003-single-events"][0] == 3
    assert t["003-activities"] == (5, "centre", ("village", "community"), "year")
    assert t["003-performances-subdistrict"][0] == 5 and t["003-performances"][0] == 1
    assert t["003-training"][0] == 5
    assert t["003-funding-subdistrict"][0] == 20000 and t["003-funding"][0] == 3000  # 2万 / 0.3万 yuan
    assert t["003-staff-subdistrict"][0] == 2 and t["003-staff-community"][0] == 1 and t["003-staff-village"][0] == 1
    assert t["003-safety"][0] == 0 and plans.indicator("003-safety")["kind"] == "count_at_most"
    assert t["003-troupes"] == (1, "centre", ("village", "community"), "year")
    text = seed_text("003")
    assert "每年不少于2万" in text and "每年不少于0.3万" in text and "不少于1支的业余文艺团队" in text


def test_001_xinmi_numbers():
    t = targets("001")
    coverage = plans.indicator("001-coverage")
    assert (coverage["target"], coverage["target_date"].isoformat(), coverage["denominator"]) == (100, "2021-12-31",
                                                                                                    "centres")
    assert t["001-staff-township"][0] == 2 and t["001-staff-village"][0] == 1
    assert t["001-training"][0] == 5 and t["001-training-city-venues"][0] == 15
    rule = plans.reporting_rule()
    assert rule["evaluation"] == ["month", "quarter", "year"] and rule["source"]["document"] == "001"


def test_000_zhengzhou_quotas():
    t = targets("000")
    assert t["000-demonstration-districts"][0] == 2
    assert t["000-demonstration-subdistricts"][0] == 10
    assert t["000-demonstration-villages"][0] == 20
    assert t["000-model-coops"][0] == 10 and t["000-folk-art-towns"][0] == 5
    assert t["000-spaces-2025"][0] == 300 and plans.indicator("000-spaces-2025")["target_date"].year == 2025
    assert plans.indicator("000-spaces-per-population")["scale"] == 50000
    assert plans.indicator("000-spaces-per-population-county")["scale"] == 100000
    assert t["000-model-volunteers"][0] == 100 and t["000-volunteer-projects"][0] == 10


def test_004_ziyang_numbers():
    area, visits, acts = (plans.indicator(i) for i in ("004-facility-area-per-capita", "004-visits-per-capita",
                                                        "004-activities-per-10000"))
    assert [(i["target"], i["baseline_year"], i["target_date"].year) for i in (area, visits, acts)] == [
        (10, 2020, 2025), (10, 2020, 2025), (5, 2020, 2025)]
    assert acts["scale"] == 10000 and area["denominator"] == "population"
    assert plans.indicator("004-service-points")["target"] == 30
    assert plans.indicator("004-branch-libraries")["target"] == 100
    assert plans.indicator("004-operas")["target"] == 4
    assert plans.indicator("004-troupes")["target"] == 1


def test_002_satisfaction_through_the_survey():
    (indicator,) = plans.load_plans()["002"]["indicators"]
    assert indicator["metric"] == "satisfaction_rate" and indicator["kind"] == "growth_percent"


def test_metrics_exist_and_a_bad_plan_is_refused(tmp_path):
    for indicator in plans.all_indicators():
        assert indicator["metric"] in METRICS or indicator["metric"] == "satisfaction_rate"
    with open(os.path.join(plans.PLAN_DIR, "003.yaml"), encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    raw["indicators"][0]["kind"] = "at_least_maybe"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(plans.PlanError):
        plans.load_plan(str(path))
