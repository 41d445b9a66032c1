"""Words, touch and access on each main page of each role at 390x844, in Debian's chromium against the real stack:
axe-core finds no serious or critical violation, the visible text has no Latin letters outside ids, URLs and
units, and every tap target is at least 44 px in both dimensions (tests/support/quality.py).
With CCTRACK_SHOTS set to a directory, each page is also saved there as a screenshot."""
import os

import pytest
from playwright.sync_api import TimeoutError

from tests.support.browser import OFFICE, PHONE, PNG, login, office_centre
from tests.support.inspections import JPEG, at_threshold
from tests.support.quality import check
from tests.support.waiting import wait_for

SHOTS = os.environ.get("CCTRACK_SHOTS")
LOADED = ".van-skeleton, .van-loading"


def _data(stack):
    """One office centre with a report and its photo, a failed inspection whose rectification is submitted."""
    stack.import_jinshui()
    centre, own = wait_for(lambda: (lambda found: found if found[1] else None)(office_centre(stack)),
                           "the imported centre's milestones")
    first = own[0]
    sent = stack.post("/api/centres/{}/milestones/{}/progress".format(centre["id"], first["key"]), role="office",
                      office=OFFICE, data={"status": "done", "based_on_version": str(first["version"]), "note": "已完成"},
                      files={"evidence": ("现场照片.png", PNG, "image/png")})
    assert sent.status_code == 200, sent.text
    body = {"kind": "district_acceptance", "measurements": {**at_threshold("community"), "building_area": 80}}
    inspected = stack.post("/api/centres/js01-c01/inspections", role="inspector", json=body)
    assert inspected.status_code == 201, inspected.text
    rect = stack.get("/api/rectifications", params={"centre_id": "js01-c01"}).json()["items"][0]
    submitted = stack.post(f"/api/rectifications/{rect['id']}/submissions", role="office", office=OFFICE,
                           data={"note": "已整改"}, files=[("evidence", ("整改后.jpg", JPEG))])
    assert submitted.status_code == 201, submitted.text
    # notices in the inboxes, each with its centre's colour tag (the scan reads the read model: let it catch up)
    wait_for(lambda: len(stack.rpc.reporting.open_items({"before": "2017-07-07", "limit": 1000})["items"]) > 100,
             "the open milestones in the read model")
    stack.rpc.notifications.scan({"as_of": "2017-07-07"})
    return centre, first, rect, inspected.json()


def _pages(role, centre, milestone, rect, inspection):
    c = centre["id"]
    if role == "office":
        return [
            ("/centres", "[data-test=centre-card]"),
            (f"/centre/{c}", "[data-test=milestone]"),
            (f"/centre/{c}?tab=history", "[data-test=history-entry]"),
            ("/report/{}/{}".format(c, milestone["key"]), "[data-test=report-title]"),
            ("/rectifications", "[data-test=rectification], .van-empty"),
            (f"/rectification/{rect['id']}", "[data-test=submission]"),
            ("/inbox", "[data-test=notice], .van-empty"),
            (f"/monthly/{c}", "[data-test=due]"),
            ("/password", "input[name=new_password], input[type=password]"),
        ]
    if role == "inspector":
        return [
            ("/inspect", "[data-test=centre-search] input"),
            ("/checklist/js01-c02", "[data-test=check-item]"),
            ("/rectifications", "[data-test=rectification], .van-empty"),
            (f"/rectification/{rect['id']}", "[data-test=reinspect]"),
            (f"/inspection/{inspection['id']}", "[data-test=record-item]"),
        ]
    return [
        ("/overview", "[data-test=office-rank]"),
        ("/overdue", "[data-test=overdue-row], .van-empty"),
        ("/inbox", "[data-test=notice], .van-empty"),
        ("/accounts", "[data-test=user]"),
        (f"/office/{OFFICE}", "[data-test=drill-centre]"),
        ("/bulletin", "[data-test=bulletin-kind]"),
        ("/ranking", "[data-test=ranking-card], [data-test=ranking-row], [data-test=ranking-why], .van-empty"),
        ("/doubtful", "[data-test=doubtful-office]"),
        ("/deliveries", "[data-test=delivery], .van-empty"),
        ("/contacts", "[data-test=contact]"),
        ("/rectifications", "[data-test=rectification], .van-empty"),
        (f"/centre/{c}?tab=history", "[data-test=history-entry]"),
    ]


