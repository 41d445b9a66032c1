"""Every indicator sits at the level its document's wording gives it (docs/areas.md), within the document's own area,
and the demonstration area tree holds every document's area under the place the document names.

The wording decides, in this order: a per-unit standard (每个乡镇, 每村, 村（社区）配备, 专兼职人员, 每年举办 ...) is a
centre's; a per-district standard (各区按, 各县（市）按) is each district's; an area-wide target or quota (全市, 市级,
评选, 评审, 覆盖率, 增长, 满意度 ...) is the issuing area's own: Zhengzhou's and Lanzhou's documents are a city's,
Xinmi's (a county-level city), Ziyang's and Jinshui's a district's."""
import csv
import os
import re

from services.indicators import levels, plans
from shared.areas import level_of, short_code
from tests.unit.test_indicator_plans import seed_text

CENTRE = re.compile(r"每个(乡镇|中心|行政村)|每乡镇|每村|每社区|村（社区）配备|专兼职人员|社区至少|两委|每年举办|举办单项|"
                    r"每年组织|送文艺演出|财政拨款|无重大安全|专职人员|业余文艺")
EACH_DISTRICT = re.compile(r"各区按|各县（市）按")
AREA_WIDE = re.compile(r"全市|全区|市级|区县|评选|评审|每年创建|最美|优秀|覆盖率|各乡镇、街道|以上的村|增长|满意度")
# the brief of issue 19: each document's area (the statistical codes of the places it names)
DOCUMENT_AREAS = {"000": ("4101", "郑州市"), "001": ("410183", "新密市"), "002": ("6201", "兰州市"),
                  "003": ("410105", "金水区"), "004": ("430902", "资阳区")}
DEMO_TREE = os.path.join(os.path.dirname(plans.PLAN_DIR), "..", "assignment", "data", "areas_demo.csv")


def wording_level(indicator, area_code):
    text = indicator["title"] + "｜" + indicator["source"]["quote"]
    if CENTRE.search(text):
        return "centre"
    if EACH_DISTRICT.search(text):
        return "district"
    assert AREA_WIDE.search(text), f"{indicator['id']}: no wording says at which level it applies"
    return level_of(area_code)


def test_every_indicator_is_at_the_level_its_wording_gives():
    for document, plan in plans.load_plans().items():
        assert (plan["area"]["code"], plan["area"]["name"]) == DOCUMENT_AREAS[document]
        for indicator in plan["indicators"]:
            assert indicator["applies_to"]["level"] == wording_level(indicator, plan["area"]["code"]), indicator["id"]


def test_the_city_quotas_are_the_city_s_and_the_centre_standards_the_centres():
    levels = {i["id"]: i["applies_to"]["level"] for i in plans.all_indicators()}
    assert levels["000-demonstration-districts"] == levels["000-excellent-culture-branch-systems"] == "city"
    assert levels["000-spaces-per-population"] == "district" and levels["000-village-history-halls"] == "centre"
    assert levels["001-coverage"] == "district" and levels["002-satisfaction-up"] == "city"
    assert {levels[i] for i in levels if i.startswith("003-")} == {"centre"}
    assert levels["004-visits-per-capita"] == "district" and levels["004-operas"] == "centre"


def test_each_document_names_its_area_and_the_demo_tree_holds_it_under_its_parents():
    with open(DEMO_TREE, encoding="utf-8-sig") as fh:
        tree = {short_code(row["区划代码"]): row["名称"] for row in csv.DictReader(fh)}
    for document, plan in plans.load_plans().items():
        code, name = plan["area"]["code"], plan["area"]["name"]
        assert name in seed_text(document), document  # the document names its own place
        assert tree[code] == name
        for digits in (2, 4):  # its province and city are in the tree too
            assert code[:digits] in tree
    assert tree["4309"] == "益阳市" and "益阳市" in seed_text("004")  # Ziyang in Yiyang, as the document says


def test_every_indicator_is_evaluated_for_its_own_area_at_its_own_level():
    """Where the tracking evaluates each indicator (``levels.evaluated_at``) is what its wording says: the document's
    area, at the wording's level; a city's quotas from what its districts report, a district's own from its centres."""
    for document, plan in plans.load_plans().items():
        code = DOCUMENT_AREAS[document][0]
        for indicator in plan["indicators"]:
            where, wording = levels.evaluated_at(indicator), wording_level(indicator, code)
            assert (where["area"], where["level"]) == (code, wording), indicator["id"]
            assert where["subjects"] == ("area" if wording == level_of(code) else "each_" + wording), indicator["id"]
            from_reports = wording in ("province", "city") or (wording == "district" and level_of(code) == "city")
            assert where["source"] == (levels.REPORTED if from_reports else levels.CENTRES), indicator["id"]


def test_the_views_take_each_area_s_own_indicators():
    quota_ids = {i["id"] for i in levels.city_indicators("4101")}
    assert {"000-demonstration-districts", "000-excellent-culture-branch-systems", "000-spaces-2025"} <= quota_ids
    assert all(i.startswith("000-") for i in quota_ids) and "000-spaces-per-population" not in quota_ids
    each = levels.each_district_indicators("4101")
    assert [i["id"] for i in each if levels.applies_to_district(i, "金水区")] == ["000-spaces-per-population"]
    assert [i["id"] for i in each if levels.applies_to_district(i, "新密市")] == ["000-spaces-per-population-county"]
    assert [i["id"] for i in levels.city_indicators("6201")] == ["002-satisfaction-up"]
    assert "001-coverage" in {i["id"] for i in levels.own_indicators("410183")}
    assert {i["id"] for i in levels.own_indicators("430902")} >= {"004-visits-per-capita", "004-branch-libraries"}
    assert levels.own_indicators("410105") == [] and levels.report_fields("4309") == []  # 003: centres only
    assert levels.city_indicators("4309") == []  # Yiyang sets nothing: Ziyang's document is a district's
    keys = {f["key"] for f in levels.report_fields("4101")}
    assert {"demonstration_districts", "branch_library", "branch_library_of", "population"} <= keys


def test_a_centre_is_tracked_against_the_plans_of_its_own_areas():
    """003's standards for Jinshui's centres, 001's for Xinmi's, 004's for Ziyang's, 000's per-township one for every
    centre of Zhengzhou; a centre of no district (an installation from before areas) against every plan, as before."""
    from datetime import date

    from services.indicators import evaluation, tracking

    def documents(district):
        centre = {"id": "c1", "name": "中心", "level": "subdistrict", "office": "某街道", "district": district}
        rows = evaluation.office_statuses("某街道", tracking.Figures([centre], {}, {}), date(2022, 6, 30),
                                          evaluation.tracked())
        return {r["document"] for r in rows}

    assert documents("410105") == {"000", "003"}
    assert documents("410183") == {"000", "001"}
    assert documents("430902") == {"004"}
    assert documents(None) == {"000", "001", "003", "004"}
    assert not {i["id"] for i in evaluation.tracked()} & {i["id"] for i in levels.city_indicators("4101")}
