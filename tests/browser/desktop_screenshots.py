"""Screenshots of the bureau's desktop pages at 1440x900, 1920x1080 and 390x844 into var/desktop-shots/ (to look
at), and docs/bureau-desktop.png for the README.

    .venv/bin/python -m pytest tests/browser/desktop_screenshots.py -q     (needs the stack, like the browser tests)
"""
import os

from tests.support.browser import PHONE, login
from tests.support.desktop import SCREEN, WIDE, district_with_history
from tests.support.paths import ROOT

SHOTS = os.path.join(ROOT, "var", "desktop-shots")
PAGES = (("overview", "/#/overview", "[data-test=chart-heat] canvas"), ("overdue", "/#/overdue", "[data-test=overdue-total]"),
         ("map", "/#/map", "[data-test=centre-map] canvas"), ("ranking", "/#/ranking", "[data-test=ranking-period]"),
         ("screen", "/#/screen", "[data-test=screen-heat] canvas"))


def test_desktop_screenshots(stack, clock, people, open_page):
    district_with_history(stack, clock)
    people.make("wang", "admin", name="王五")
    os.makedirs(SHOTS, exist_ok=True)
    for label, viewport in (("1440", WIDE), ("1920", SCREEN), ("390", PHONE)):
        page = open_page(viewport)
        login(page, "wang")
        page.wait_for_selector("[data-test=office-rank]")
        for name, url, ready in PAGES:
            page.goto(url)
            page.wait_for_selector(ready)
            page.wait_for_timeout(1500)
            page.screenshot(path=os.path.join(SHOTS, f"{name}-{label}.png"), full_page=name != "screen")
            if (name, label) == ("overview", "1440"):
                page.screenshot(path=os.path.join(ROOT, "docs", "bureau-desktop.png"))
