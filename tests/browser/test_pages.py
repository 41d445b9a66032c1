"""Each role's main task end to end in Debian's chromium, against the real stack."""
import re

from tests.support.browser import DESKTOP, OFFICE, PHONE, PNG, TABLET, login, office_centre
from tests.support.waiting import wait_for


def _photo(tmp_path, name="牌匾.png"):
    path = tmp_path / name
    path.write_bytes(PNG)
    return str(path)


def test_office_reports_a_milestone_with_a_photo_and_keeps_text_on_conflict(stack, people, open_page, tmp_path):
    stack.import_jinshui()
    people.make("zhang", "office", OFFICE, name="张三")
    centre, own = office_centre(stack)
    first, second = own[0], own[1]
    page = open_page(PHONE)
    login(page, "zhang")
    page.wait_for_selector("[data-test=centre-card]")
    page.click("[data-test=centre-card]:has-text('{}')".format(centre["name"]))
    page.wait_for_selector("[data-test=milestone][data-key='{}']".format(first["key"]))
    page.click("[data-test=milestone][data-key='{}']".format(first["key"]))
    page.wait_for_selector("[data-test=report-title]")
    page.click("[data-test=status] [data-status=done]")
    page.fill("[data-test=note] textarea", "牌匾已安装")
    page.set_input_files("[data-test=photo] input[type=file]", _photo(tmp_path))
    page.wait_for_selector("[data-test=photo] .van-uploader__preview")
    page.click("[data-test=submit]")
    page.wait_for_selector("[data-test=report-saved]")
    assert "已完成" in page.inner_text("[data-test=report-saved]")
    stored = stack.get("/api/centres/{}/milestones".format(centre["id"])).json()["milestones"]
    done = next(m for m in stored if m["key"] == first["key"])
    assert done["status"] == "done" and [e["filename"] for e in done["evidence"]] == ["牌匾.png"]
    # the history shows it
    page.goto("/#/centre/{}?tab=history".format(centre["id"]))
    page.wait_for_selector("[data-test=history-entry]:has-text('牌匾已安装')")
    entry = page.locator("[data-test=history-entry]:has-text('牌匾已安装')")  # with the photo it came with
    entry.locator("[data-test=history-evidence] [data-test=evidence-item]").wait_for()
    assert "牌匾.png" in entry.inner_text()
    # the phone layout does not run off screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # a stale second report: someone else updates the milestone while the form is open
    page.goto("/#/report/{}/{}".format(centre["id"], second["key"]))
    page.wait_for_selector("[data-test=report-title]")
    page.click("[data-test=status] [data-status=in_progress]")
    page.fill("[data-test=note] textarea", "场地已清理，等待验收")
    other = stack.post("/api/centres/{}/milestones/{}/progress".format(centre["id"], second["key"]), role="office",
                       office=OFFICE, json={"status": "in_progress", "percent": 30, "note": "别人先填了",
                                            "based_on_version": second["version"]})
    assert other.status_code == 200, other.text
    page.click("[data-test=submit]")
    page.wait_for_selector("[data-test=conflict]")
    conflict = page.inner_text("[data-test=conflict]")
    assert "已被他人更新" in conflict and "别人先填了" in conflict and "30%" in conflict
    assert page.input_value("[data-test=note] textarea") == "场地已清理，等待验收"
    # the draft survives a reload too
    page.reload()
    page.wait_for_selector("[data-test=report-title]")
    assert page.input_value("[data-test=note] textarea") == "场地已清理，等待验收"
    page.click("[data-test=submit]")  # now based on the newer version: accepted
    page.wait_for_selector("[data-test=report-saved]")

    # from the centre page to its monthly service figures (indicators) and its survey QR code
    page.goto("/#/centre/{}".format(centre["id"]))
    qr = page.get_attribute("[data-test=survey-qr]", "href")
    assert page.request.get(qr).body()[:8] == b"\x89PNG\r\n\x1a\n"
    page.click("[data-test=monthly-link]")
    page.wait_for_selector("[data-test=due]")


def _fill_checklist(page, standard, failing):
    for item in standard["items"]:
        kind, item_id = item["kind"], item["id"]
        if kind in ("number_at_least", "count_at_least"):
            value = item["threshold"] - 1 if item_id == failing and item["threshold"] >= 1 else item["threshold"]
            page.fill(f"[data-test=input-{item_id}]", str(value))
        elif kind == "no_incident":
            page.fill(f"[data-test=input-{item_id}]", "0")
        elif kind == "required_set":
            for option in item["required"]:
                page.click("[data-test=option-{}]".format(option["id"]))
        else:
            page.click(f"[data-test=yes-{item_id}]")


