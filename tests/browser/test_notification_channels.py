"""A notice's link survives the login page and lands on the item; the bureau adds a WeCom robot for an office
on the contacts page and test-sends it to a local fake robot."""
import os

from tests.support.browser import OFFICE, PHONE, login, wait_until
from tests.support.receivers import RobotServer
from tests.support.waiting import wait_for

SHOTS = os.environ.get("CCTRACK_SHOTS", "")
DESK = {"width": 1440, "height": 900}


def test_a_notice_link_through_the_login_lands_on_the_milestone_and_opening_marks_it_read(stack, people, open_page,
                                                                                          clock):
    stack.import_jinshui()
    people.make("zhang", "office", OFFICE, name="张三")

    def scanned():  # the read model may still be taking the import in: scan again (idempotent) until it is there
        stack.rpc.notifications.scan({"as_of": "2017-07-07"})
        notices = stack.get("/api/notifications", role="office", office=OFFICE, params={"centre_id": "js01-c01",
                                                                                     "limit": 200}).json()["items"]
        return [n for n in notices if n["item_key"].startswith("milestone:js01-c01/p3_construction")]
    wait_for(lambda: stack.get("/api/progress").json()["totals"]["total"] == 640, what="the import in the read model")
    clock.set("2017-07-07")  # the scan of that day: the centres' colours as of that day
    notice = wait_for(scanned, what="the notice of js01-c01's construction")[0]
    clock.reset()
    assert notice["link"] == "/centre/js01-c01?milestone=p3_construction"
    assert notice["pace"]["colour"] == "red" and notice["pace"]["on"] == "2017-07-07"

    page = open_page(PHONE)
    page.goto("/#" + notice["link"])
    page.wait_for_selector("input[name=login]")
    assert "#/login?redirect=" in page.url
    page.fill("input[name=login]", "zhang")
    page.fill("input[name=password]", people.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-test=milestone][data-focused]")
    assert page.url.endswith("#" + notice["link"])
    assert page.get_attribute("[data-test=milestone][data-focused]", "data-key") == "p3_construction"

    # from the inbox: opening the notice shows the item and marks the notice read
    page.goto("/#/inbox")
    page.wait_for_selector("[data-test=notice]")
    page.select_option("[data-test=centre-filter]", "js01-c01")
    wait_until(page, "[...document.querySelectorAll('[data-test=notice]')].length > 0 && "
                     "!document.body.innerText.includes('加载中')")
    card = page.locator(f"[data-test=notice][data-id='{notice['id']}']")
    assert "截至 2017-07-07" in card.locator("[data-test=as-of]").inner_text()
    # the centre's colour when the notice was planned: the app's coloured tag, in words, with its 序时进度
    tag = card.locator("[data-test=pace-tag]")
    assert tag.get_attribute("data-colour") == "red" and tag.inner_text().strip() == "红 · 逾期"
    pace = card.locator("[data-test=notice-pace]").inner_text()
    assert "序时进度：应完成 {:g}%，已完成 {:g}%（截至 2017-07-07）".format(notice["pace"]["expected_percent"],
                                                              notice["pace"]["percent_done"]) in pace
    card.locator("[data-test=open-item]").click()
    page.wait_for_selector("[data-test=milestone][data-focused]")
    mine = stack.get("/api/notifications", role="office", office=OFFICE, params={"centre_id": "js01-c01",
                                                                                 "limit": 200}).json()["items"]
    assert [n["read_at"] for n in mine if n["id"] == notice["id"]][0]
    if SHOTS:  # docs/inbox-phone.png (390x844) and the inbox at 1440x900
        page.goto("/#/inbox")
        page.wait_for_selector("[data-test=notice] [data-test=pace-tag]")
        page.wait_for_timeout(500)
        page.screenshot(path=os.path.join(SHOTS, "inbox-phone.png"))
        desk = open_page(DESK)
        login(desk, "zhang")
        desk.goto("/#/inbox")
        desk.wait_for_selector("[data-test=notice] [data-test=pace-tag]")
        desk.wait_for_timeout(500)
        desk.screenshot(path=os.path.join(SHOTS, "inbox-1440.png"))


