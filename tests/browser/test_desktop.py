"""The bureau's desktop in Debian's chromium at 1440x900 and 1920x1080: side navigation and no tab bar, the
overview's charts drawn on canvas, the centres' map drawn from the test boundary file with a click on the
centre opening it, the big screen; on a phone the tab bar stays."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.browser import PHONE, login, side_labels, wait_until
from tests.support.desktop import PLACED, SCREEN, WIDE, district_with_history, painted, where_colour

pytestmark = pytest.mark.integration
OVERDUE_RED = (0xD3, 0x2F, 0x2F)  # the map's colour of a centre with overdue work (useCentreMap.js)
CHARTS = ("chart-trend", "chart-funnel", "chart-ranking", "chart-heat")


def test_the_bureau_desktop_side_navigation_charts_map_and_big_screen(stack, clock, people, open_page, tmp_path):
    district_with_history(stack, clock)
    people.make("wang", "admin", name="王五")

    for viewport in (WIDE, SCREEN):
        page = open_page(viewport)
        login(page, "wang")
        page.wait_for_selector("[data-test=side-nav]")
        assert page.locator(".van-tabbar").count() == 0
        labels = side_labels(page)
        assert labels[:6] == ["总览", "待办", "逾期", "区划", "通知", "账号"] and "中心地图" in labels and "大屏" in labels, labels
        page.wait_for_selector("[data-test=office-rank]")
        for chart in CHARTS:
            assert painted(page, f"[data-test={chart}]") > 1000, chart
        assert page.locator("[data-test=chart-trend]").count() == 1  # three snapshot days and today
        if viewport == WIDE:
            open_a_heat_map_cell(stack, page)

        # the map: drawn from the uploaded test boundary; the one placed centre sits in its middle
        page.click("[data-test=side-nav] a:has-text('中心地图')")
        page.wait_for_selector("[data-test=centre-map]")
        assert painted(page, "[data-test=centre-map]") > 5000
        assert "金水区.geojson" in page.inner_text(".page")
        # the placed centre is drawn in red (overdue) in the middle of the boundary, and a click on it opens it
        box = page.locator("[data-test=centre-map]").bounding_box()
        for _ in range(20):  # the dots grow in with the chart's entry animation
            dot = where_colour(page, "[data-test=centre-map]", OVERDUE_RED, bottom=40)  # not the legend
            if dot["n"] > 50:
                break
            page.wait_for_timeout(500)
        if dot["n"] <= 50:
            page.screenshot(path=str(tmp_path / "map.png"))
        assert dot["n"] > 50 and abs(dot["x"] - (box["x"] + box["width"] / 2)) < 10, (dot, box)
        for _ in range(3):  # a pointer that lands while the chart still settles may need a second click, as a person's
            page.mouse.move(dot["x"] - 20, dot["y"] - 20)
            page.mouse.move(dot["x"], dot["y"], steps=5)
            page.wait_for_timeout(500)
            page.mouse.click(dot["x"], dot["y"])
            page.wait_for_timeout(1500)
            if page.url.endswith(f"#/centre/{PLACED}"):
                break
        assert page.url.endswith(f"#/centre/{PLACED}"), page.url
        page.wait_for_selector("[data-test=milestone]")

    # the big screen: the whole window, its charts drawn, no side navigation
    page.goto("/#/screen")
    page.wait_for_selector("[data-test=screen-percent]")
    assert page.locator("[data-test=side-nav]").count() == 0
    for chart in ("screen-trend", "screen-funnel", "screen-ranking", "screen-heat", "screen-map"):
        assert painted(page, f"[data-test={chart}]") > 1000, chart
    assert "每 60 秒自动刷新" in page.inner_text("[data-test=screen-updated]")

    # a phone keeps the tab bar
    phone = open_page(PHONE)
    login(phone, "wang")
    phone.wait_for_selector(".van-tabbar")
    assert phone.locator("[data-test=side-nav]").count() == 0


# the tooltip the pointer shows now (ECharts keeps a hidden one's old text)
SHOWN_TIPS = """(el) => [...el.querySelectorAll('div')].filter((d) => {
  const style = getComputedStyle(d)
  return !d.querySelector('div') && style.visibility !== 'hidden' && style.display !== 'none' && Number(style.opacity) > 0.5
}).map((d) => d.innerText)"""
TIP = re.compile(r"(\S+) · (\S+)\s*逾期 (\d+)/(\d+)")


def heat_cell_under_the_pointer(page):
    """Hover over the heat map, row by row, until the tooltip names a cell with overdue items:
    (x, y, office, phase name, overdue)."""
    box = page.locator("[data-test=chart-heat]").bounding_box()
    for fx in (0.55, 0.7, 0.85, 0.4):
        for dy in range(40, int(box["height"]) - 60, 15):
            x, y = box["x"] + box["width"] * fx, box["y"] + dy
            page.mouse.move(x, y, steps=2)
            page.wait_for_timeout(400)
            tips = page.eval_on_selector("[data-test=chart-heat]", SHOWN_TIPS)
            found = [TIP.search(t) for t in tips if TIP.search(t)]
            if found and int(found[-1].group(3)) > 0:
                office, phase, overdue, _ = found[-1].groups()
                return x, y, office, phase, int(overdue)
    raise AssertionError("no heat-map cell with overdue items under the pointer")


def open_a_heat_map_cell(stack, page):
    """A click on a cell of the phase heat map opens the overdue list behind it: that office and that phase
    applied as filters, the cell's count of items listed, each of that office."""
    page.locator("[data-test=chart-heat]").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    x, y, office, phase_name, overdue = heat_cell_under_the_pointer(page)
    page.mouse.click(x, y)
    wait_until(page, "location.hash.startsWith('#/overdue')")
    query = {k: v[0] for k, v in parse_qs(urlsplit(page.url.split("#", 1)[1]).query).items()}
    phases = stack.get("/api/labels").json()["phases"]
    assert query["office"] == office and phases[query["phase"]] == phase_name and query["kind"] == "milestone", query
    page.wait_for_selector("[data-test=overdue-total]")
    assert page.locator("[data-test=filter-office]").input_value() == office
    assert page.locator("[data-test=filter-phase]").input_value() == query["phase"]
    assert f"共 {overdue} 项逾期" in page.inner_text("[data-test=overdue-total]")
    api = stack.get("/api/overdue", params={"as_of": query["as_of"], "office": office, "phase": query["phase"],
                                            "kind": "milestone", "limit": 1000}).json()
    assert api["total"] == overdue
    rows = page.locator("[data-test=overdue-row]")
    rows.first.wait_for()
    assert 0 < rows.count() <= overdue and all(office in t for t in rows.all_inner_texts())
    shown = {t.split("\n")[0] for t in rows.all_inner_texts()}
    assert shown <= {i["title"] for i in api["items"]}
