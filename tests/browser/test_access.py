"""What the pages show follows the session's permissions; the router keeps a deep link through the login;
a form's draft is never offered again after a success."""
from tests.support.browser import DESKTOP, OFFICE, PHONE, login, office_centre, side_labels
from tests.support.offline import kept_keys
from tests.support.waiting import wait_for


def test_a_deep_link_survives_the_login_and_an_office_sees_only_what_it_may_do(stack, people, open_page):
    stack.import_jinshui()
    people.make("zhang", "office", OFFICE, name="张三")
    people.make("wang", "admin", name="王五")
    centre, _ = office_centre(stack)

    # a link opened while logged out: the login page, then the link itself
    page = open_page(PHONE)
    page.goto("/#/centre/{}?tab=history".format(centre["id"]))
    page.wait_for_selector("input[name=login]")
    assert "#/login?redirect=" in page.url
    page.fill("input[name=login]", "zhang")
    page.fill("input[name=password]", people.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-test=centre-title]")
    assert page.url.endswith("#/centre/{}?tab=history".format(centre["id"]))
    assert page.inner_text("[data-test=centre-title]") == centre["name"]
    assert page.locator(".van-tab--active").inner_text() == "进度记录"

    # the office's tabs and pages: no export, no accounts
    assert page.locator(".van-tabbar-item__text").all_inner_texts() == ["我的中心", "待办", "整改", "通知"]
    page.goto("/#/overview")
    page.wait_for_selector("[data-test=done]")
    assert page.locator("[data-test=export]").count() == 0
    assert page.locator("text=导出 Excel").count() == 0
    assert page.locator("[data-test=ranking-link]").count() == 1  # what it may open is still offered
    page.goto("/#/accounts")  # not allowed: back home
    page.wait_for_selector("[data-test=centre-card]")
    assert page.url.endswith("#/centres")

    # the bureau sees its export
    bureau = open_page(DESKTOP)
    login(bureau, "wang")
    bureau.wait_for_selector("[data-test=export]")
    assert side_labels(bureau)[:5] == ["总览", "待办", "逾期", "区划", "通知"]  # 1280 px: side navigation


def test_after_a_successful_report_reopening_the_milestone_offers_no_draft(stack, people, open_page):
    stack.import_jinshui()
    people.make("zhang", "office", OFFICE, name="张三")
    people.make("zhao", "office", OFFICE, name="赵六")
    centre, own = office_centre(stack)
    report = "/#/report/{}/{}".format(centre["id"], own[0]["key"])
    page = open_page(PHONE)
    login(page, "zhang")
    page.wait_for_selector("[data-test=centre-card]")
    page.goto(report)
    page.wait_for_selector("[data-test=report-title]")
    page.click("[data-test=status] [data-status=in_progress]")
    page.fill("[data-test=note] textarea", "正在布置活动室")
    # an unsent entry is kept for its author only
    page.reload()
    page.wait_for_selector("[data-test=draft-restored]")
    assert page.input_value("[data-test=note] textarea") == "正在布置活动室"
    page.click("[data-test=submit]")
    page.wait_for_selector("[data-test=report-saved]")
    # reopened after the success: the stored report, no restored draft
    page.goto("/#/centre/{}".format(centre["id"]))
    page.wait_for_selector("[data-test=milestone]")
    page.goto(report)
    page.wait_for_selector("[data-test=report-title]")
    page.reload()
    page.wait_for_selector("[data-test=report-title]")
    assert page.locator("[data-test=draft-restored]").count() == 0
    assert page.input_value("[data-test=note] textarea") == "正在布置活动室"  # the stored note, not a draft
    assert kept_keys(page, "drafts") == []

    # another clerk on the same browser never sees the first one's draft
    page.fill("[data-test=note] textarea", "张三未提交的内容")
    wait_for(lambda: kept_keys(page, "drafts"), "the draft to be kept")
    page.click(".nav-user")  # logout
    page.click(".van-action-sheet__item:has-text('退出登录')")  # behind the person's menu
    page.wait_for_selector("input[name=login]")
    login(page, "zhao")
    page.wait_for_selector("[data-test=centre-card]")
    page.goto(report)
    page.wait_for_selector("[data-test=report-title]")
    assert page.locator("[data-test=draft-restored]").count() == 0
    assert page.input_value("[data-test=note] textarea") == "正在布置活动室"
