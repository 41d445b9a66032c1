"""History on the pages: an office enters the day past work was done (完成日期), the bureau looks at a past day (a
day before the programme says so instead of showing zeros), and the centre page offers the survey poster."""
import subprocess

from tests.support.browser import DESKTOP, OFFICE, PHONE, login, office_centre
from tests.support.waiting import wait_for


def test_a_past_day_on_the_pages(stack, people, open_page, tmp_path):
    stack.import_jinshui()
    wait_for(lambda: stack.get("/api/progress").json()["totals"]["total"] == 640, what="the import in the read model")
    people.make("zhang", "office", OFFICE, name="张三")
    people.make("wang", "admin", name="王五")
    centre, own = office_centre(stack)
    first = own[0]

    phone = open_page(PHONE)
    login(phone, "zhang")
    phone.wait_for_selector("[data-test=centre-card]")
    phone.goto("/#/report/{}/{}".format(centre["id"], first["key"]))
    phone.wait_for_selector("[data-test=report-title]")
    phone.click("[data-test=status] [data-status=done]")
    phone.fill("[data-test=done-on] input", "2016-05-01")  # before the programme: refused with the reason
    phone.click("[data-test=submit]")
    phone.wait_for_selector("[data-test=conflict]")  # sent back by the server, the entry kept in the form
    assert "建设计划开始" in phone.inner_text("[data-test=conflict]")
    phone.fill("[data-test=done-on] input", "2017-04-20")
    phone.click("[data-test=submit]")
    phone.wait_for_selector("[data-test=report-saved]")
    phone.screenshot(path=str(tmp_path / "report-phone.png"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    as_of = stack.get("/api/centres/{}/milestones".format(centre["id"]), params={"as_of": "2017-04-20"}).json()
    assert next(m for m in as_of["milestones"] if m["key"] == first["key"])["status"] == "done"
    before = stack.get("/api/centres/{}/milestones".format(centre["id"]), params={"as_of": "2017-04-19"}).json()
    assert next(m for m in before["milestones"] if m["key"] == first["key"])["status"] != "done"

    desk = open_page(DESKTOP)
    login(desk, "wang")
    desk.wait_for_selector("[data-test=done]")
    desk.fill("[data-test=as-of]", "2017-04-20")
    desk.dispatch_event("[data-test=as-of]", "change")
    desk.wait_for_selector("[data-test=as-of-label]:has-text('2017-04-20')")
    assert "历史日期" in desk.inner_text("[data-test=as-of-label]")
    desk.wait_for_function("document.querySelector('[data-test=done]').innerText.startsWith('1/')")
    desk.fill("[data-test=as-of]", "2017-01-15")
    desk.dispatch_event("[data-test=as-of]", "change")
    desk.wait_for_selector(".error-box:has-text('早于建设计划开始日期')")
    assert desk.query_selector("[data-test=done]") is None  # no zeros beside the message
    desk.screenshot(path=str(tmp_path / "overview-before-programme.png"))

    desk.goto("/#/centre/{}".format(centre["id"]))
    desk.wait_for_selector("[data-test=survey-poster-pdf]")
    pdf = desk.request.get(desk.get_attribute("[data-test=survey-poster-pdf]", "href"))
    assert pdf.ok and pdf.body()[:5] == b"%PDF-"
    (tmp_path / "poster.pdf").write_bytes(pdf.body())
    text = subprocess.run(["pdftotext", str(tmp_path / "poster.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout.replace(" ", "")
    assert centre["name"] in text
    png = desk.request.get(desk.get_attribute("[data-test=survey-poster-png]", "href"))
    assert png.ok and png.body()[:8] == b"\x89PNG\r\n\x1a\n"
    box = desk.query_selector("[data-test=survey-poster-pdf]").bounding_box()
    assert box["height"] >= 44  # a tap target
