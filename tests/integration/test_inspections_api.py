"""Inspections and rectifications through the HTTP API, against the real broker and store."""
import json
import shutil
import subprocess
import uuid

import pytest

from shared import events as ev
from shared.mongo import connect
from tests.support.inspections import JPEG, OFFICE, PDF, at_threshold, inspect, milestone_status, rectifications, submit
from tests.support.waiting import wait_for


@pytest.fixture
def loaded(stack, clock):
    clock.set("2019-07-15T10:00:00+08:00")  # phase 4: checks and acceptance
    stack.import_jinshui()
    return stack


def test_full_loop_fail_rectify_reinspect_accept(loaded):
    stack = loaded
    failed = inspect(stack, "js01-c01", building_area=80, training_days=4)
    assert failed.status_code == 201, failed.text
    body = failed.json()
    assert body["result"] == "failed" and body["failed_items"] == ["building_area", "training_days"]
    assert body["standard_version"] == "zhengzhou-2017-v1" and len(body["rectifications"]) == 2
    reasons = {i["item_id"]: i["reason"] for i in body["items"]}
    assert reasons["building_area"] == "建筑面积 80 m² 低于标准 100 m²"
    assert reasons["stage_length"] == "不适用于社区级中心"

    own = rectifications(stack, role="office", office=OFFICE, status="open")
    assert own["total"] == 2 and {r["item_id"] for r in own["items"]} == {"building_area", "training_days"}
    assert {r["due"] for r in own["items"]} == {"2019-08-12"}  # 20 working days, before the end of phase 5
    assert rectifications(stack, role="office", office="国基路街道")["total"] == 0
    other = stack.get("/api/rectifications", role="office", office="国基路街道", params={"office": OFFICE})
    assert other.status_code == 403

    for rect in own["items"]:
        response = submit(stack, rect["id"], [("整改后照片.jpg", JPEG), ("培训记录.pdf", PDF)])
        assert response.status_code == 201, response.text
        files = response.json()["submissions"][0]["files"]
        assert [f["content_type"] for f in files] == ["image/jpeg", "application/pdf"] and len(files[0]["sha256"]) == 64
    assert rectifications(stack, status="submitted")["total"] == 2

    passed = inspect(stack, "js01-c01", kind="re_inspection")
    assert passed.status_code == 201 and passed.json()["result"] == "passed"
    assert rectifications(stack, status="verified")["total"] == 2
    assert rectifications(stack, centre_id="js01-c01", status="open")["total"] == 0
    # district-wide would read every rectification of the programme: one office or one centre at a time
    for role in ("admin", "inspector"):
        whole = stack.get("/api/rectifications", role=role, params={"status": "verified"})
        assert whole.status_code == 400 and list(whole.json()["details"]) == ["office"], whole.text
    by_centre = rectifications(stack, role="inspector", centre_id="js01-c01", limit=1, offset=1)
    assert by_centre["total"] == 2 and len(by_centre["items"]) == 1
    assert rectifications(stack, role="office", office="国基路街道", centre_id="js01-c01")["total"] == 0
    detail = stack.get("/api/rectifications/" + own["items"][0]["id"]).json()
    assert [h["status"] for h in detail["history"]] == ["open", "submitted", "verified"]

    done = wait_for(lambda: {"p4_acceptance", "p5_rectification"} <= {
        k for k, v in milestone_status(stack, "js01-c01").items() if v == "done"})
    assert done, milestone_status(stack, "js01-c01")

    history = stack.get("/api/centres/js01-c01/inspections").json()
    assert history["total"] == 2 and [i["kind"] for i in history["items"]] == ["re_inspection", "district_acceptance"]


def test_who_may_post_which_inspection(loaded):
    stack = loaded
    acceptance = inspect(stack, "js01-c01", role="office", office=OFFICE)
    assert acceptance.status_code == 403 and acceptance.json()["error"] == "forbidden"
    foreign = inspect(stack, "js02-s", kind="self_check", role="office", office=OFFICE, level="subdistrict")
    assert foreign.status_code == 403
    assert inspect(stack, "js01-c01", kind="self_check", role="inspector").status_code == 403
    own = inspect(stack, "js01-c01", kind="self_check", role="office", office=OFFICE, building_area=50)
    assert own.status_code == 201 and own.json()["result"] == "failed"
    assert rectifications(stack)["total"] == 0  # a self-check opens no rectification
    assert wait_for(lambda: milestone_status(stack, "js01-c01").get("p4_self_check") == "done")
    assert stack.get("/api/centres/js01-c01/inspections", role="office", office="国基路街道").status_code == 403


