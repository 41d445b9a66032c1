"""Photos as progress evidence through the HTTP API, against the real broker and store: each photo is
judged for place, time and reuse (存疑 with reasons), thumbnails are small, originals come back intact,
and the 存疑 pages hold exactly the flagged photos."""
import hashlib
import io

import pytest
from PIL import Image

from tests.support.photos import CENTRE, TWO_KM_AWAY, exif_for, heic, jpeg, local, reworked, scene
from tests.support.waiting import wait_for

FENGQING, HUAYUAN = "丰庆路街道", "花园路街道"
# the centres of this test, with coordinates for three of them (js01-c03 gets its own through the API)
TABLE = """编号,中心名称,级别,街道办事处,完成时限,试点,备注,经度,纬度
js01-c01,四月天社区,社区,丰庆路街道,2017.12,否,,{lng},{lat}
js01-c02,安泰社区,社区,丰庆路街道,2017.12,否,,{lng},{lat}
js01-c03,泰和社区,社区,丰庆路街道,2017.12,否,,,
js08-c02,省民航社区,社区,花园路街道,2017.12,否,,{lng2},{lat2}
""".format(lat=CENTRE[0], lng=CENTRE[1], lat2=CENTRE[0] + 0.01, lng2=CENTRE[1] + 0.01)
CENTRE2 = (CENTRE[0] + 0.01, CENTRE[1] + 0.01)
KEY, TITLE = "p3_construction", "按标准完成建设"
GOOD_TIME = local(2017, 8, 10, 9, 30, 0)  # phase 3 starts 2017-07-01; reported 2017-08-15


@pytest.fixture
def centres(stack, clock):
    clock.set("2017-08-15T10:00:00+08:00")
    response = stack.upload_allocation(content=TABLE.encode(), name="centres.csv")
    assert response.status_code == 200, response.text
    for centre_id in ("js01-c01", "js01-c02", "js01-c03", "js08-c02"):
        wait_for(lambda c=centre_id: stack.get(f"/api/centres/{c}/milestones").status_code == 200, centre_id)
    return stack


def report(stack, centre_id, key, office, photos, positions=None):
    version = next(m["version"] for m in stack.get(f"/api/centres/{centre_id}/milestones").json()["milestones"]
                   if m["key"] == key)
    data = {"status": "in_progress", "percent": "50", "based_on_version": str(version)}
    if positions:
        data.update({"evidence_lat": [p[0] for p in positions], "evidence_lng": [p[1] for p in positions],
                     "evidence_accuracy": [p[2] for p in positions]})
    response = stack.post(f"/api/centres/{centre_id}/milestones/{key}/progress", role="office", office=office,
                          data=data, files=[("evidence", item) for item in photos])
    assert response.status_code == 200, response.text
    return {e["filename"]: e for e in response.json()["evidence"]}


def reasons(evidence):
    return [f["reason"] for f in evidence["verdict"]["flags"]]


