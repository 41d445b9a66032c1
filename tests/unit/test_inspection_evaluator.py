"""The evaluator against the real standard file: every item of every level at,
just below and just above its threshold, with exact decimal boundaries."""

import pytest

from services.inspections import evaluator, standards
from shared.errors import InvalidInput
from tests.support.inspections import STANDARD, STEP, at_threshold

LEVELS = ("subdistrict", "village", "community")


def judge(level, **changes):
    parsed = evaluator.parse_measurements(STANDARD, level, {**at_threshold(level), **changes})
    items, result = evaluator.evaluate(STANDARD, level, parsed)
    return {i["item_id"]: i for i in items}, result


def numeric_cases():
    for level in LEVELS:
        for item in standards.items_for(STANDARD, level):
            if item["kind"] in STEP:
                yield level, item


@pytest.mark.parametrize("level", LEVELS)
def test_exactly_at_every_threshold_passes(level):
    items, result = judge(level)
    assert result == "passed"
    applicable = {i["id"] for i in standards.items_for(STANDARD, level)}
    assert {k for k, v in items.items() if v["status"] == "pass"} == applicable
    assert all(v["status"] == "not_applicable" for k, v in items.items() if k not in applicable)
    assert len(items) == len(STANDARD["items"])


@pytest.mark.parametrize("level,item", list(numeric_cases()), ids=lambda x: x if isinstance(x, str) else x["id"])
def test_numeric_item_below_fails_above_passes(level, item):
    threshold, step = item["threshold"], STEP[item["kind"]]
    below = threshold - step
    if below >= 0:
        value = float(below) if item["kind"] == "number_at_least" else int(below)
        items, result = judge(level, **{item["id"]: value})
        assert items[item["id"]]["status"] == "fail" and result == "failed"
        assert items[item["id"]]["reason"] == "{} {} {} 低于标准 {} {}".format(
            item["name"], standards.plain(below), item["unit"], standards.plain(threshold), item["unit"])
        assert [k for k, v in items.items() if v["status"] == "fail"] == [item["id"]]
    above = threshold + step
    value = float(above) if item["kind"] == "number_at_least" else int(above)
    items, result = judge(level, **{item["id"]: value})
    assert items[item["id"]]["status"] == "pass" and result == "passed"


def test_the_canonical_boundaries():
    items, _ = judge("subdistrict", building_area=300)
    assert items["building_area"]["status"] == "pass"
    items, _ = judge("subdistrict", building_area=299.9)
    assert items["building_area"]["reason"] == "建筑面积 299.9 m² 低于标准 300 m²"
    items, _ = judge("subdistrict", building_area=299.99999)
    assert items["building_area"]["status"] == "fail"
    items, _ = judge("community", building_area=280)
    assert items["building_area"]["status"] == "pass"  # communities need only 100 m²
    items, _ = judge("subdistrict", building_area=280)
    assert items["building_area"]["reason"] == "建筑面积 280 m² 低于标准 300 m²"


def test_decimal_thresholds_are_exact():
    items, _ = judge("village", annual_funding=0.3, stage_height=0.8)
    assert items["annual_funding"]["status"] == "pass" and items["stage_height"]["status"] == "pass"
    items, _ = judge("village", annual_funding=0.1 + 0.2)  # 0.30000000000000004 in binary floating point
    assert items["annual_funding"]["status"] == "pass"
    items, _ = judge("village", annual_funding=0.29999, stage_height=0.79)
    assert items["annual_funding"]["reason"] == "财政拨款业务经费 0.29999 万元/年 低于标准 0.3 万元/年"
    assert items["stage_height"]["reason"] == "简易戏台高度 0.79 m 低于标准 0.8 m"


def test_explicit_units_convert_exactly_and_wrong_units_are_refused():
    items, _ = judge("village", annual_funding={"value": 3000, "unit": "元"}, stage_height={"value": 80, "unit": "cm"})
    assert items["annual_funding"]["status"] == "pass" and items["stage_height"]["status"] == "pass"
    items, _ = judge("village", annual_funding={"value": 2999.99, "unit": "元/年"})
    assert items["annual_funding"]["status"] == "fail"
    items, _ = judge("subdistrict", building_area={"value": 300, "unit": "平方米"})
    assert items["building_area"]["status"] == "pass"
    with pytest.raises(InvalidInput) as exc:
        judge("subdistrict", building_area={"value": 300, "unit": "m"})
    assert "单位“m”与标准单位“m²”不符" in exc.value.details["measurements.building_area"][0]


def test_village_stage_is_judged_on_each_dimension():
    items, result = judge("village", stage_length=9.9, stage_width=5, stage_height=0.8)
    assert result == "failed"
    assert items["stage_length"]["reason"] == "简易戏台长度 9.9 m 低于标准 10 m"
    assert items["stage_width"]["status"] == "pass"