def test_the_bureau_adds_a_wecom_robot_and_test_sends_it(stack, people, open_page):
    robot = RobotServer("wecom", "k-3f9a-77c1").start()
    try:
        stack.import_jinshui()
        people.make("wang", "admin", name="王五")
        page = open_page(DESK)
        login(page, "wang")
        page.wait_for_selector(".van-nav-bar")
        page.goto("/#/inbox")  # the page is reached from 通知
        page.click("[data-test=contacts-link]")
        page.wait_for_selector("[data-test=group-bureau]")
        page.select_option("[data-test=unit]", OFFICE)
        page.wait_for_selector("[data-test=group-head]")
        page.click("[data-test=add-staff]")
        page.fill(".contact-popup input[name=name]", "丰庆路街道工作群")
        page.select_option("[data-test=robot-kind]", "wecom")
        page.fill("[data-test=webhook] input", robot.url)
        page.click("[data-test=save]")
        card = page.locator("[data-test=contact]", has_text="丰庆路街道工作群")
        card.wait_for()
        assert "k-3f9a-77c1" not in card.inner_text() and "企业微信群机器人" in card.inner_text()
        card.locator("[data-test=test-send]").click()
        card.locator("[data-test=test-result]").wait_for()
        assert "企业微信群机器人发送成功" in card.locator("[data-test=test-result]").inner_text()
        assert len(robot.messages) == 1 and "测试消息" in robot.messages[0]
        card.locator("[data-test=show-deliveries]").click()
        card.locator("[data-test=log-row]").first.wait_for()
        assert "已发送" in card.locator("[data-test=log-row]").first.inner_text()

        # a daily digest at the hour the bureau picks (Vant picker): 17:00 China time
        card.locator("[data-test=edit]").click()
        page.click(".contact-popup .van-radio:has-text('每日汇总')")
        assert "08:00（系统默认）" in page.input_value("[data-test=digest-hour] input")
        page.click("[data-test=digest-hour]")
        page.click("[data-test=hour-picker] .van-picker-column__item:has-text('17:00')")
        page.wait_for_timeout(600)  # the column settles on the item
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, "contacts-hour-picker-1440.png"))
        page.click("[data-test=hour-picker] .van-picker__confirm")
        wait_until(page, "document.querySelector('[data-test=digest-hour] input').value === '17:00'")
        if SHOTS:
            page.wait_for_timeout(600)
            page.screenshot(path=os.path.join(SHOTS, "contacts-form-1440.png"))
        page.click("[data-test=save]")
        wait_until(page, "[...document.querySelectorAll('[data-test=contact]')].some((c) => "
                         "c.innerText.includes('每日汇总 · 每天 17:00'))")
        saved = [c for c in stack.get("/api/notifications/contacts", params={"office": OFFICE}).json()["items"]
                 if c["name"] == "丰庆路街道工作群"][0]
        assert saved["mode"] == "daily_digest" and saved["digest_hour"] == 17
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, "contacts-1440.png"), full_page=True)
            phone = open_page(PHONE)
            login(phone, "wang")
            phone.wait_for_selector(".van-nav-bar")
            phone.goto("/#/contacts")
            phone.select_option("[data-test=unit]", OFFICE)
            phone.locator("[data-test=contact]", has_text="丰庆路街道工作群").wait_for()
            phone.screenshot(path=os.path.join(SHOTS, "contacts-390.png"), full_page=True)
            phone.click("[data-test=add-head]")
            phone.select_option("[data-test=robot-kind]", "dingtalk")
            phone.wait_for_selector("[data-test=secret]")
            phone.click(".contact-popup .van-radio:has-text('每日汇总')")
            phone.locator("[data-test=digest-hour]").scroll_into_view_if_needed()
            phone.screenshot(path=os.path.join(SHOTS, "contacts-form-390.png"))
    finally:
        robot.stop()
