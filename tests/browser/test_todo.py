"""我的待办 and 签收 at the office's phone width (390x844): the list with its count on the tab, an order to sign
for opened from the list, signed with one tap; the count goes down."""
import os

from tests.support.browser import OFFICE, PHONE, TABLET, login
from tests.support.inspections import inspect
from tests.support.notifications import inbox
from tests.support.waiting import wait_for

SHOTS = os.environ.get("CCTRACK_SHOTS")  # a directory for the screenshots, when looking at them


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def _badge(page):
    return page.locator(".van-tabbar-item:has-text('待办') .van-badge").inner_text()


def test_the_office_signs_for_an_order_from_its_todo_list(stack, people, open_page):
    stack.import_jinshui()
    people.make("zhang", "office", OFFICE, name="张三")
    # the todo list counts the read model's overdue milestones too: it holds the whole import before counting
    wait_for(lambda: stack.get("/api/progress").json()["totals"]["total"] == 640, what="the import in the read model")
    failed = inspect(stack, "js01-c01", building_area=80)  # 四月天社区: one rectification order
    assert failed.status_code == 201, failed.text
    (rect_id,) = failed.json()["rectifications"]
    total = stack.get("/api/todo", role="office", office=OFFICE).json()["total"]

    page = open_page(PHONE)
    login(page, "zhang")
    page.wait_for_selector("[data-test=centre-card]")
    page.wait_for_function("(n) => [...document.querySelectorAll('.van-tabbar-item')].some((t) => "
                           "t.innerText.includes('待办') && t.querySelector('.van-badge')?.innerText === String(n))", arg=total)
    page.click(".van-tabbar-item:has-text('待办')")
    page.wait_for_selector("[data-test=todo-item]")
    assert page.url.endswith("#/todo")
    assert f"共 {total} 项待办" in page.inner_text("[data-test=todo-summary]")
    texts = page.locator("[data-test=todo-item]").all_inner_texts()
    assert len(texts) == total and any("待签收" in t and "签收整改通知：建筑面积" in t for t in texts), texts
    assert all(box["height"] >= 44 for box in (i.bounding_box() for i in page.locator("[data-test=todo-item]").all()))
    _shot(page, "todo-phone.png")

    page.click("[data-test=todo-item]:has-text('签收整改通知')")
    page.wait_for_selector("[data-test=rect-acknowledge]")
    assert page.url.endswith("#/rectification/" + rect_id)
    assert "整改通知尚未签收" in page.inner_text("[data-test=rect-unacknowledged]")
    assert page.locator("[data-test=rect-acknowledge]").bounding_box()["height"] >= 44
    _shot(page, "acknowledge-phone.png")
    page.click("[data-test=rect-acknowledge]")
    page.wait_for_selector("[data-test=rect-acknowledged]")
    assert "签收" in page.inner_text("[data-test=rect-acknowledged]")
    assert page.locator("[data-test=rect-acknowledge]").count() == 0
    page.wait_for_function("(n) => [...document.querySelectorAll('.van-tabbar-item')].some((t) => "
                           "t.innerText.includes('待办') && t.querySelector('.van-badge')?.innerText === String(n))",
                           arg=total - 1)
    _shot(page, "acknowledged-phone.png")
    audit = stack.get("/api/audit", params={"kind": "rectification_acknowledged"}).json()["items"]
    assert [e["target"] for e in audit] == [rect_id] and audit[0]["actor"] == "zhang"

    # an inspector's list on the tablet: the acceptances due, each opening its checklist
    people.make("li", "inspector", name="李四")
    tablet = open_page(TABLET)
    login(tablet, "li")
    tablet.wait_for_selector(".van-tabbar-item:has-text('待办')")
    tablet.click(".van-tabbar-item:has-text('待办')")
    tablet.wait_for_selector("[data-test=todo-item]")
    assert "待验收" in tablet.locator("[data-test=todo-item]").first.inner_text()
    _shot(tablet, "todo-tablet.png")
    tablet.locator("[data-test=todo-item]").first.click()
    tablet.wait_for_function("() => location.hash.startsWith('#/checklist/')")
    assert "kind=district_acceptance" in tablet.url


