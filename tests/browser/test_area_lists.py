"""Lists of a whole area in the pages (docs/areas.md, "Lists of an area"): a city bureau opens its city's overdue list
from its area page, narrows it to a district and an office, and filters it by 序时进度 colour; on a phone the same
list, checked for access. The roll-up shows each child's centres per colour. Screenshots at 1440x900 and 390x844."""
import base64
import os

from tests.support.browser import PHONE, login
from tests.support.paths import JINSHUI_CSV
from tests.support.quality import check
from tests.support.reporting import move_colours, report
from tests.support.waiting import wait_for

SHOTS = os.environ.get("SCREENSHOT_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "var", "screenshots")
WIDE = {"width": 1440, "height": 900}
HEAD = "编号,中心名称,级别,街道办事处,完成时限,试点,备注\n"
XINMI = HEAD + "".join(f"xm01-c{n:02d},青屏社区{n},社区,青屏街道,2017.06,否,\n" for n in range(1, 4)) + \
    "xm02-c01,西大社区,社区,西大街街道,2017.12,否,\n"


def install(stack):
    with open(JINSHUI_CSV.replace("jinshui_2017.csv", "areas_demo.csv"), "rb") as fh:
        stack.rpc.assignment.import_areas({"filename": "areas_demo.csv", "content_b64": base64.b64encode(fh.read()).decode(),
                                           "actor": {"role": "admin", "office": None, "name": "test"}})
    assert stack.upload_allocation(district="410105").status_code == 200
    assert stack.upload_allocation(district="410183", content=XINMI.encode(), name="xinmi.csv").status_code == 200
    wait_for(lambda: stack.get("/api/areas/41/rollup").json()["area"]["centres"] == 109, timeout=120)
    report(stack, "js01-c01", "p1_plan", status="done")
    report(stack, "xm01-c01", "p1_plan", office="青屏街道", status="done")
    wait_for(lambda: stack.get("/api/areas/41/rollup").json()["area"]["done"] == 2, timeout=60)
    move_colours(stack)


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.wait_for_timeout(400)  # Vant's transitions
    page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_a_city_reads_its_areas_overdue_list_and_its_centres_by_colour(stack, people, open_page, clock):
    clock.set("2017-05-26")
    install(stack)
    people.make("zhengzhou", "admin", name="郑州市文化广电和旅游局", area="4101")
    city = stack.get("/api/areas/4101/rollup").json()["area"]
    shown = [c for c in ("yellow", "blue", "green") if city["colours"][c]]
    assert shown, city["colours"]

    desk = open_page(WIDE)
    login(desk, "zhengzhou")
    desk.wait_for_selector("[data-test=area-child]")
    assert desk.locator("[data-test=area-colours] [data-colour=green]").inner_text() == f"绿 {city['colours']['green']}"
    assert desk.locator("[data-test=area-child] [data-test=colour-counts]").count() == 2  # 金水区 and 新密市
    shot(desk, "area-lists-rollup-1440.png")
    desk.click("[data-test=area-overdue]")
    desk.wait_for_selector("[data-test=overdue-row]")
    assert "area=4101" in desk.url
    assert desk.inner_text("[data-test=overdue-heading]") == "郑州市逾期事项"
    as_of = desk.input_value("[data-test=overdue-date]")  # the browser's day (the stack's clock is not the browser's)
    total = stack.get("/api/overdue", params={"area": "4101", "limit": 1, "as_of": as_of}).json()["total"]
    assert f"共 {total} 项逾期" in desk.inner_text("[data-test=overdue-total]")
    assert {"金水区", "新密市"} <= {o.strip("· ") for o in desk.locator("[data-test=filter-area] option").all_inner_texts()}
    assert desk.locator("[data-test=overdue-row] [data-test=pace-tag]").count() > 0  # each row's centre colour
    shot(desk, "area-lists-overdue-1440.png")

    # narrowed to a district: its offices in the office filter, its rows only
    desk.select_option("[data-test=filter-area]", label="· 新密市")
    desk.wait_for_selector("[data-test=overdue-heading]:has-text('新密市逾期事项')")
    desk.wait_for_selector("[data-test=filter-office]")
    offices = desk.locator("[data-test=filter-office] option").all_inner_texts()
    assert offices[0] == "全部街道" and sorted(offices[1:]) == ["西大街街道", "青屏街道"]
    rows = desk.locator("[data-test=overdue-row]").all_inner_texts()
    assert rows and all("青屏街道" in r or "西大街街道" in r for r in rows)

    # a colour: the city's centres of that colour, each with its tag and lag
    desk.select_option("[data-test=filter-area]", label="郑州市")
    desk.wait_for_selector("[data-test=overdue-heading]:has-text('郑州市逾期事项')")
    colour = shown[0]
    desk.select_option("[data-test=filter-colour]", value=colour)
    desk.wait_for_selector("[data-test=colour-row]")
    tags = desk.locator("[data-test=colour-row] [data-test=pace-tag]")
    assert tags.count() == min(20, city["colours"][colour])
    assert {tags.nth(i).get_attribute("data-colour") for i in range(tags.count())} == {colour}
    assert f"共 {city['colours'][colour]} 个" in desk.inner_text("[data-test=overdue-total]")
    assert desk.locator("[data-test=overdue-row]").count() == 0
    shot(desk, "area-lists-colour-1440.png")

    # on a phone: the same list opens on the city, passes the access checks, and filters by colour
    phone = open_page(PHONE, bypass_csp=True)
    login(phone, "zhengzhou")
    phone.wait_for_selector("[data-test=area-child] [data-test=colour-counts]")
    shot(phone, "area-lists-rollup-390.png")
    phone.click("[data-test=rank-on] .van-radio:has-text('落后序时进度')")  # the districts ranked on their lag
    phone.wait_for_selector("text=各区（县）（按落后序时进度排名）")
    phone.wait_for_selector("[data-test=area-child]")
    assert "落后" in phone.locator("[data-test=area-child]").first.inner_text()
    # the accounts of its area, each with its area's name
    phone.goto("/#/accounts")
    phone.wait_for_selector("[data-test=user-area]")
    assert "郑州市" in phone.locator("[data-test=user]", has_text="zhengzhou").inner_text()
    shot(phone, "area-lists-accounts-390.png")
    phone.goto("/#/overdue")
    phone.wait_for_selector("[data-test=overdue-row]")
    assert phone.inner_text("[data-test=overdue-heading]") == "郑州市逾期事项"
    phone.wait_for_selector("[data-test=filter-area]")
    problems = check(phone)
    assert all(found == [] for found in problems.values()), problems
    shot(phone, "area-lists-overdue-390.png")
    phone.select_option("[data-test=filter-colour]", value=shown[-1])
    phone.wait_for_selector("[data-test=colour-row]")
    problems = check(phone)
    assert all(found == [] for found in problems.values()), problems
    shot(phone, "area-lists-colour-390.png")
