"""序时进度 colours on the pages: the bureau's ranking (and by lag), an office's centre list on a phone and a
centre's page, each colour in words (红 · 逾期 ...) with a contrast of at least 4.5:1."""
import os

from tests.support.browser import OFFICE, PHONE, TABLET, login, wait_until
from tests.support.reporting import TOTAL, move_colours, progress, report
from tests.support.waiting import wait_for

DESKTOP = {"width": 1440, "height": 900}
WIDE = {"width": 1920, "height": 1080}
SHOTS = os.environ.get("PACE_SHOTS")  # a folder: keep screenshots there to look at them
WORDS = {"red": "红 · 逾期", "yellow": "黄 · 落后序时进度", "blue": "蓝 · 即将到期", "green": "绿 · 正常"}
CONTRAST = """(el) => {
  const rgb = (s) => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number)
  const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4 })
    return 0.2126 * r + 0.7152 * g + 0.0722 * b }
  const style = getComputedStyle(el)
  const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))].sort((x, y) => y - x)
  return (a + 0.05) / (b + 0.05)
}"""


def check_tags(page):
    tags = page.query_selector_all("[data-test=pace-tag]")
    assert tags
    for tag in tags:
        assert tag.inner_text().startswith(WORDS[tag.get_attribute("data-colour")])
        assert tag.evaluate(CONTRAST) >= 4.5
    return [t.get_attribute("data-colour") for t in tags]


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_colours_on_the_overview_the_office_list_and_the_centre(stack, people, open_page, clock):
    clock.set("2017-05-27")
    stack.import_jinshui()
    wait_for(lambda: progress(stack)["totals"]["total"] == TOTAL, "the read model")
    report(stack, "js01-s", "p1_plan", status="done")
    report(stack, "js01-c01", "p1_plan", status="done")
    wait_for(lambda: progress(stack, office=OFFICE)["totals"]["done"] == 2, "the reports")
    move_colours(stack)
    people.make("wang", "admin", name="王五")
    people.make("zhang", "office", OFFICE, name="张三")

    bureau = open_page(DESKTOP)
    login(bureau, "wang")
    bureau.wait_for_selector("[data-test=office-rank] [data-test=pace-tag]")
    bureau.fill("[data-test=as-of]", "2017-05-27")  # the stack's day (the browser's clock is not frozen)
    bureau.wait_for_selector("[data-test=as-of-label]:has-text('2017-05-27')")
    bureau.wait_for_selector("[data-test=office-rank] [data-test=pace-tag]")
    check_tags(bureau)
    counts = bureau.inner_text("[data-test=pace-counts]")
    # 制定方案 done in js01-s and js01-c01 only; the pilot js01-c01 is behind on phase 2 (39 of 62 working days)
    assert ("红 · 逾期 103 个" in counts and "黄 · 落后序时进度 1 个" in counts and "绿 · 正常 1 个" in counts), counts
    shot(bureau, "overview-1440.png")
    assert bureau.locator("[data-test=order-lag]").bounding_box()["height"] >= 44  # a tap target
    bureau.click("[data-test=order-lag]")
    lags = stack.get("/api/progress", params={"order": "lag", "as_of": "2017-05-27"}).json()["offices"]
    bureau.wait_for_selector("[data-test=office-rank] [data-test=pace-tag]:has-text('个百分点')")
    first, last = bureau.inner_text("[data-test=office-rank] >> nth=0"), bureau.inner_text("[data-test=office-rank] >> nth=-1")
    assert lags[0]["office"] in first and first.startswith("1") and "落后" in first
    assert last.startswith("17\n" + OFFICE)  # the only office with reports lags least
    bureau.set_viewport_size(WIDE)
    shot(bureau, "overview-lag-1920.png")
    bureau.set_viewport_size(PHONE)  # tags wrap, nothing overflows once the charts have followed the new width
    wait_until(bureau, "document.documentElement.scrollWidth <= {}".format(PHONE["width"]), timeout_s=10)
    shot(bureau, "overview-lag-390.png")

    phone = open_page(PHONE)
    login(phone, "zhang")
    phone.wait_for_selector("[data-test=centre-card] [data-test=pace-tag]")
    assert set(check_tags(phone)) == {"red", "yellow", "green"}
    shot(phone, "office-centres-390.png")

    tablet = open_page(TABLET)
    login(tablet, "zhang")
    tablet.wait_for_selector("[data-test=centre-card]")
    tablet.goto("/#/centre/js01-s")
    tablet.wait_for_selector("[data-test=centre-pace] [data-test=pace-tag]")
    assert check_tags(tablet) == ["green"]
    assert "与序时进度持平" in tablet.inner_text("[data-test=centre-pace]")  # 制定方案 done: 1 of 6, as expected
    shot(tablet, "centre-768.png")
