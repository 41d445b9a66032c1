"""The bureau's delivery log: newest first, 20 at a time, 加载更多 continues from the cursor."""
import os
from datetime import UTC, datetime, timedelta

from services.notifications.store import NotificationsStore
from shared.mongo import connect
from tests.support.browser import PHONE, login, wait_until

SHOTS = os.environ.get("CCTRACK_SHOTS", "")
WIDTHS = {"phone": PHONE, "tablet": {"width": 768, "height": 1024}, "desk": {"width": 1440, "height": 900}}


def _seed(count):
    """``count`` failed webhook deliveries over three days, written through the notifications store adapter."""
    client, db = connect("notifications")
    try:
        store = NotificationsStore(db)
        start = datetime(2018, 1, 2, 1, 0, tzinfo=UTC)
        for n in range(count):
            at = start + timedelta(hours=n * 3)
            store.record_delivery({"_id": f"seed-{n:02d}#webhook", "contact_id": "bureau", "channel": "webhook",
                                   "target": "https://robot.example/hook", "format": "json", "subject": f"逾期提醒 {n:02d}",
                                   "text": "", "extra": {}, "notice_ids": [], "status": "failed", "attempts": 2,
                                   "last_error": "HTTP 503", "next_attempt_at": None, "created_at": at, "sent_at": None,
                                   "contact_day": f"bureau|{at.date().isoformat()}"})
    finally:
        client.close()


def test_the_delivery_log_loads_more_from_the_cursor(stack, people, open_page):
    people.make("wang", "admin", name="王五")
    _seed(25)
    for width, viewport in WIDTHS.items():
        page = open_page(viewport)
        login(page, "wang")
        page.wait_for_selector("input[name=login]", state="detached")
        page.goto("/#/deliveries")
        page.wait_for_selector("[data-test=delivery]")
        cards = page.locator("[data-test=delivery]")
        assert cards.count() == 20
        assert "逾期提醒 24" in cards.first.inner_text() and "失败原因" in cards.first.inner_text()
        if SHOTS:
            page.locator("[data-test=deliveries-more]").scroll_into_view_if_needed()
            page.screenshot(path=os.path.join(SHOTS, f"deliveries-{width}-more.png"))
        page.locator("[data-test=deliveries-more]").click()
        wait_until(page, "document.querySelectorAll('[data-test=delivery]').length === 25")
        subjects = [c.locator("h3").inner_text() for c in cards.all()]
        assert subjects == [f"逾期提醒 {n:02d}" for n in range(24, -1, -1)]
        assert page.locator("[data-test=deliveries-more]").count() == 0
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, f"deliveries-{width}.png"), full_page=False)
