"""Screenshots for the README from the real app: docs/office-phone.png, docs/inspector-checklist.png,
docs/bureau-overview.png, and the page-load figure at 105 centres (navigation timing).

    .venv/bin/python -m pytest tests/browser/screenshots.py -q -s     (needs the stack, like the browser tests)
"""
import os
import statistics
import time

from tests.support.browser import DESKTOP, OFFICE, PHONE, PNG, TABLET, login, office_centre
from tests.support.paths import ROOT
from tests.support.waiting import wait_for

DOCS = os.path.join(ROOT, "docs")


def test_screenshots_and_page_load(stack, people, open_page):
    stack.import_jinshui()
    people.make("zhang", "office", OFFICE, name="张三")
    people.make("li", "inspector", name="李四")
    people.make("wang", "admin", name="王五")
    centre, own = office_centre(stack)
    for m in own[:3]:
        stack.post("/api/centres/{}/milestones/{}/progress".format(centre["id"], m["key"]), role="office", office=OFFICE,
                   data={"status": "done", "based_on_version": str(m["version"]), "note": "已完成"},
                   files={"evidence": ("现场照片.png", PNG, "image/png")})
    # the read model applies the import's events one by one: show it caught up, as a user would see it later
    wait_for(lambda: stack.get("/api/progress").json()["totals"]["total"] == 640, "the read model to hold 640 milestones")
    figures = {}
    phone = open_page(PHONE)
    login(phone, "zhang")
    phone.wait_for_selector("[data-test=centre-card]")
    phone.goto("/#/centre/{}".format(centre["id"]))
    phone.wait_for_selector("[data-test=milestone]")
    phone.wait_for_timeout(500)
    phone.screenshot(path=os.path.join(DOCS, "office-phone.png"))
    tablet = open_page(TABLET)
    login(tablet, "li")
    tablet.wait_for_selector("[data-test=centre-search] input")
    tablet.goto("/#/checklist/{}".format(centre["id"]))
    tablet.wait_for_selector("[data-test=check-item]")
    tablet.fill("[data-test=input-building_area]", "96.5")
    tablet.fill("[data-test=input-plaza_area]", "1200")
    tablet.screenshot(path=os.path.join(DOCS, "inspector-checklist.png"))
    desk = open_page(DESKTOP)
    login(desk, "wang")
    desk.wait_for_selector("[data-test=office-rank]")
    desk.screenshot(path=os.path.join(DOCS, "bureau-overview.png"))
    # page load, measured as a user sees it: from navigation until the page shows its data
    for name, page, url, selector in (
            ("bureau overview", desk, "/#/", "[data-test=office-rank]"),
            ("office: my centres", phone, "/#/", "[data-test=centre-card]"),
            ("office: centre page", phone, "/#/centre/{}".format(centre["id"]), "[data-test=milestone]"),
            ("inspector: checklist", tablet, "/#/checklist/{}".format(centre["id"]), "[data-test=check-item]")):
        samples = []
        for _ in range(5):
            page.goto("about:blank")
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(selector)
            samples.append((time.perf_counter() - start) * 1000)
        figures[name] = round(statistics.median(samples))
    print("page load at 105 centres (ms, median of 5, navigation until the data is shown):", figures)
