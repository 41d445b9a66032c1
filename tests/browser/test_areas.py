"""Areas in the pages (docs/areas.md): a city bureau starts at its city's roll-up, drills down to a district, an
office and a centre; a district bureau sees its district and is refused its city. Screenshots at each width."""
import base64
import os

from tests.support.browser import DESKTOP, PHONE, TABLET, login, side_labels
from tests.support.paths import JINSHUI_CSV
from tests.support.waiting import wait_for

SHOTS = os.environ.get("SCREENSHOT_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "var", "screenshots")


def install(stack):
    with open(JINSHUI_CSV.replace("jinshui_2017.csv", "areas_demo.csv"), "rb") as fh:
        stack.rpc.assignment.import_areas({"filename": "areas_demo.csv", "content_b64": base64.b64encode(fh.read()).decode(),
                                           "actor": {"role": "admin", "office": None, "name": "test"}})
    assert stack.upload_allocation(district="410105").status_code == 200
    wait_for(lambda: stack.get("/api/areas/41/rollup").json()["area"]["centres"] == 105, timeout=120)


def test_a_city_drills_down_to_a_centre_and_a_district_stays_in_its_own(stack, people, open_page):
    install(stack)
    people.make("zhengzhou", "admin", name="郑州市文化广电和旅游局", area="4101")
    people.make("jinshui", "admin", name="金水区文化广电和旅游局", area="410105")
    os.makedirs(SHOTS, exist_ok=True)

    city = open_page(DESKTOP)
    login(city, "zhengzhou")
    city.wait_for_selector("[data-test=area-child]")
    assert city.url.endswith("#/areas")
    assert side_labels(city)[:5] == ["区划", "待办", "指标", "通知", "账号"]  # a desktop: side navigation
    assert city.inner_text(".title") == "郑州市"
    children = city.locator("[data-test=area-child]").all_inner_texts()
    assert children[0].startswith("第 1 名") and "金水区" in children[0] and "新密市" in " ".join(children)
    for viewport, name in ((DESKTOP, "1440"), (TABLET, "768")):
        city.set_viewport_size(viewport if name != "1440" else {"width": 1440, "height": 900})
        city.screenshot(path=os.path.join(SHOTS, f"areas-city-{name}.png"), full_page=True)
    city.locator("[data-test=area-child]", has_text="金水区").click()
    city.wait_for_selector("text=各街道办事处（按完成率排名）")
    assert city.inner_text(".title") == "金水区" and city.locator("[data-test=area-child]").count() == 17
    city.locator("[data-test=area-child]", has_text="丰庆路街道").click()  # an office, then one of its centres
    city.wait_for_selector("[data-test=drill-centre]")
    city.locator("[data-test=drill-centre]").first.click()
    city.wait_for_selector("[data-test=centre-title]")

    # the city's accounts page: a bureau account of one of its districts, its area chosen level by level
    form = open_page(PHONE)
    login(form, "zhengzhou")
    form.wait_for_selector("[data-test=area-child]")
    form.goto("/#/accounts")
    form.click("[data-test=new-user]")
    form.locator(".van-popup .van-field__control").nth(0).fill("jinshui2")
    form.locator(".van-popup .van-field__control").nth(1).fill("金水区文旅局二")
    form.locator(".van-popup .van-radio", has_text="区文化主管部门").click()
    form.wait_for_selector("[data-test=area-level-1]")
    assert form.locator("[data-test=area-level-0] option:checked").inner_text() == "郑州市"  # its own city first
    form.select_option("[data-test=area-level-1]", label="金水区")
    form.screenshot(path=os.path.join(SHOTS, "accounts-area-390.png"), full_page=True)
    form.locator(".van-popup button[type=submit]").click()
    form.wait_for_selector("[data-test=temporary-password]")
    created = next(u for u in stack.get("/api/users").json()["items"] if u["login"] == "jinshui2")
    assert created["area"] == "410105" and created["role"] == "admin"
    # an inspector of two of its districts
    form.click("[data-test=new-user]")
    form.locator(".van-popup .van-field__control").nth(0).fill("yanshou")
    form.locator(".van-popup .van-field__control").nth(1).fill("验收员")
    form.locator(".van-popup .van-radio", has_text="验收人员").click()
    for district in ("金水区", "新密市"):
        form.wait_for_selector("[data-test=account-districts] [data-test=area-level-1]")
        form.select_option("[data-test=account-districts] [data-test=area-level-1]", label=district)
        form.click("[data-test=add-district]")
    assert form.locator("[data-test=account-districts] .van-tag").all_inner_texts() == ["金水区", "新密市"]
    form.screenshot(path=os.path.join(SHOTS, "accounts-inspector-390.png"), full_page=True)
    form.locator(".van-popup button[type=submit]").click()
    form.wait_for_selector("[data-test=temporary-password] >> text=yanshou")
    created = next(u for u in stack.get("/api/users").json()["items"] if u["login"] == "yanshou")
    assert created["districts"] == ["410105", "410183"] and created["role"] == "inspector"

    district = open_page(PHONE)
    login(district, "jinshui")
    district.wait_for_selector("[data-test=area-child]")
    assert district.inner_text(".title") == "金水区"
    district.screenshot(path=os.path.join(SHOTS, "areas-district-390.png"), full_page=True)
    district.goto("/#/areas/4101")  # its city is above it
    district.wait_for_selector(".error-box")
    assert "只能查看和处理本辖区的数据" in district.inner_text(".error-box")
    assert district.locator("[data-test=area-child]").count() == 0
