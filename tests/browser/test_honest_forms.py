"""Forms that never lose or misstate an entry, in Debian's chromium against the real stack: after a success the
form is read-only until 新的填报 (a second tap on 提交 stores nothing more), reopening offers no draft; a reload
in the middle of a form keeps every field, its photo (kept in IndexedDB with the draft) and the inspection kind;
the monthly figures keep their draft. Writes docs/uploader.png (the photo uploader with its preview, 390 px)."""
import os

from tests.support.browser import OFFICE, PHONE, TABLET, login, office_centre
from tests.support.offline import kept_keys
from tests.support.paths import ROOT
from tests.support.photos import CENTRE, exif_for, jpeg, local, scene

SHOT = os.path.join(ROOT, "docs", "uploader.png")


def _photo(tmp_path, name, seed, minute=30):
    path = tmp_path / name
    path.write_bytes(jpeg(scene(seed, size=(3000, 2250), noise=60), exif_for(local(2017, 8, 10, 9, minute, 0), CENTRE)))
    return str(path)


def _versions(stack, centre_id, key):
    return next(m for m in stack.get(f"/api/centres/{centre_id}/milestones").json()["milestones"] if m["key"] == key)["version"]


def test_a_report_is_read_only_after_success_and_a_reload_keeps_its_photo(stack, people, open_page, tmp_path):
    stack.import_jinshui()
    people.make("zhang", "office", OFFICE, name="张三")
    centre, own = office_centre(stack)
    cid, key = centre["id"], own[0]["key"]
    before = _versions(stack, cid, key)
    page = open_page(PHONE)
    login(page, "zhang")
    page.wait_for_selector("[data-test=centre-card]")

    # mid-form: status, percent, note and a photo; a reload keeps them all, the photo shown again
    page.goto(f"/#/report/{cid}/{key}")
    page.wait_for_selector("[data-test=report-title]")
    page.click("[data-test=status] [data-status=in_progress]")
    page.click("[data-test=percent] .van-stepper__plus")
    page.click("[data-test=percent] .van-stepper__plus")
    page.fill("[data-test=note] textarea", "主体结构已完成")
    page.set_input_files("[data-test=photo] input[type=file]", _photo(tmp_path, "主体.jpg", 21))
    page.wait_for_selector("[data-test=photo-facts]:has-text('拍摄于 2017-08-10 09:30')")
    facts = page.inner_text("[data-test=photo-facts]")
    assert "含拍摄位置" in facts and "已压缩" in facts, facts
    # a second photo, removed again
    page.set_input_files("[data-test=photo] input[type=file]", _photo(tmp_path, "多余.jpg", 23, minute=45))
    page.wait_for_selector("[data-test=photo] .van-uploader__preview >> nth=1")
    page.click("[data-test=photo] .van-uploader__preview >> nth=1 >> .van-uploader__preview-delete")
    page.wait_for_function("() => document.querySelectorAll('[data-test=photo] .van-uploader__preview').length === 1")
    # retaken: a tap on the photo chooses its replacement
    page.click("[data-test=photo] .van-uploader__preview-image")
    page.set_input_files("[data-test=photo] input[type=file]", _photo(tmp_path, "主体.jpg", 24, minute=50))
    page.wait_for_selector("[data-test=photo-facts]:has-text('拍摄于 2017-08-10 09:50')")
    assert page.locator("[data-test=photo] .van-uploader__preview").count() == 1
    page.wait_for_timeout(500)  # the draft is written as the form changes
    page.reload()
    page.wait_for_selector("[data-test=draft-restored]")
    assert page.input_value("[data-test=note] textarea") == "主体结构已完成"
    assert page.locator("[data-test=photo] .van-uploader__preview").count() == 1
    assert page.input_value("[data-test=percent] input") == "20"
    assert page.locator("[data-test=status] [data-status=in_progress][aria-checked=true]").count() == 1
    page.wait_for_selector("[data-test=photo] .van-uploader__preview-image img")
    assert "拍摄于 2017-08-10 09:50" in page.inner_text("[data-test=photo-facts]")
    page.wait_for_timeout(300)
    page.locator("[data-test=photo]").scroll_into_view_if_needed()
    page.screenshot(path=SHOT)

    # two taps on 提交: one version stored, with its photo; then the form is read-only
    page.click("[data-test=submit]", click_count=2)
    page.wait_for_selector("[data-test=report-saved]")
    page.wait_for_timeout(1000)
    assert page.locator("[data-test=submit]").count() == 0
    assert page.is_visible("[data-test=new-report]")
    assert page.locator("[data-test=note] textarea").get_attribute("readonly") is not None
    assert _versions(stack, cid, key) == before + 1
    stored = next(m for m in stack.get(f"/api/centres/{cid}/milestones").json()["milestones"] if m["key"] == key)
    assert [e["filename"] for e in stored["evidence"]] == ["主体.jpg"] and stored["percent"] == 20
    assert stored["evidence"][0]["taken_at"].startswith("2017-08-10T09:50")  # the retaken photo, made smaller
    assert stored["evidence"][0]["size"] < os.path.getsize(str(tmp_path / "主体.jpg")) / 2
    assert kept_keys(page, "drafts") == []

    # reopened: the stored state, no draft offered, nothing to upload
    page.goto(f"/#/centre/{cid}")
    page.wait_for_selector("[data-test=milestone]")
    page.goto(f"/#/report/{cid}/{key}")
    page.wait_for_selector("[data-test=report-title]")
    page.reload()
    page.wait_for_selector("[data-test=report-title]")
    assert page.locator("[data-test=draft-restored]").count() == 0
    assert page.locator("[data-test=photo] .van-uploader__preview").count() == 0
    assert page.input_value("[data-test=note] textarea") == "主体结构已完成"

    # 新的填报 after a success: a fresh entry based on the version just stored
    page.click("[data-test=submit]")  # the reopened form is live: this one is a second, deliberate report
    page.wait_for_selector("[data-test=report-saved]")
    page.click("[data-test=new-report]")
    page.wait_for_selector("[data-test=submit]")
    page.fill("[data-test=note] textarea", "再报一次")
    page.click("[data-test=submit]")
    page.wait_for_selector("[data-test=report-saved]")
    assert _versions(stack, cid, key) == before + 3