def test_photos_are_judged_thumbnailed_kept_intact_and_listed_when_doubtful(centres):
    stack = centres
    original = jpeg(scene(1, size=(4000, 3000), noise=100), exif_for(GOOD_TIME, CENTRE), quality=92)
    assert 4_500_000 < len(original) < 5 * 1024 * 1024
    far = jpeg(scene(2), exif_for(GOOD_TIME, TWO_KM_AWAY))
    year_early = jpeg(scene(3), exif_for(local(2016, 8, 10, 9, 0, 0), CENTRE))
    first = report(stack, "js01-c01", KEY, FENGQING, [("现场.jpg", original), ("远处.jpg", far), ("旧照.jpg", year_early)])

    good = first["现场.jpg"]
    assert good["verdict"] == {"doubtful": False, "flags": [], "notes": [], "distance_m": 0,
                               "place": "距中心不到 10 米（照片定位）"}
    assert good["taken_at"] == "2017-08-10T09:30:00+08:00"
    assert good["gps"] == {"lat": pytest.approx(CENTRE[0], abs=1e-5), "lng": pytest.approx(CENTRE[1], abs=1e-5)}
    assert good["received_at"].startswith("2017-08-15T02:00:00") and good["thumbnail"] is True
    assert reasons(first["远处.jpg"]) == ["拍摄地点距中心约 2.1 公里（照片定位，超过 500 米）"]
    assert reasons(first["旧照.jpg"]) == ["拍摄时间 2016-08-10 早于本阶段开始（2017-07-01）"]

    # the thumbnail is small and cacheable; the original comes back byte for byte
    thumb = stack.get(f"/api/evidence/{good['id']}/thumbnail", role="office", office=FENGQING)
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    assert len(thumb.content) < 50_000 and "max-age" in thumb.headers["Cache-Control"]
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320
    again = stack.http.get(f"/api/evidence/{good['id']}/thumbnail", headers={**stack.headers("admin"),
                                                                             "If-None-Match": thumb.headers["ETag"]})
    assert again.status_code == 304
    whole = stack.get(f"/api/evidence/{good['id']}")
    assert whole.content == original and hashlib.sha256(whole.content).hexdigest() == good["sha256"]
    assert stack.get(f"/api/evidence/{good['id']}/thumbnail", role="office", office=HUAYUAN).status_code == 403

    # another office reports the same picture, re-encoded, resized and cropped, without EXIF, with the
    # phone's position at its own centre; and a different photo of a similar scene
    copy = jpeg(reworked(Image.open(io.BytesIO(original))), quality=60)
    similar = jpeg(scene(4), exif_for(GOOD_TIME, CENTRE2))
    second = report(stack, "js08-c02", KEY, HUAYUAN, [("转发.jpg", copy), ("外景.jpg", similar)],
                    positions=[(CENTRE2[0], CENTRE2[1], 15), ("", "", "")])
    assert reasons(second["转发.jpg"]) == ["与丰庆路街道四月天社区“按标准完成建设”的照片相同"]
    assert second["转发.jpg"]["verdict"]["notes"] == ["照片未带拍摄时间"]
    assert second["转发.jpg"]["browser_position"] == {"lat": CENTRE2[0], "lng": CENTRE2[1], "accuracy_m": 15}
    assert second["转发.jpg"]["verdict"]["place"] == "距中心不到 10 米（拍摄时的手机定位）"
    assert second["外景.jpg"]["verdict"]["doubtful"] is False

    # an iPhone's HEIC is accepted and read; its thumbnail is a JPEG
    iphone = heic(scene(5), exif_for(GOOD_TIME, CENTRE))
    third = report(stack, "js01-c02", KEY, FENGQING, [("IMG_0001.HEIC", iphone)])
    assert third["IMG_0001.HEIC"]["content_type"] == "image/heic"
    assert third["IMG_0001.HEIC"]["verdict"]["doubtful"] is False
    heic_thumb = stack.get(f"/api/evidence/{third['IMG_0001.HEIC']['id']}/thumbnail")
    assert heic_thumb.content.startswith(b"\xff\xd8\xff")

    # the 存疑 pages: exactly the flagged photos, per office (the bureau) and per centre (inspectors)
    def doubtful(url, **kwargs):
        response = stack.get(url, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    fengqing = doubtful(f"/api/offices/{FENGQING}/doubtful-evidence")
    assert sorted(e["filename"] for e in fengqing["items"]) == ["旧照.jpg", "远处.jpg"] and fengqing["total"] == 2
    assert {e["centre_name"] for e in fengqing["items"]} == {"四月天社区"}
    assert {e["milestone_title"] for e in fengqing["items"]} == {TITLE}
    huayuan = doubtful(f"/api/offices/{HUAYUAN}/doubtful-evidence")
    assert [e["filename"] for e in huayuan["items"]] == ["转发.jpg"]
    assert doubtful(f"/api/offices/{FENGQING}/doubtful-evidence", params={"limit": 1})["items"][0]["filename"] in (
        "旧照.jpg", "远处.jpg")
    on_centre = doubtful("/api/centres/js01-c01/doubtful-evidence", role="inspector")
    assert sorted(e["filename"] for e in on_centre["items"]) == ["旧照.jpg", "远处.jpg"]
    assert doubtful("/api/centres/js01-c02/doubtful-evidence", role="inspector")["items"] == []
    assert stack.get(f"/api/offices/{FENGQING}/doubtful-evidence", role="office", office=HUAYUAN).status_code == 403

    # the centre's history shows each report's photos with their verdicts
    items = stack.get("/api/centres/js01-c01/history").json()["items"]
    latest = [i for i in items if i["outcome"] == "accepted" and i["kind"] == "progress"][-1]
    assert {e["filename"]: e["verdict"]["doubtful"] for e in latest["after"]["evidence"]} == {
        "现场.jpg": False, "远处.jpg": True, "旧照.jpg": True}


def test_the_bureau_sets_a_centres_coordinates_and_later_photos_are_judged_against_them(centres):
    stack = centres
    bare = report(stack, "js01-c03", KEY, FENGQING, [("前.jpg", jpeg(scene(6), exif_for(GOOD_TIME, TWO_KM_AWAY)))])
    assert bare["前.jpg"]["verdict"]["notes"] == ["中心尚未设置坐标，未核对拍摄地点"]

    url = "/api/centres/js01-c03/location"
    refused = stack.http.put(url, headers=stack.headers("office", FENGQING), json={"lat": CENTRE[0], "lng": CENTRE[1]})
    assert refused.status_code == 403
    bad = stack.http.put(url, headers=stack.headers("admin"), json={"lat": 95, "lng": "东经"})
    assert bad.status_code == 400 and set(bad.json()["details"]) == {"lat", "lng"}
    assert "纬度必须在 -90 到 90 之间" in bad.json()["details"]["lat"]
    done = stack.http.put(url, headers=stack.headers("admin"), json={"lat": CENTRE[0], "lng": CENTRE[1], "reason": "实地测量"})
    assert done.status_code == 200, done.text
    assert (done.json()["lat"], done.json()["lng"]) == CENTRE
    assert stack.rpc.assignment.centre_history("js01-c03")[-1]["reason"] == "实地测量"

    def judged_far():
        after = report(stack, "js01-c03", KEY, FENGQING, [("后.jpg", jpeg(scene(7), exif_for(GOOD_TIME, TWO_KM_AWAY)))])
        return after["后.jpg"]["verdict"]["flags"]
    flags = wait_for(judged_far, "the milestones service to hear of the coordinates")
    assert [f["code"] for f in flags] == ["far"]

    # a table without the coordinate columns leaves them as they are
    plain = "\n".join(",".join(line.split(",")[:7]) for line in TABLE.splitlines()).replace("四月天社区", "四月天社区（新址）")
    assert stack.upload_allocation(content=plain.encode(), name="plain.csv").status_code == 200
    centre = stack.get("/api/centres/js01-c03").json()
    assert (centre["lat"], centre["lng"]) == CENTRE