def _look(page, name, found):
    page.wait_for_function(f"!document.querySelector('{LOADED}')")
    page.wait_for_timeout(400)  # Vant's transitions
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "quality-" + name.strip("/").replace("/", "_").replace("?", "_") + ".png"),
                        full_page=True)
    for kind, problems in check(page).items():
        for problem in problems:
            found.append(f"{name} [{kind}] {problem}")


@pytest.mark.parametrize("role", ["office", "inspector", "admin"])
def test_each_main_page_is_accessible_in_chinese_with_large_tap_targets(stack, people, open_page, role):
    centre, milestone, rect, inspection = _data(stack)
    people.make("who", role, OFFICE if role == "office" else None, name="张三")
    page = open_page(PHONE, bypass_csp=True)  # axe is injected as an inline script
    found = []
    page.goto("/#/login")
    page.wait_for_selector("input[name=login]")
    _look(page, "/login", found)
    login(page, "who")
    page.wait_for_selector(".van-tabbar")
    for path, selector in _pages(role, centre, milestone, rect, inspection):
        if "?" in path:
            page.goto("about:blank")  # a query on the same path: the page reads it when it opens
        page.goto("/#" + path)
        try:
            page.wait_for_selector(selector, timeout=15000)
        except TimeoutError:
            found.append(f"{path}: never showed {selector}")
            continue
        _look(page, path, found)
    assert found == [], f"{len(found)} problems:\n" + "\n".join(found)


def test_logout_behind_a_menu_confirmed_actions_rules_first_and_a_back_arrow_that_stays_in_the_app(stack, people, open_page):
    stack.import_jinshui()
    people.make("zhang", "office", OFFICE, name="张三")
    people.make("wang", "admin", name="王五")
    centre, _ = wait_for(lambda: (lambda found: found if found[1] else None)(office_centre(stack)), "the milestones")
    page = open_page(PHONE)
    login(page, "zhang")
    page.wait_for_selector("[data-test=centre-card]")
    # a page opened straight from a link: the back arrow goes to the person's home, never out of the app
    page.goto("about:blank")
    page.goto("/#/centre/{}".format(centre["id"]))
    page.wait_for_selector("[data-test=milestone]")
    page.click(".van-nav-bar__left")
    page.wait_for_selector("[data-test=centre-card]")
    assert page.url.endswith("#/centres")
    # tapping one's own name opens a menu; it does not log out
    page.click("[data-test=user-menu]")
    page.wait_for_selector(".van-action-sheet__item:has-text('退出登录')")
    assert page.url.endswith("#/centres")
    page.click(".van-action-sheet__item:has-text('修改密码')")
    # the password's rules are shown before the first try
    page.wait_for_selector("[data-test=password-rules]")
    assert "至少 8 位" in page.inner_text("[data-test=password-rules]")
    page.click("[data-test=user-menu]")
    page.click(".van-action-sheet__item:has-text('退出登录')")
    page.wait_for_selector("input[name=login]")

    # 停用 asks first; cancelled, nothing changes
    desk = open_page(PHONE)
    login(desk, "wang")
    desk.wait_for_selector("[data-test=office-rank]")
    desk.goto("/#/accounts")
    zhang = desk.locator("[data-test=user]:has-text('张三')")
    zhang.locator("button:has-text('停用')").click()
    desk.wait_for_selector(".van-dialog:has-text('确定停用')")
    desk.click(".van-dialog button:has-text('取消')")
    desk.wait_for_selector(".van-dialog", state="hidden")
    assert "启用" in zhang.locator(".van-tag").inner_text()
    users = stack.get("/api/users", params={"role": "office"}).json()["items"]
    assert next(u for u in users if u["login"] == "zhang")["active"] is True
    # confirmed, it is done
    zhang.locator("button:has-text('停用')").click()
    desk.click(".van-dialog button:has-text('停用')")
    zhang.locator(".van-tag:has-text('已停用')").wait_for()
