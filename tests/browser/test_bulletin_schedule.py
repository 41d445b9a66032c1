"""The bureau sets the 通报 to be sent by itself: on the 通报 page, at a phone's and a desktop's width."""
from tests.support.browser import DESKTOP, PHONE, login, wait_until
from tests.support.quality import check

SHOTS = "var/bulletin-schedule-{}.png"


def test_the_bureau_schedules_the_bulletin_for_its_contacts(stack, people, open_page):
    people.make("wang", "admin", name="王五")
    added = stack.post("/api/notifications/contacts", json={"id": "ju-office", "name": "局长办公室", "scope": "bureau",
                                                            "email": "ju@example.gov.cn"})
    assert added.status_code == 201, added.text
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page = open_page(viewport)
        login(page, "wang")
        wait_until(page, "!location.hash.startsWith('#/login')")  # signed in and sent home, before going on
        page.goto("/#/bulletin?period=2018-Q1")
        page.wait_for_selector("[data-test=schedule-save]")
        assert page.inner_text("[data-test=bulletin-period]").endswith("2018年第一季度")  # the link's period
        page.screenshot(path=SHOTS.format(name), full_page=True)
    page.click("[data-test=schedule-enabled]")
    page.click("[data-test=schedule-kinds] >> text=季度")
    page.click("[data-test=schedule-contacts] >> text=局长办公室")
    page.click("[data-test=schedule-save]")
    page.wait_for_selector("[data-test=schedule-saved]")
    assert "每月 5 日" in page.inner_text("[data-test=schedule-saved]")
    schedule = stack.get("/api/bulletins/schedule").json()
    assert schedule["enabled"] and sorted(schedule["kinds"]) == ["month", "quarter"]
    assert schedule["contact_ids"] == ["ju-office"] and schedule["day"] == 5
    # said once, in Chinese, with what to do: no recipient while switched on
    page.click("[data-test=schedule-contacts] >> text=局长办公室")
    page.click("[data-test=schedule-save]")
    page.wait_for_selector("[data-test=schedule-error]")
    assert "至少选择" in page.inner_text("[data-test=schedule-error]")

    phone = open_page(PHONE, bypass_csp=True)  # axe is injected as an inline script
    login(phone, "wang")
    wait_until(phone, "!location.hash.startsWith('#/login')")
    phone.goto("/#/bulletin")
    phone.wait_for_selector("[data-test=schedule-save]")
    assert check(phone) == {"axe": [], "latin": [], "targets": []}
