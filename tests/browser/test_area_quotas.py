"""Indicators at their own level in the pages (docs/areas.md): a district bureau (Jinshui) enters its report toward
Zhengzhou's quotas (a field-level error shown under its field, then saved); the city bureau (Zhengzhou) sees each
quota against its target from its districts' reports, and the district that has not reported as 未报送. At 390x844
and 1440x900, with the access checks (axe, Chinese only, 44 px targets) and screenshots."""
import base64
import os

from tests.support.browser import PHONE, login
from tests.support.paths import JINSHUI_CSV
from tests.support.quality import check

SHOTS = os.environ.get("SCREENSHOT_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "var", "screenshots")
WIDE = {"width": 1440, "height": 900}


def install(stack):
    with open(JINSHUI_CSV.replace("jinshui_2017.csv", "areas_demo.csv"), "rb") as fh:
        stack.rpc.assignment.import_areas({"filename": "areas_demo.csv", "content_b64": base64.b64encode(fh.read()).decode(),
                                           "actor": {"role": "admin", "office": None, "name": "test"}})


def clean(page):
    problems = check(page)
    assert problems == {"axe": [], "latin": [], "targets": []}, problems


def test_a_district_reports_and_its_city_sees_its_quotas(stack, people, open_page):
    install(stack)
    people.make("zhengzhou", "admin", name="郑州市文化广电和旅游局", area="4101")
    people.make("jinshui", "admin", name="金水区文化广电和旅游局", area="410105")
    os.makedirs(SHOTS, exist_ok=True)

    district = open_page(PHONE, bypass_csp=True)  # axe is injected as an inline script
    login(district, "jinshui")
    district.wait_for_selector("[data-test=area-child], .error-box, .van-empty, .title")
    district.goto("/#/quotas")
    district.wait_for_selector("[data-test=area-report]")
    assert "金水区" in district.inner_text("[data-test=quota-title]")
    assert district.inner_text("[data-test=report-status]").startswith("未报送")
    clean(district)
    district.screenshot(path=os.path.join(SHOTS, "quotas-district-390.png"), full_page=True)
    field = lambda key: district.locator(f"[data-test=report-{key}] input")  # noqa: E731
    field("culture_coop").fill("5")
    field("culture_coop_of").fill("2")
    district.click("[data-test=report-submit]")
    district.wait_for_selector("[data-test=report-culture_coop] .van-field__error-message")
    assert "不能大于" in district.inner_text("[data-test=report-culture_coop] .van-field__error-message")
    field("culture_coop").fill("")
    field("culture_coop_of").fill("")
    for key, value in (("demonstration_districts", "1"), ("excellent_culture_branch_systems", "3"),
                       ("cultural_spaces", "60"), ("population", "1000000")):
        field(key).fill(value)
    district.click("[data-test=report-submit]")
    district.wait_for_selector("[data-test=report-saved]")
    assert "第 1 次" in district.inner_text("[data-test=report-saved]")
    assert district.locator("[data-test=report-history]").count() == 1
    assert district.get_attribute("[data-test=outbox-badge]", "data-count") == "0"  # the entry sent back: replaced
    desk = open_page(WIDE)
    login(desk, "jinshui")
    desk.wait_for_selector(".title")  # its home (the district's roll-up: no offices imported here)
    desk.goto("/#/quotas")
    desk.wait_for_selector("[data-test=report-history]")
    assert desk.input_value("[data-test=report-demonstration_districts] input") == "1"
    desk.screenshot(path=os.path.join(SHOTS, "quotas-district-1440.png"), full_page=True)

    city = open_page(WIDE, bypass_csp=True)
    login(city, "zhengzhou")
    city.wait_for_selector("[data-test=area-child]")
    city.goto("/#/quotas")
    city.wait_for_selector("[data-test=city-quotas]")
    assert "郑州市" in city.inner_text("[data-test=quota-title]")
    row = city.locator("[data-test=quota-row]", has_text="每年评审2个市级示范区")
    assert "已评审 1 / 目标 2" in row.inner_text() and "已报送区县 1 / 2" in row.inner_text()
    assert "新密市 未报送" in row.inner_text()
    entries = city.locator("[data-test=district-entry]")
    assert "第 1 名" in entries.nth(0).inner_text() and "金水区" in entries.nth(0).inner_text()
    assert "新密市" in entries.nth(1).inner_text() and "未报送" in entries.nth(1).inner_text()
    assert city.inner_text("[data-test=quota-summary]").startswith("已报送区县 1 / 2")
    city.screenshot(path=os.path.join(SHOTS, "quotas-city-1440.png"), full_page=True)
    city.set_viewport_size(PHONE)
    city.wait_for_timeout(300)
    clean(city)
    city.screenshot(path=os.path.join(SHOTS, "quotas-city-390.png"), full_page=True)
    entries.nth(0).click()  # drill down to the district's report, read by the city
    city.wait_for_selector("[data-test=area-report]")
    assert "金水区" in city.inner_text("[data-test=quota-title]")