def test_malformed_inspection_gets_400_and_stores_nothing(loaded):
    stack = loaded
    response = inspect(stack, "js01-c01", building_area="三百", plaza_area=-5, sauna_area=10)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_input" and "未保存任何记录" in body["message"]
    assert body["details"]["unexpected_items"] == ["sauna_area"]
    assert "文本“三百”" in body["details"]["measurements.building_area"][0]
    assert "不能为负数" in body["details"]["measurements.plaza_area"][0]
    missing = stack.post("/api/centres/js01-c01/inspections", role="inspector",
                         json={"kind": "district_acceptance", "measurements": {"building_area": 120}})
    assert missing.status_code == 400 and "training_days" in missing.json()["details"]["missing_items"]
    bad_kind = stack.post("/api/centres/js01-c01/inspections", role="inspector",
                          json={"kind": "guess", "measurements": {}, "colour": "red"})
    assert bad_kind.status_code == 400 and {"kind", "colour"} <= set(bad_kind.json()["details"])
    assert inspect(stack, "nope-404").status_code == 404
    assert stack.get("/api/centres/js01-c01/inspections").json()["total"] == 0
    assert rectifications(stack)["total"] == 0


def test_evidence_is_checked_and_nothing_is_stored_on_refusal(loaded):
    from nameko import config

    stack = loaded
    inspect(stack, "js01-c01", plaza_area=999.9)
    rect = rectifications(stack)["items"][0]
    assert rect["reason"] == "文体广场面积 999.9 m² 低于标准 1000 m²"
    exe = submit(stack, rect["id"], [("照片.jpg", b"MZ\x90\x00\x03")])
    assert exe.status_code == 400 and "evidence[0]" in exe.json()["details"]
    assert submit(stack, rect["id"], [("照片.pdf", JPEG)]).status_code == 400
    assert submit(stack, rect["id"], []).status_code == 400
    with config.patch({"EVIDENCE_MAX_BYTES": 16}):
        assert submit(stack, rect["id"], [("照片.jpg", JPEG)]).status_code == 413
    assert submit(stack, rect["id"], [("照片.jpg", JPEG)], office="国基路街道").status_code == 403
    assert submit(stack, rect["id"], [("照片.jpg", JPEG)], role="inspector", office=None).status_code == 403
    assert stack.get("/api/rectifications/" + rect["id"]).json()["status"] == "open"


def test_standard_routes_openapi_and_health(loaded):
    stack = loaded
    community = stack.get("/api/standards/community", role="office", office=OFFICE).json()
    items = {i["id"]: i for i in community["items"]}
    assert community["version"] == "zhengzhou-2017-v1" and items["building_area"]["threshold"] == 100
    assert items["building_area"]["unit"] == "m²" and "stage_length" not in items
    village = {i["id"]: i for i in stack.get("/api/standards/village").json()["items"]}
    assert (village["stage_length"]["threshold"], village["stage_width"]["threshold"],
            village["stage_height"]["threshold"]) == (10, 5, 0.8)
    assert stack.get("/api/standards/town").status_code == 400
    assert stack.get("/api/standards/community", params={"version": "v0"}).status_code == 404
    paths = stack.http.get("/openapi.json").json()["paths"]
    for path in ("/api/standards/{level}", "/api/centres/{centre_id}/inspections", "/api/rectifications",
                 "/api/rectifications/{rectification_id}/submissions"):
        assert path in paths
    assert stack.http.get("/healthz").json()["checks"]["inspections"] == "ok"


def test_events_reach_a_listener(loaded, container_factory):
    """The payloads other services rely on, seen by a test-only subscriber."""
    from nameko.events import event_handler

    seen = []

    class Listener:
        name = "inspections_listener"

        @event_handler(ev.INSPECTIONS, ev.RECTIFICATION_OPENED)
        def opened(self, payload):
            seen.append((ev.RECTIFICATION_OPENED, payload))

        @event_handler(ev.INSPECTIONS, ev.RECTIFICATION_CLOSED)
        def closed(self, payload):
            seen.append((ev.RECTIFICATION_CLOSED, payload))

        @event_handler(ev.INSPECTIONS, ev.CENTRE_FAILED_ACCEPTANCE)
        def failed(self, payload):
            seen.append((ev.CENTRE_FAILED_ACCEPTANCE, payload))

    container_factory(Listener).start()
    stack = loaded
    inspect(stack, "js05-v01", level="village", stage_height=0.79)
    assert wait_for(lambda: len(seen) == 2)
    by_name = dict(seen)
    assert by_name[ev.RECTIFICATION_OPENED]["item_id"] == "stage_height"
    assert by_name[ev.RECTIFICATION_OPENED]["office"] == "未来路街道"
    assert by_name[ev.RECTIFICATION_OPENED]["due"] == "2019-08-12"
    assert by_name[ev.CENTRE_FAILED_ACCEPTANCE]["failed_items"] == ["stage_height"]
    open_rows = rectifications(stack, centre_id="js05-v01", status="open")["items"]
    assert [r["item_id"] for r in open_rows] == ["stage_height"] and open_rows[0]["centre_name"] == "燕庄村"
    by_office = stack.get("/api/rectifications", role="inspector", params={"office": "未来路街道", "status": "open"})
    assert by_office.json()["total"] == 1, by_office.text
    inspect(stack, "js05-v01", kind="re_inspection", level="village")
    assert wait_for(lambda: len(seen) == 3)
    assert seen[-1][0] == ev.RECTIFICATION_CLOSED


