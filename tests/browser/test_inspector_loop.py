"""The inspector's loop without retyping, in Debian's chromium against the real stack: the district-wide queue of
what waits for a re-check, a re-inspection prefilled from the previous measurements (only the failed item retyped),
untouched items 未填 and never failed, the submit button saying what is missing, search by an office's name, and
复查 offered only once a rectification is submitted. Writes docs/reinspection.png (768x1024)."""
import os

from tests.support.browser import DESKTOP, OFFICE, PHONE, PNG, TABLET, login
from tests.support.inspections import JPEG, at_threshold
from tests.support.paths import ROOT

SHOT = os.path.join(ROOT, "docs", "reinspection.png")
SHOTS = os.environ.get("CCTRACK_SHOTS")  # a directory for the other widths' screenshots, when looking at them


def _failed(stack, centre_id, office, submitted=True, **failing):
    body = {"kind": "district_acceptance", "measurements": {**at_threshold("community"), **failing}}
    assert stack.post(f"/api/centres/{centre_id}/inspections", role="inspector", json=body).status_code == 201
    page = stack.get("/api/rectifications", params={"centre_id": centre_id}).json()["items"]
    if submitted:
        for rect in page:
            sent = stack.post(f"/api/rectifications/{rect['id']}/submissions", role="office", office=office,
                              data={"note": "已整改"}, files=[("evidence", ("整改后.jpg", JPEG))])
            assert sent.status_code == 201, sent.text
    return page


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_reinspection_prefilled_untouched_items_unfilled_and_the_district_wide_queue(stack, people, open_page, tmp_path):
    stack.import_jinshui()
    people.make("li", "inspector", name="李四")
    people.make("wang", "admin", name="王五")
    mine = _failed(stack, "js01-c01", OFFICE, building_area=80)[0]          # 四月天社区, 丰庆路街道
    _failed(stack, "js02-c01", "国基路街道", training_days=4)                # 金印阳光社区
    _failed(stack, "js08-c01", "花园路街道", plaza_area=900)                 # 省卫生厅社区
    still_open = _failed(stack, "js05-c01", "未来路街道", submitted=False, building_area=50)[0]

    # the queue: every office's rectifications waiting for a re-check, by due date
    tablet = open_page(TABLET)
    login(tablet, "li")
    tablet.wait_for_selector("[data-test=centre-search] input")
    tablet.goto("/#/rectifications")
    tablet.wait_for_selector("[data-test=rectification]")
    assert "全区各街道" in tablet.inner_text("[data-test=queue-hint]")
    where = " ".join(tablet.locator("[data-test=rectification-where]").all_inner_texts())
    assert all(office in where for office in (OFFICE, "国基路街道", "花园路街道")) and "未来路街道" not in where
    # filtered by one office
    tablet.click("[data-test=rect-office] .van-dropdown-menu__item")
    tablet.click(".van-dropdown-item__option:has-text('花园路街道')")
    tablet.wait_for_function("() => [...document.querySelectorAll('[data-test=rectification-where]')]"
                             ".every((e) => e.innerText.includes('花园路街道'))")
    assert tablet.locator("[data-test=rectification]").count() == 1

    # 复查 is offered once the office has submitted, not while the rectification is still open
    tablet.goto("/#/rectification/" + still_open["id"])
    tablet.wait_for_selector("[data-test=reinspect-later]")
    assert tablet.locator("[data-test=reinspect]").count() == 0
    tablet.goto("/#/rectification/" + mine["id"])
    tablet.wait_for_selector("[data-test=reinspect]")
    tablet.click("[data-test=reinspect]")

    # the re-inspection starts from the previous measurements; the failed item is marked
    tablet.wait_for_selector("[data-test=prefilled]")
    assert "上次不合格 1 项" in tablet.inner_text("[data-test=prefilled]")
    failed_item = "[data-test=check-item][data-item=building_area]"
    assert "上次不合格" in tablet.inner_text(f"{failed_item} [data-test=previous-failed]")
    assert "上次：80 m²（不合格）" in tablet.inner_text(f"{failed_item} [data-test=previous-value]")
    assert tablet.locator("[data-test=previous-value]").count() == tablet.locator("[data-test=check-item]").count()
    assert tablet.input_value("[data-test=input-plaza_area]") == "1000"  # a passing value kept as it was
    assert tablet.input_value("[data-test=input-building_area]") == "80"
    assert "不合格项须拍照：建筑面积" in tablet.inner_text("[data-test=submit-missing]")
    assert tablet.is_disabled("[data-test=submit-inspection]")
    tablet.wait_for_timeout(300)
    tablet.screenshot(path=SHOT)
    # only the failed item is retyped
    tablet.fill("[data-test=input-building_area]", "120")
    tablet.wait_for_function("() => !document.querySelector('[data-test=submit-missing]')")
    assert "合格" in tablet.inner_text("[data-test=verdict]") and "不合格" not in tablet.inner_text("[data-test=verdict]")
    tablet.click("[data-test=submit-inspection]")
    tablet.wait_for_selector("[data-test=inspection-result]")
    assert "复查 · 合格" in tablet.inner_text("[data-test=inspection-result]")
    latest = stack.get("/api/centres/js01-c01/inspections/latest", params={"kind": "re_inspection"}).json()["inspection"]
    assert latest["kind"] == "re_inspection" and latest["measurements"]["building_area"] == "120"
    assert latest["measurements"]["plaza_area"] == "1000"
    assert stack.get("/api/rectifications/" + mine["id"]).json()["status"] == "verified"
    # its record, with the 验收单 to print
    tablet.click("[data-test=open-record]")
    tablet.wait_for_selector("[data-test=record-item]")
    assert "四月天社区" in tablet.inner_text("[data-test=inspection-title]")
    _shot(tablet, "record-768.png")

    # a first inspection: nothing typed is 未填, never failed; the button says what is missing
    tablet.goto("/#/checklist/js01-c02")
    tablet.wait_for_selector("[data-test=check-item]")
    assert tablet.locator("[data-test=prefilled]").count() == 0
    items = tablet.locator("[data-test=check-item]").count()
    counts = tablet.inner_text("[data-test=fill-counts]")
    assert f"已填 0/{items} 项" in counts and "不合格 0" in counts, counts
    assert tablet.inner_text("[data-test=check-item][data-item=rooms] [data-test=judgement]").strip() == "未填"
    assert f"还有 {items} 项未填：" in tablet.inner_text("[data-test=submit-missing]")
    assert "预判：合格" in tablet.inner_text("[data-test=verdict]")
    tablet.click("[data-test=option-reading_room]")
    assert "缺少" in tablet.inner_text("[data-test=check-item][data-item=rooms] [data-test=judgement]")
    assert f"还有 {items - 1} 项未填" in tablet.inner_text("[data-test=submit-missing]")
    # each item's photo input is named by its label (Vant's uploader gives its input no attributes)
    labels = tablet.evaluate("[...document.querySelectorAll('[data-test=check-item] input[type=file]')].map((i) => "
                             "(document.getElementById(i.getAttribute('aria-labelledby')) || {}).textContent || '')")
    assert len(labels) == items and all(label.startswith("现场照片") for label in labels), labels
    _shot(tablet, "checklist-768.png")

    # the inspector finds an office's centres by the office's name
    tablet.goto("/#/inspect")
    tablet.fill("[data-test=centre-search] input", "花园路")
    tablet.wait_for_selector("[data-test=search-result]:has-text('省卫生厅社区')")
    assert "省民航社区" in " ".join(tablet.locator("[data-test=search-result]").all_inner_texts())

    # the other widths: the queue on the bureau's desktop, the re-check page on a phone
    desk = open_page({**DESKTOP, "width": 1440})
    login(desk, "wang")
    desk.wait_for_selector("[data-test=office-rank]")
    desk.goto("/#/rectifications")
    desk.click(".van-tab:has-text('已提交材料')")
    desk.wait_for_selector("[data-test=rectification]:has-text('花园路街道')")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1440
    _shot(desk, "queue-1440.png")
    phone = open_page(PHONE)
    login(phone, "li")
    phone.wait_for_selector("[data-test=centre-search] input")
    phone.goto("/#/checklist/js08-c01?kind=re_inspection")
    phone.wait_for_selector("[data-test=prefilled]")
    phone.set_input_files("[data-test=photo-plaza_area] input[type=file]", _png(tmp_path))
    phone.wait_for_selector("[data-test=photo-plaza_area] .van-uploader__preview")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(phone, "reinspection-390.png")


def _png(tmp_path):
    path = tmp_path / "广场.png"
    path.write_bytes(PNG)
    return str(path)
