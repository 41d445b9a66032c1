"""A 存疑 photo on the centre page in Debian's chromium: the server's thumbnail (never the original in the
list), when and where it was taken, the 存疑 tag with its reason, and the original in a viewer on tap."""
import os

from tests.support.browser import OFFICE, PHONE, login, wait_until
from tests.support.paths import ROOT
from tests.support.photos import CENTRE, TWO_KM_AWAY, exif_for, jpeg, local, scene
from tests.support.waiting import wait_for

TABLE = f"""编号,中心名称,级别,街道办事处,完成时限,试点,备注,经度,纬度
js01-c01,四月天社区,社区,丰庆路街道,2017.12,否,,{CENTRE[1]},{CENTRE[0]}
"""
KEY = "p3_construction"
SCREENSHOT = os.path.join(ROOT, "docs", "evidence-doubtful.png")


def test_a_doubtful_photo_shows_its_reason_beside_the_servers_thumbnail(stack, people, open_page, clock):
    clock.set("2017-08-15T10:00:00+08:00")
    assert stack.upload_allocation(content=TABLE.encode(), name="centres.csv").status_code == 200
    people.make("zhang", "office", OFFICE, name="张三")
    milestones = wait_for(lambda: stack.get("/api/centres/js01-c01/milestones").json().get("milestones"), "milestones")
    version = next(m["version"] for m in milestones if m["key"] == KEY)
    taken = local(2017, 8, 10, 9, 30, 0)
    original = jpeg(scene(2, size=(3000, 2250), noise=60), exif_for(taken, TWO_KM_AWAY), quality=92)
    response = stack.post(f"/api/centres/js01-c01/milestones/{KEY}/progress", role="office", office=OFFICE,
                          data={"status": "in_progress", "percent": "40", "note": "主体施工中",
                                "based_on_version": str(version)},
                          files=[("evidence", ("施工现场.jpg", original)),
                                 ("evidence", ("正门.jpg", jpeg(scene(3), exif_for(taken, CENTRE))))])
    assert response.status_code == 200, response.text
    far = next(e for e in response.json()["evidence"] if e["filename"] == "施工现场.jpg")

    page = open_page(PHONE)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    login(page, "zhang")
    page.wait_for_selector("[data-test=centre-card]")
    page.goto("/#/centre/js01-c01")
    item = page.locator("[data-test=evidence-item][data-doubtful=yes]")
    item.wait_for()
    assert item.locator("[data-test=evidence-doubtful]").inner_text() == "存疑"
    assert item.locator("[data-test=evidence-reason]").inner_text() == "拍摄地点距中心约 2.1 公里（照片定位，超过 500 米）"
    assert item.locator("[data-test=evidence-taken]").inner_text() == "拍摄于 2017-08-10 09:30"
    assert item.locator("[data-test=evidence-place]").inner_text() == "距中心约 2.1 公里（照片定位）"
    wait_until(page, "[...document.querySelectorAll('[data-test=evidence-thumb]')]"
                     ".filter((img) => img.complete && img.naturalWidth > 0).length === 2")
    assert page.locator("[data-test=evidence-item][data-doubtful=no]").count() == 1
    # the list fetched thumbnails only, never an original
    originals = [u for u in requested if "/api/evidence/" in u and not u.endswith("/thumbnail")]
    assert originals == [] and any(u.endswith(f"/api/evidence/{far['id']}/thumbnail") for u in requested)
    # the reason is readable: dark red on a light background, white on the tag
    colours = item.evaluate("""(el) => [getComputedStyle(el.querySelector('[data-test=evidence-reason]')).color,
                                         getComputedStyle(el.querySelector('[data-test=evidence-doubtful]')).backgroundColor]""")
    assert colours == ["rgb(143, 29, 18)", "rgb(180, 35, 24)"]
    item.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -120)")
    page.screenshot(path=SCREENSHOT)

    # a tap shows the original in a viewer instead of downloading it
    item.locator("[data-test=evidence-view]").click()
    page.wait_for_selector(".van-image-preview img[src^='blob:']")
    assert any(u.endswith(f"/api/evidence/{far['id']}") for u in requested)
    shown = page.evaluate("""async () => {
        const img = document.querySelector('.van-image-preview img[src^="blob:"]')
        return (await (await fetch(img.src)).blob()).size }""")
    assert shown == len(original)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