def test_open_rectifications_follow_a_reassigned_centre(loaded):
    stack = loaded
    inspect(stack, "js01-c01", building_area=99.9)
    stack.rpc.assignment.reassign_centre("js01-c01", {"office": "国基路街道", "reason": "区划调整"},
                                         {"role": "admin", "name": "test"})
    moved = wait_for(lambda: rectifications(stack, role="office", office="国基路街道")["total"] == 1)
    assert moved
    assert rectifications(stack, role="office", office=OFFICE)["total"] == 0


def _reinspection_ready(stack, centre_id, office, **failing):
    """A failed acceptance of ``centre_id`` whose rectifications the office has submitted."""
    assert inspect(stack, centre_id, **failing).status_code == 201
    for rect in rectifications(stack, centre_id=centre_id, status="open")["items"]:
        assert submit(stack, rect["id"], [("整改后照片.jpg", JPEG)], office=office).status_code == 201


def test_the_district_wide_queue_lists_several_offices_by_due_date(loaded):
    stack = loaded
    _reinspection_ready(stack, "js01-c01", OFFICE, building_area=80)
    _reinspection_ready(stack, "js02-c01", "国基路街道", training_days=4)
    _reinspection_ready(stack, "js08-c01", "花园路街道", building_area=90)
    inspect(stack, "js05-c01", building_area=50)  # still open at 未来路街道: not waiting for a re-check
    for role in ("admin", "inspector"):
        queue = stack.get("/api/rectifications/queue", role=role).json()
        assert {r["office"] for r in queue["items"]} == {OFFICE, "国基路街道", "花园路街道"} and queue["next"] is None
        assert [r["due"] for r in queue["items"]] == sorted(r["due"] for r in queue["items"])
    first = stack.get("/api/rectifications/queue", params={"limit": 2}).json()
    rest = stack.get("/api/rectifications/queue", params={"limit": 2, "after": first["next"]}).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next"] is None
    assert {r["id"] for r in first["items"] + rest["items"]} == {r["id"] for r in queue["items"]}
    one = stack.get("/api/rectifications/queue", role="inspector", params={"office": "花园路街道"}).json()
    assert [r["centre_id"] for r in one["items"]] == ["js08-c01"]
    still_open = stack.get("/api/rectifications/queue", params={"status": "open"}).json()
    assert [r["office"] for r in still_open["items"]] == ["未来路街道"]
    own = stack.get("/api/rectifications/queue", role="office", office="国基路街道").json()
    assert [r["office"] for r in own["items"]] == ["国基路街道"]
    assert stack.get("/api/rectifications/queue", role="office", office="国基路街道",
                     params={"office": OFFICE}).status_code == 403
    assert stack.get("/api/rectifications/queue", params={"limit": 500}).status_code == 400


def test_search_finds_an_office_centres_by_its_name(loaded):
    stack = loaded
    found = stack.get("/api/centres/search", role="inspector", params={"q": "花园路"}).json()["items"]
    assert {c["office"] for c in found} == {"花园路街道"} and {"js08-s", "js08-c01", "js08-c02"} <= {c["id"] for c in found}
    assert [c["id"] for c in stack.get("/api/centres/search", params={"q": "花园路 民航"}).json()["items"]] == ["js08-c02"]
    assert "js01-c01" in {c["id"] for c in stack.get("/api/centres/search", params={"q": "四月天"}).json()["items"]}


