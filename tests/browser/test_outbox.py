"""The offline-first app in Debian's chromium against the real stack: with the browser offline an office makes
three progress reports with photos and an inspector one inspection; the pages reload offline (the service
worker keeps the app shell); the outbox lists every entry as 待发送 with a badge on every page; back online each
is stored exactly once with its evidence (compressed on the phone, the original's EXIF kept), and a report made
stale meanwhile is 被退回 with the newer state, its entry kept in its form. Writes docs/outbox.png (390 px)."""
import os

from tests.support.browser import OFFICE, PHONE, TABLET, login, office_centre
from tests.support.inspections import at_threshold
from tests.support.offline import controlled, kept_keys
from tests.support.paths import ROOT
from tests.support.photos import CENTRE, exif_for, jpeg, local, scene
from tests.support.waiting import wait_for

SHOT = os.path.join(ROOT, "docs", "outbox.png")


def _photos(tmp_path, n):
    """n camera-sized JPEGs (several MB, with the EXIF a phone writes)."""
    paths = []
    for i in range(n):
        path = tmp_path / f"现场{i + 1}.jpg"
        path.write_bytes(jpeg(scene(10 + i, size=(3000, 2250), noise=60), exif_for(local(2017, 8, 10, 9, 30 + i, 0), CENTRE)))
        paths.append(str(path))
    return paths


def _report(page, centre_id, key, note, photo):
    page.goto(f"/#/report/{centre_id}/{key}")
    page.wait_for_selector("[data-test=report-title]")
    page.click("[data-test=status] [data-status=in_progress]")
    page.fill("[data-test=note] textarea", note)
    page.set_input_files("[data-test=photo] input[type=file]", photo)
    page.wait_for_selector("[data-test=photo-facts]:has-text('拍摄于')")
    page.click("[data-test=submit]")
    page.wait_for_selector("[data-test=report-queued]")
    assert page.locator("[data-test=submit]").count() == 0  # read-only until 新的填报


def _milestones(stack, centre_id):
    return {m["key"]: m for m in stack.get(f"/api/centres/{centre_id}/milestones").json()["milestones"]}