def test_the_bureau_chases_and_writes_off_and_sees_the_response_times(stack, people, open_page):
    from tests.support.inspections import JPEG, submit

    stack.import_jinshui()
    people.make("wang", "admin", name="王五")
    (rect_id,) = inspect(stack, "js01-c01", building_area=80).json()["rectifications"]
    assert stack.post(f"/api/rectifications/{rect_id}/acknowledge", role="office", office=OFFICE).status_code == 200

    desk = open_page({"width": 1440, "height": 900})
    login(desk, "wang")
    desk.wait_for_selector("[data-test=export]")
    desk.goto("/#/rectification/" + rect_id)
    desk.wait_for_selector("[data-test=rect-chase]")
    desk.fill("[data-test=rect-chase-note] textarea", "请本周内完成整改")
    desk.click("[data-test=rect-chase]")
    desk.wait_for_selector("[data-test=rect-chases]")
    assert "已催办 1 次" in desk.inner_text("[data-test=rect-chases]")
    notices = inbox(stack, office=OFFICE)
    assert any(n["kind"] == "chase" and "请本周内完成整改" in n["text"] for n in notices)

    assert submit(stack, rect_id, [("整改后照片.jpg", JPEG)]).status_code == 201
    assert inspect(stack, "js01-c01", kind="re_inspection").json()["result"] == "passed"
    desk.goto("/#/todo")
    desk.wait_for_selector("[data-test=todo-item]:has-text('整改销号')")
    desk.click("[data-test=todo-item]:has-text('整改销号')")
    desk.wait_for_selector("[data-test=rect-close]")
    desk.click("[data-test=rect-close]")
    desk.click(".van-dialog__confirm")
    desk.wait_for_selector("[data-test=rect-closed]")
    assert desk.inner_text("[data-test=rect-status]") == "已销号"
    desk.wait_for_selector(".van-dialog", state="hidden")
    _shot(desk, "closed-desktop.png")

    desk.goto("/#/todo")
    desk.wait_for_selector("[data-test=todo-response-times]")
    _shot(desk, "todo-desktop.png")
    desk.click("[data-test=todo-response-times]")
    desk.wait_for_selector("[data-test=response-times]")
    row = desk.locator("[data-test=response-times] tr:has-text('丰庆路街道')").inner_text()
    assert row.split("\t")[1:] == ["1", "1 分钟", "1", "1 分钟"], row
    _shot(desk, "response-times-desktop.png")

    # 催办 from the overdue list: the note goes to the item's office, the page stays on the list
    assert wait_for(lambda: stack.get("/api/overdue", params={"limit": 1}).json()["total"] > 0, timeout=300)
    desk.goto("/#/overdue")
    desk.wait_for_selector("[data-test=overdue-row] [data-test=chase]")
    desk.locator("[data-test=overdue-row]").first.locator("[data-test=chase]").click()
    desk.fill("[data-test=chase-note] textarea", "请尽快完成并在系统中更新进度")
    if SHOTS:
        desk.wait_for_timeout(500)  # the dialog's opening animation, for the picture only
        desk.screenshot(path=os.path.join(SHOTS, "chase-desktop.png"))
    desk.click(".chase-dialog .van-dialog__confirm")
    desk.wait_for_selector(".chase-dialog", state="hidden")
    assert desk.url.endswith("#/overdue")
    chased = [e for e in stack.get("/api/audit", params={"limit": 100}).json()["items"]
              if e["kind"] in ("milestone_chased", "rectification_chased")
              and e["detail"].get("note") == "请尽快完成并在系统中更新进度"]
    assert len(chased) == 1 and chased[0]["actor"] == "wang"