def test_a_reinspection_starts_from_the_latest_inspection_with_its_photos(loaded):
    stack = loaded
    empty = stack.get("/api/centres/js01-c01/inspections/latest", role="inspector", params={"kind": "re_inspection"})
    assert empty.status_code == 200 and empty.json() == {"inspection": None}
    body = {"kind": "district_acceptance", "measurements": {**at_threshold("community"), "building_area": 80}}
    sent = stack.post("/api/centres/js01-c01/inspections", role="inspector", data={"inspection": json.dumps(body)},
                      files=[("photos.building_area", ("面积.jpg", JPEG, "image/jpeg")),
                             ("photos.rooms", ("功能室.jpg", JPEG + b"2", "image/jpeg"))])
    assert sent.status_code == 201, sent.text
    photos = sent.json()["photos"]
    assert [p["filename"] for p in photos["building_area"]] == ["面积.jpg"] and set(photos) == {"building_area", "rooms"}
    latest = stack.get("/api/centres/js01-c01/inspections/latest", role="inspector",
                       params={"kind": "re_inspection"}).json()["inspection"]
    assert latest["id"] == sent.json()["id"] and latest["measurements"]["building_area"] == "80"
    assert latest["failed_items"] == ["building_area"]
    shown = stack.get("/api/inspections/{}/photos/{}".format(latest["id"], photos["building_area"][0]["id"]))
    assert shown.status_code == 200 and shown.content == JPEG and shown.headers["Content-Type"] == "image/jpeg"
    assert stack.get("/api/centres/js01-c01/inspections/latest", role="office", office="国基路街道").status_code == 403
    bad = stack.post("/api/centres/js01-c01/inspections", role="inspector", data={"inspection": json.dumps(body)},
                     files=[("photos.building_area", ("面积.jpg", b"MZ\x90\x00", "image/jpeg"))])
    assert bad.status_code == 400 and "建筑面积" in bad.json()["message"]
    assert stack.get("/api/centres/js01-c01/inspections").json()["total"] == 1


def _pdf_text(tmp_path, response, name):
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf" and response.content[:5] == b"%PDF-"
    path = tmp_path / name
    path.write_bytes(response.content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_record_and_the_notice_print_as_pdf(loaded, tmp_path):
    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        pytest.skip("LibreOffice and poppler-utils are installed by make (Debian packages)")
    stack = loaded
    failed = inspect(stack, "js01-c01", building_area=80, training_days=4).json()
    record = _pdf_text(tmp_path, stack.get(f"/api/inspections/{failed['id']}/record.pdf", role="office", office=OFFICE),
                       "record.pdf")
    squeezed = "".join(record.split())
    for words in ("检查验收单", "四月天社区", OFFICE, "2019年7月15日", "建筑面积", "不低于100m²", "80m²", "不合格",
                  "集中培训时间", "检查人员（签字）"):
        assert words in squeezed, (words, record)
    rect = rectifications(stack, centre_id="js01-c01", status="open")["items"][0]
    notice = "".join(_pdf_text(tmp_path, stack.get(f"/api/rectifications/{rect['id']}/notice.pdf", role="inspector"),
                               "notice.pdf").split())
    for words in ("整改通知书", OFFICE + "：", "四月天社区", "将建筑面积提高到不低于100m²", "集中培训时间", "2019年8月12日"):
        assert words in notice, (words, notice)
    assert stack.get(f"/api/inspections/{failed['id']}/record.pdf", role="office", office="国基路街道").status_code == 403
    assert stack.get(f"/api/rectifications/{rect['id']}/notice.pdf", role="office", office="国基路街道").status_code == 403


def _lose_keys():
    """Delete every stored Idempotency-Key of the gateway: its lease ran out, or the record is gone."""
    client, db = connect("gateway")
    try:
        assert db.idempotency_keys.delete_many({}).deleted_count >= 1
    finally:
        client.close()


def test_a_resend_after_the_gateway_lost_its_key_gets_the_stored_result(loaded):
    stack = loaded
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"kind": "district_acceptance", "measurements": {**at_threshold("community"), "building_area": 80}}
    url = "/api/centres/js01-c01/inspections"
    first = stack.post(url, role="inspector", json=body, headers=key)
    assert first.status_code == 201, first.text
    _lose_keys()
    again = stack.post(url, role="inspector", json=body, headers=key)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") is None, again.text
    assert again.json() == first.json() and len(first.json()["rectifications"]) == 1
    listed = stack.get(url).json()
    assert listed["total"] == 1 and rectifications(stack, centre_id="js01-c01")["total"] == 1

    rect_id = first.json()["rectifications"][0]
    form = {"data": {"note": "已扩建"}, "files": [("evidence", ("整改后照片.jpg", JPEG))]}
    sent = stack.post(f"/api/rectifications/{rect_id}/submissions", role="office", office=OFFICE, headers=key, **form)
    assert sent.status_code == 201, sent.text
    _lose_keys()
    resent = stack.post(f"/api/rectifications/{rect_id}/submissions", role="office", office=OFFICE, headers=key, **form)
    assert resent.status_code == 201 and resent.json() == sent.json(), resent.text
    assert len(resent.json()["submissions"]) == 1
    detail = stack.get("/api/rectifications/" + rect_id).json()
    assert [h["status"] for h in detail["history"]] == ["open", "submitted"]