@pytest.mark.parametrize("level", LEVELS)
def test_every_required_option_is_needed(level):
    for item in standards.items_for(STANDARD, level):
        if item["kind"] != "required_set":
            continue
        for missing in item["required"]:
            rest = [o for o in item["required"] if o != missing]
            items, result = judge(level, **{item["id"]: rest})
            assert result == "failed"
            assert items[item["id"]]["reason"] == "{}缺少：{}".format(item["name"], item["options"][missing])
        extra = [o for o in item["options"] if o not in item["required"]][:1]
        items, _ = judge(level, **{item["id"]: list(item["required"]) + extra})
        assert items[item["id"]]["status"] == "pass"


@pytest.mark.parametrize("level", LEVELS)
def test_yes_no_and_no_incident_items(level):
    for item in standards.items_for(STANDARD, level):
        if item["kind"] == "yes_no":
            items, result = judge(level, **{item["id"]: False})
            assert items[item["id"]]["status"] == "fail" and result == "failed"
        if item["kind"] == "no_incident":
            items, result = judge(level, **{item["id"]: 1})
            assert items[item["id"]]["reason"] == "发生重大安全和责任事故 1 起，标准要求无重大安全和责任事故"
            assert result == "failed"


def test_missing_and_unexpected_items_are_listed():
    measurements = at_threshold("community")
    del measurements["training_days"], measurements["rooms"]
    measurements["stage_length"] = 10
    measurements["no_such_item"] = 1
    with pytest.raises(InvalidInput) as exc:
        evaluator.parse_measurements(STANDARD, "community", measurements)
    assert exc.value.details["missing_items"] == ["rooms", "training_days"]
    assert exc.value.details["unexpected_items"] == ["no_such_item", "stage_length"]


@pytest.mark.parametrize("item_id,value,text", [
    ("building_area", "280", "应为数字，收到的是文本“280”"),
    ("building_area", -1, "不能为负数"),
    ("building_area", True, "应为数字"),
    ("building_area", {"value": 1, "unit": "m²", "x": 1}, "应为数字，或"),
    ("mass_activities", 4.5, "应为整数"),
    ("major_incidents", -1, "不能为负数"),
    ("rooms", "reading_room", "应为选项编号的列表"),
    ("rooms", ["reading_room", "sauna"], "未知选项：sauna"),
])
def test_malformed_values_are_refused_with_the_field(item_id, value, text):
    with pytest.raises(InvalidInput) as exc:
        evaluator.parse_measurements(STANDARD, "community", {**at_threshold("community"), item_id: value})
    assert list(exc.value.details) == ["measurements." + item_id]
    assert text in exc.value.details["measurements." + item_id][0]


def test_yes_no_needs_a_boolean():
    with pytest.raises(InvalidInput) as exc:
        evaluator.parse_measurements(STANDARD, "subdistrict", {**at_threshold("subdistrict"), "outdoor_venue": "有"})
    assert "应为 true 或 false" in exc.value.details["measurements.outdoor_venue"][0]


def test_a_non_mandatory_failure_does_not_fail_the_inspection():
    raw = {"version": "t", "title": "t", "effective_from": "2017-01-01", "items": [
        {"id": "a", "name": "甲", "kind": "number_at_least", "unit": "m²", "levels": {"community": {"threshold": "10"}}},
        {"id": "b", "name": "乙", "kind": "yes_no", "mandatory": False, "levels": {"community": {}}}]}
    standard = standards.parse(raw)
    items, result = evaluator.evaluate(standard, "community", evaluator.parse_measurements(standard, "community", {"a": 10, "b": False}))
    assert result == "passed" and items[1]["status"] == "fail"


@pytest.mark.parametrize("broken", [
    {"kind": "bigger_than"},
    {"levels": {"town": {"threshold": "1"}}},
    {"levels": {"community": {"threshold": "abc"}}},
    {"unit": None},
])
def test_a_malformed_standard_file_is_rejected_at_load(broken):
    item = {"id": "a", "name": "甲", "kind": "number_at_least", "unit": "m²", "levels": {"community": {"threshold": "10"}}}
    with pytest.raises(standards.StandardError):
        standards.parse({"version": "t", "title": "t", "effective_from": "2017-01-01", "items": [{**item, **broken}]})


def test_describe_gives_thresholds_units_and_option_names():
    described = standards.describe(STANDARD, "village")
    by_id = {i["id"]: i for i in described["items"]}
    assert described["version"] == "zhengzhou-2017-v1" and described["level_name"] == "村"
    assert by_id["stage_length"]["threshold"] == 10 and by_id["stage_height"]["threshold"] == 0.8
    assert by_id["annual_funding"]["unit"] == "万元/年"
    assert {o["name"] for o in by_id["village_equipment"]["required"]} == {"宣传栏", "文化器材", "广播器材", "体育设施器材"}
    assert "building_area" in by_id and "established_staff" not in by_id