def test_offline_reports_and_an_inspection_wait_in_the_outbox_and_are_stored_once_back_online(stack, people, open_page, tmp_path):
    stack.import_jinshui()
    people.make("zhang", "office", OFFICE, name="张三")
    people.make("li", "inspector", name="李四")
    centre, own = office_centre(stack)
    cid = centre["id"]
    keys = [m["key"] for m in own[:3]]
    before = _milestones(stack, cid)
    photos = _photos(tmp_path, 3)

    # the office opens the app online once: the service worker keeps the shell, the centre's data is read
    phone = open_page(PHONE)
    login(phone, "zhang")
    phone.wait_for_selector("[data-test=centre-card]")
    controlled(phone)
    phone.reload()  # (a page that came before its worker: its reads were not kept)
    phone.wait_for_selector("[data-test=centre-card]")
    phone.goto(f"/#/centre/{cid}")
    phone.wait_for_selector("[data-test=milestone]")
    # installable: a manifest in Chinese with its icons; the worker served for the whole app, never cached stale
    worker = phone.request.get("/sw.js")
    assert worker.headers["service-worker-allowed"] == "/" and worker.headers["cache-control"] == "no-cache"
    manifest = phone.request.get("/manifest.webmanifest").json()
    assert manifest["name"] == "基层综合性文化服务中心建设管理" and manifest["start_url"] == "/"
    assert all(phone.request.get(i["src"]).body()[:4] == b"\x89PNG" for i in manifest["icons"])

    # ... then loses the network: three reports with photos, and a reload on the way
    phone.context.set_offline(True)
    phone.reload()
    phone.wait_for_selector("[data-test=milestone]")
    for i, key in enumerate(keys):
        _report(phone, cid, key, f"离线填报第{i + 1}条", photos[i])
    phone.reload()  # offline: the app and its outbox come back from the phone itself
    phone.wait_for_selector("[data-test=outbox-badge][data-count='3']")
    phone.click("[data-test=outbox-badge]")
    phone.wait_for_selector("[data-test=outbox-item]")
    assert phone.locator("[data-test=outbox-item]").count() == 3
    assert phone.locator("[data-test=outbox-state]").all_inner_texts() == ["待发送"] * 3
    assert phone.locator("[data-test=outbox-offline]").count() == 1
    assert _milestones(stack, cid) == before  # nothing reached the server

    # the inspector, on a tablet, opens the checklist online, then records an inspection offline
    tablet = open_page(TABLET)
    login(tablet, "li")
    tablet.wait_for_selector("[data-test=centre-search] input")
    controlled(tablet)
    tablet.reload()
    tablet.wait_for_selector("[data-test=centre-search] input")
    tablet.goto(f"/#/checklist/{cid}")
    tablet.wait_for_selector("[data-test=checklist-title]")
    tablet.context.set_offline(True)
    tablet.reload()
    tablet.wait_for_selector("[data-test=checklist-title]")
    standard = stack.get("/api/standards/{}".format(centre["level"]), role="inspector").json()
    values = at_threshold(centre["level"])
    for item in standard["items"]:
        if item["kind"] in ("number_at_least", "count_at_least", "no_incident"):
            tablet.fill(f"[data-test=input-{item['id']}]", str(values[item["id"]]))
        elif item["kind"] == "required_set":
            for option in item["required"]:
                tablet.click("[data-test=option-{}]".format(option["id"]))
        else:
            tablet.click(f"[data-test=yes-{item['id']}]")
    tablet.wait_for_function("() => !document.querySelector('[data-test=submit-missing]')")
    tablet.click("[data-test=submit-inspection]")
    tablet.wait_for_selector("[data-test=inspection-queued]")
    tablet.reload()
    tablet.wait_for_selector("[data-test=outbox-badge][data-count='1']")
    assert kept_keys(tablet, "outbox") and len(kept_keys(phone, "outbox")) == 3  # 4 entries, each in its person's outbox

    # meanwhile someone else updates the third milestone: that report is now stale
    third = before[keys[2]]
    other = stack.post(f"/api/centres/{cid}/milestones/{keys[2]}/progress", role="office", office=OFFICE,
                       json={"status": "in_progress", "percent": 30, "note": "别人先填了", "based_on_version": third["version"]})
    assert other.status_code == 200, other.text
    phone.wait_for_timeout(300)
    phone.screenshot(path=SHOT)

    # back online: each entry is sent by itself, and stored once
    phone.context.set_offline(False)
    phone.wait_for_selector("[data-test=outbox-item][data-state=refused]", timeout=90000)
    wait_for(lambda: phone.locator("[data-test=outbox-item][data-state=saved]").count() == 2, "two reports saved", timeout=90)
    tablet.context.set_offline(False)
    tablet.goto("/#/outbox")
    tablet.wait_for_selector("[data-test=outbox-item][data-state=saved]", timeout=90000)

    after = _milestones(stack, cid)
    for i, key in enumerate(keys[:2]):
        m = after[key]
        assert m["version"] == before[key]["version"] + 1 and m["note"] == f"离线填报第{i + 1}条"
        assert [e["filename"] for e in m["evidence"]] == [f"现场{i + 1}.jpg"]
        evidence = m["evidence"][0]
        # made smaller on the phone, the original's EXIF (capture time) kept for the server's checks
        assert evidence["size"] < os.path.getsize(photos[i]) / 2, evidence
        assert str(evidence.get("taken_at", "")).startswith("2017-08-10T09:3"), evidence
    assert after[keys[2]]["note"] == "别人先填了" and after[keys[2]]["version"] == third["version"] + 1
    inspections = stack.get(f"/api/centres/{cid}/inspections").json()["items"]
    assert len(inspections) == 1 and inspections[0]["result"] == "passed"

    # the stale one: 被退回 with the newer state; the entry is back in its form, based on the newer version
    refused = phone.locator("[data-test=outbox-item][data-state=refused]")
    assert "被退回" in refused.inner_text()
    assert "别人先填了" in refused.locator("[data-test=outbox-newer]").inner_text()
    assert "stale" not in refused.inner_text()  # the server's words for people only
    refused.scroll_into_view_if_needed()
    phone.screenshot(path=os.path.join(str(tmp_path), "refused.png"))
    refused.locator("[data-test=outbox-open]").click()
    phone.wait_for_selector("[data-test=conflict]")
    assert phone.input_value("[data-test=note] textarea") == "离线填报第3条"
    assert phone.locator("[data-test=photo] .van-uploader__preview").count() == 1
    phone.click("[data-test=submit]")
    phone.wait_for_selector("[data-test=report-saved]")
    final = _milestones(stack, cid)[keys[2]]
    assert final["version"] == third["version"] + 2 and final["note"] == "离线填报第3条"
    assert [e["filename"] for e in final["evidence"]] == ["现场3.jpg"]
    # nothing is sent twice: a sync now stores nothing new
    phone.goto("/#/outbox")
    phone.click("[data-test=outbox-sync]")
    phone.wait_for_selector("[data-test=outbox-item][data-state=saved] >> nth=2")
    assert phone.locator("[data-test=outbox-item][data-state=refused]").count() == 0
    now = _milestones(stack, cid)
    assert [now[k]["version"] for k in keys] == [after[keys[0]]["version"], after[keys[1]]["version"], final["version"]]