def test_the_checklist_keeps_its_kind_and_photo_and_the_monthly_figures_keep_their_draft(stack, people, open_page, tmp_path):
    stack.import_jinshui()
    people.make("li", "inspector", name="李四")
    people.make("zhang", "office", OFFICE, name="张三")
    centre, _ = office_centre(stack)
    cid = centre["id"]

    tablet = open_page(TABLET)
    login(tablet, "li")
    tablet.wait_for_selector("[data-test=centre-search] input")
    tablet.goto(f"/#/checklist/{cid}")
    tablet.wait_for_selector("[data-test=checklist-title]")
    tablet.click("[data-test=inspection-kind] [data-kind=city_check]")
    tablet.fill("[data-test=input-building_area]", "95")
    tablet.set_input_files("[data-test=photo-building_area] input[type=file]", _photo(tmp_path, "面积.jpg", 22))
    tablet.wait_for_selector("[data-test=photo-building_area] .van-uploader__preview")
    tablet.fill("[data-test=inspection-note] textarea", "复核面积")
    tablet.wait_for_timeout(500)
    tablet.reload()
    tablet.wait_for_selector("[data-test=draft-restored]")
    assert tablet.locator("[data-test=inspection-kind] [data-kind=city_check][aria-checked=true]").count() == 1
    assert tablet.input_value("[data-test=input-building_area]") == "95"
    assert tablet.input_value("[data-test=inspection-note] textarea") == "复核面积"
    tablet.wait_for_selector("[data-test=photo-building_area] .van-uploader__preview-image img")

    phone = open_page(PHONE)
    login(phone, "zhang")
    phone.wait_for_selector("[data-test=centre-card]")
    phone.goto(f"/#/monthly/{cid}?month=2017-07")
    phone.wait_for_selector("[data-test=due]")
    phone.fill("[data-test=figure-activities] input", "12")
    phone.fill("[data-test=figure-participants] input", "340")
    phone.fill("[data-test=monthly-note] textarea", "暑期活动")
    phone.wait_for_timeout(500)
    phone.reload()
    phone.wait_for_selector("[data-test=draft-restored]")
    assert phone.input_value("[data-test=figure-activities] input") == "12"
    assert phone.input_value("[data-test=figure-participants] input") == "340"
    assert phone.input_value("[data-test=monthly-note] textarea") == "暑期活动"
    # stored once, then read-only; reopened without a draft
    phone.click("[data-test=monthly-submit]", click_count=2)
    phone.wait_for_selector("[data-test=monthly-saved]")
    assert phone.locator("[data-test=monthly-submit]").count() == 0
    report = stack.get(f"/api/monthly-reports/{cid}/2017-07").json()
    assert report["current"]["version"] == 1 and report["current"]["figures"]["activities"] == 12
    assert len(report["history"]) == 1
    phone.reload()
    phone.wait_for_selector("[data-test=due]")
    assert phone.locator("[data-test=draft-restored]").count() == 0
    assert phone.input_value("[data-test=figure-activities] input") == "12"