def test_inspection_rectification_and_the_bureau_drill_down(stack, people, open_page, tmp_path):
    stack.import_jinshui()
    people.make("li", "inspector", name="李四")
    people.make("zhang", "office", OFFICE, name="张三")
    people.make("wang", "admin", name="王五")
    centre, own = office_centre(stack)

    # the bureau's overview before
    bureau = open_page(DESKTOP)
    login(bureau, "wang")
    bureau.wait_for_selector("[data-test=done]")
    before = bureau.inner_text("[data-test=done]")
    assert re.fullmatch(r"0/\d+", before), before
    assert bureau.inner_text("[data-test=centres]") == "105"

    # an inspector on a tablet posts a failing acceptance
    tablet = open_page(TABLET)
    login(tablet, "li")
    tablet.wait_for_selector("[data-test=centre-search] input")
    tablet.fill("[data-test=centre-search] input", centre["name"][:3])
    tablet.click("[data-test=search-result]:has-text('{}')".format(centre["name"]))
    tablet.wait_for_selector("[data-test=checklist-title]")
    standard = stack.get("/api/standards/{}".format(centre["level"]), role="inspector").json()
    _fill_checklist(tablet, standard, failing="building_area")
    judged = tablet.inner_text("[data-test=check-item][data-item=building_area] [data-test=judgement]")
    assert "低于标准" in judged
    assert "不合格" in tablet.inner_text("[data-test=verdict]")
    assert "不合格项须拍照：建筑面积" in tablet.inner_text("[data-test=submit-missing]")  # a failed item needs its photo
    tablet.set_input_files("[data-test=photo-building_area] input[type=file]", _photo(tmp_path, "面积.png"))
    tablet.locator("[data-test=submit-missing]").wait_for(state="detached")
    tablet.click("[data-test=submit-inspection]")
    tablet.wait_for_selector("[data-test=opened-rectification]")
    assert "建筑面积" in tablet.inner_text("[data-test=inspection-result]")
    recorded = stack.get("/api/centres/{}/inspections".format(centre["id"])).json()["items"][0]
    assert [p["filename"] for p in recorded["photos"]["building_area"]] == ["面积.png"]

    # the office submits the rectification with evidence, on its phone
    phone = open_page(PHONE)
    login(phone, "zhang")
    phone.wait_for_selector("[data-test=centre-card]")
    phone.goto("/#/rectifications")
    phone.wait_for_selector("[data-test=rectification]")
    assert "低于标准" in phone.inner_text("[data-test=rectification-reason]")
    phone.click("[data-test=rectification]")
    phone.fill("[data-test=rect-note] textarea", "已扩建活动用房，附照片")
    phone.set_input_files("[data-test=rect-photo] input[type=file]", _photo(tmp_path, "扩建.png"))
    phone.wait_for_selector("[data-test=rect-photo] .van-uploader__preview")
    phone.click("[data-test=rect-submit]")
    phone.wait_for_selector("[data-test=rect-status]:has-text('已提交')")  # (selectors, not scripts: the CSP refuses eval)
    phone.wait_for_selector("[data-test=submission] [data-test=evidence-open]:has-text('扩建.png')")

    # the office reports a milestone done; the bureau sees the number change and drills down to the evidence
    done = stack.post("/api/centres/{}/milestones/{}/progress".format(centre["id"], own[0]["key"]), role="office",
                      office=OFFICE, data={"status": "done", "based_on_version": str(own[0]["version"])},
                      files={"evidence": ("验收照片.png", PNG, "image/png")})
    assert done.status_code == 200, done.text

    def changed():
        bureau.reload()
        bureau.wait_for_selector("[data-test=done]")
        return bureau.inner_text("[data-test=done]") != before
    wait_for(changed, "the overview to count the new milestone", timeout=60, interval=0.5)
    bureau.click(f"[data-test=office-rank]:has-text('{OFFICE}')")
    bureau.click("[data-test=drill-centre]:has-text('{}')".format(centre["name"]))
    bureau.wait_for_selector("[data-test=evidence-thumb]")
    bureau.click("[data-test=evidence-open]:has-text('验收照片.png')")  # a photo opens in the viewer, not as a download
    bureau.wait_for_selector(".van-image-preview img")
    bureau.click(".van-image-preview__close-icon")
    # rectification evidence opens the same way
    bureau.goto("/#/rectifications")
    bureau.click(".van-tab:has-text('已提交')")  # the office has submitted it: no longer under 待整改
    bureau.click("[data-test=rectification]")
    bureau.click("[data-test=evidence-open]:has-text('扩建.png')")
    bureau.wait_for_selector(".van-image-preview img")


def test_lockout_forced_password_change_and_csrf_refusal(stack, people, open_page):
    stack.import_jinshui()
    temporary = people.make("zhao", "office", OFFICE, change_password=False)
    people.make("qian", "office", OFFICE)
    page = open_page(PHONE)

    # first login with the temporary password goes to the password page
    login(page, "zhao", temporary)
    page.wait_for_selector("text=请先设置新密码")
    page.fill("input[autocomplete=current-password]", temporary)
    page.locator("input[autocomplete=new-password]").nth(0).fill("Xin-mima-2018")
    page.locator("input[autocomplete=new-password]").nth(1).fill("Xin-mima-2018")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-test=centre-card]")

    # CSRF: a write from the page without the header is refused
    refused = page.evaluate("""async () => {
        const r = await fetch('/api/session', {method: 'DELETE', credentials: 'same-origin'})
        return [r.status, (await r.json()).error] }""")
    assert refused == [403, "csrf_failed"]
    assert page.evaluate("fetch('/api/session').then((r) => r.status)") == 200  # still logged in

    # lockout after 5 wrong passwords, shown in Chinese: the first through the page, the rest
    # straight to the API (playwright's client-side waits cannot be trusted under eventlet)
    other = open_page(PHONE)
    login(other, "qian", "wrong-password")
    other.wait_for_selector("[data-test=login-error]:text-matches('.')")
    for _ in range(4):
        answer = stack.http.post("/api/session", json={"login": "qian", "password": "wrong-password"})
        assert answer.status_code in (401, 429), answer.text
    login(other, "qian")  # even the right password is refused now
    other.wait_for_selector("[data-test=login-error]:has-text('锁定')")
    assert other.url.endswith("#/login")
