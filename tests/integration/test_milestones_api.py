"""Milestones through the HTTP API, against the real broker and store."""
import hashlib

import eventlet
import pytest
import requests

from tests.support.milestones import OFFICE, history, milestones, report
from tests.support.reporting import PACE_KEYS
from tests.support.waiting import wait_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"
PILOT_KEYS = ["p1_plan", "p2_pilot_built", "p2_lessons", "p3_construction", "p3_signage", "p4_self_check",
              "p4_acceptance", "p5_rectification"]
OTHER_KEYS = [k for k in PILOT_KEYS if not k.startswith("p2_")]
PHASE_ENDS = {"p1_plan": "2017-04-30", "p2_pilot_built": "2017-06-30", "p2_lessons": "2017-06-30",
              "p3_signage": "2019-06-30", "p4_self_check": "2019-09-30", "p4_acceptance": "2019-09-30",
              "p5_rectification": "2019-12-31"}
TOTAL = 100 * len(OTHER_KEYS) + 5 * len(PILOT_KEYS)


@pytest.fixture
def loaded(stack, clock):
    """The Jinshui table imported on 2017-03-01, with every milestone created by the events."""
    clock.set("2017-03-01")
    stack.import_jinshui()
    wait_for(lambda: stack.get("/api/progress").json()["totals"]["total"] == TOTAL, "milestones of all 105 centres")
    return stack


def test_generated_milestones_follow_the_plan_for_each_level_and_pilots(loaded):
    stack = loaded
    for centre_id in ("js01-c01", "js02-s", "js05-v01"):  # pilots: community, sub-district, village
        got = milestones(stack, centre_id)
        assert list(got) == PILOT_KEYS
        assert got["p3_construction"]["due"] == "2017-06-30"
        assert {k: m["due"] for k, m in got.items() if k != "p3_construction"} == PHASE_ENDS
    for centre_id in ("js01-s", "js01-c02", "js01-v01"):  # non-pilots of each level
        got = milestones(stack, centre_id)
        assert list(got) == OTHER_KEYS
        assert got["p3_construction"]["due"] == "2017-12-31"
        assert {k: m["due"] for k, m in got.items() if k != "p3_construction"} == \
            {k: v for k, v in PHASE_ENDS.items() if not k.startswith("p2_")}
    m = milestones(stack, "js01-c01")
    assert m["p4_acceptance"]["owner"] == m["p5_rectification"]["owner"] == "inspection"
    assert m["p3_signage"]["owner"] == "office" and m["p3_signage"]["title"] == "统一标识挂牌"
    assert {x["status"] for x in m.values()} == {"not_started"} and {x["version"] for x in m.values()} == {1}
    synced = stack.rpc.milestones.sync_centres()
    assert {k: synced[k] for k in ("offices", "centres", "reconciled", "created", "redated", "moved")} == {
        "offices": 17, "centres": 105, "reconciled": 0, "created": 0, "redated": 0, "moved": 0}


def test_office_sees_and_reports_only_its_own_centres(loaded):
    stack = loaded
    assert milestones(stack, "js01-c01", role="office", office=OFFICE)
    assert stack.get("/api/centres/js02-s/milestones", role="office", office=OFFICE).status_code == 403
    assert stack.get("/api/centres/js02-s/history", role="office", office=OFFICE).status_code == 403

    other = report(stack, "js02-s", "p1_plan", status="done", based_on_version=1)
    assert other.status_code == 403 and other.json()["message"].startswith("只能填报本街道办事处的中心")
    assert list(other.json()["details"]) == ["office"] and other.json()["details"]["office"][0].startswith("数据属于")
    owned = report(stack, "js01-c01", "p4_acceptance", status="done", based_on_version=1)
    assert owned.status_code == 403 and "由验收结果自动设置" in owned.json()["message"]
    assert owned.json()["details"] == {"role": ["仅由系统自动处理"]}
    by_admin = report(stack, "js01-c01", "p5_rectification", role="admin", office=None, status="done", based_on_version=1)
    assert by_admin.status_code == 403
    inspector = report(stack, "js01-c01", "p1_plan", role="inspector", office=None, status="done", based_on_version=1)
    assert inspector.status_code == 403 and inspector.json()["details"] == {"role": ["仅限区文化主管部门、街道办事处"]}

    page = stack.get("/api/milestones", role="office", office=OFFICE, params={"phase": 3}).json()
    assert page["total"] == 16 and {m["office"] for m in page["items"]} == {OFFICE}
    assert stack.get("/api/milestones", role="office", office=OFFICE, params={"office": "国基路街道"}).status_code == 403

    assert milestones(stack, "js02-s")["p1_plan"]["version"] == 1  # nothing changed
    refused = [h for h in history(stack, "js02-s") if h["outcome"] == "refused"]
    assert [(h["key"], h["actor"]["office"], h["error"]["code"]) for h in refused] == [("p1_plan", OFFICE, "forbidden")]
    # the inspector is refused by the gateway (the route's row, progress.report), before any centre is read;
    # the attempts the milestones service refuses (another office's centre, a milestone set by results) are audited
    refused = [(h["key"], h["role"]) for h in history(stack, "js01-c01") if h["outcome"] == "refused"]
    assert refused == [("p4_acceptance", "office"), ("p5_rectification", "admin")]


def test_stale_version_conflicts_done_needs_an_admin_reopen(loaded):
    stack = loaded
    blocked = report(stack, "js01-c02", "p1_plan", status="blocked", based_on_version=1)
    assert blocked.status_code == 400 and "reason" in blocked.json()["details"]
    missing = report(stack, "js01-c02", "p1_plan", status="done")
    assert missing.status_code == 400 and "based_on_version" in missing.json()["details"]

    first = report(stack, "js01-c02", "p1_plan", status="in_progress", percent=40, note="已完成摸底", based_on_version=1)
    assert first.status_code == 200 and first.json()["version"] == 2 and first.json()["percent"] == 40
    stale = report(stack, "js01-c02", "p1_plan", status="in_progress", percent=60, based_on_version=1)
    assert stale.status_code == 409 and stale.json()["error"] == "conflict"
    done = report(stack, "js01-c02", "p1_plan", status="done", based_on_version=2)
    assert done.json()["status"] == "done" and done.json()["percent"] == 100
    back = report(stack, "js01-c02", "p1_plan", status="in_progress", based_on_version=3)
    assert back.status_code == 409 and "status" in back.json()["details"]

    url = "/api/centres/js01-c02/milestones/p1_plan/reopen"
    assert stack.post(url, role="office", office=OFFICE, json={"reason": "想改"}).status_code == 403
    assert stack.post(url, json={"reason": ""}).status_code == 400
    reopened = stack.post(url, json={"reason": "方案登记有误"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress" and reopened.json()["version"] == 4

    entries = history(stack, "js01-c02")
    accepted = [(h["version"], h["kind"], h["after"]["status"]) for h in entries if h["outcome"] == "accepted" and h["key"] == "p1_plan"]
    assert accepted == [(1, "created", "not_started"), (2, "progress", "in_progress"), (3, "progress", "done"),
                        (4, "reopen", "in_progress")]
    assert entries[-1]["before"]["status"] == "done" and entries[-1]["actor"]["role"] == "admin"
    refused = [(h["kind"], h["error"]["code"]) for h in entries if h["outcome"] == "refused"]
    # refused input is audited too (issue 9): the blocked report without a reason, the one without a version;
    # the office's reopen is refused by the gateway (the route's row, milestones.reopen) before the service
    assert refused == [("progress", "invalid_input"), ("progress", "invalid_input"), ("progress", "conflict"),
                       ("progress", "conflict")]


def test_concurrent_updates_have_one_winner_per_version_and_lose_nothing(loaded, web_config_port):
    stack = loaded
    base = f"http://127.0.0.1:{web_config_port}"
    url = base + "/api/centres/js01-c03/milestones/p3_construction/progress"
    headers = stack.headers("office", OFFICE)

    def post(i, version):
        return requests.post(url, headers=headers, timeout=60, json={
            "status": "in_progress", "percent": i % 100, "note": f"第{i}次", "based_on_version": version})

    pool = eventlet.GreenPool(20)
    codes = sorted(r.status_code for r in pool.imap(lambda i: post(i, 1), range(1, 21)))
    assert codes == [200] + [409] * 19

    def until_accepted(i):  # each writer re-reads and retries until its own change is in
        while True:
            version = milestones(stack, "js01-c03")["p3_construction"]["version"]
            response = post(100 + i, version)
            if response.status_code == 200:
                return response.json()["version"]
            assert response.status_code == 409, response.text

    won = sorted(pool.imap(until_accepted, range(1, 21)))
    assert won == list(range(3, 23))  # one winner per version

    entries = [h for h in history(stack, "js01-c03") if h["key"] == "p3_construction"]
    accepted = [h for h in entries if h["outcome"] == "accepted"]
    assert [h["version"] for h in accepted] == list(range(1, 23))
    notes = [h["after"]["note"] for h in accepted[2:]]
    assert sorted(notes) == sorted(f"第{100 + i}次" for i in range(1, 21))  # no change lost
    for earlier, later in zip(accepted[1:], accepted[2:]):
        assert later["before"]["note"] == earlier["after"]["note"]  # each built on the one before
    refused = [h for h in entries if h["outcome"] == "refused"]
    assert len(refused) >= 19 and {h["error"]["code"] for h in refused} == {"conflict"}
    assert milestones(stack, "js01-c03")["p3_construction"]["version"] == 22


def evidence_count():
    from shared.mongo import connect

    client, db = connect("milestones")
    try:
        return db.evidence.count_documents({})
    finally:
        client.close()


def test_evidence_is_checked_and_refused_evidence_stores_nothing(loaded):
    from nameko import config

    stack = loaded
    bad_type = report(stack, "js01-c04", "p3_signage", files=[("evidence", ("photo.png", PNG)),
                                                               ("evidence", ("virus.png", b"MZ\x90\x00not a png"))],
                      status="in_progress", based_on_version="1")
    assert bad_type.status_code == 400 and list(bad_type.json()["details"]) == ["evidence[1]"]
    renamed = report(stack, "js01-c04", "p3_signage", files=[("evidence", ("scan.jpg", PDF))],
                     status="in_progress", based_on_version="1")
    assert renamed.status_code == 400
    with config.patch({"EVIDENCE_MAX_BYTES": 1024}):
        big = report(stack, "js01-c04", "p3_signage", files=[("evidence", ("big.pdf", PDF + b"0" * 2000))],
                     status="in_progress", based_on_version="1")
    assert big.status_code == 413 and big.json()["error"] == "payload_too_large"
    assert evidence_count() == 0 and milestones(stack, "js01-c04")["p3_signage"]["version"] == 1

    ok = report(stack, "js01-c04", "p3_signage", files=[("evidence", ("挂牌.png", PNG)), ("evidence", ("验收单.pdf", PDF))],
                status="done", note="已挂牌", based_on_version="1")
    assert ok.status_code == 200, ok.text
    files = ok.json()["evidence"]
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("挂牌.png", "image/png", len(PNG)), ("验收单.pdf", "application/pdf", len(PDF))]
    assert files[0]["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert evidence_count() == 2

    download = stack.get("/api/evidence/" + files[1]["id"])
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert stack.get("/api/evidence/" + files[1]["id"], role="office", office="国基路街道").status_code == 403

    refused = [h["error"]["code"] for h in history(stack, "js01-c04") if h["outcome"] == "refused"]
    assert refused == ["invalid_input", "invalid_input", "payload_too_large"]


def test_reassignment_and_new_deadline_follow_the_assignment_events(loaded):
    from tests.support.paths import JINSHUI_CSV

    stack = loaded
    stack.rpc.assignment.reassign_centre("js01-c02", {"office": "国基路街道", "reason": "区划调整"},
                                         {"role": "admin", "name": "test"})
    wait_for(lambda: stack.get("/api/centres/js01-c02/milestones").json()["centre"]["office"] == "国基路街道",
             "the move to reach milestones")
    assert stack.get("/api/centres/js01-c02/milestones", role="office", office=OFFICE).status_code == 403
    moved = report(stack, "js01-c02", "p1_plan", office="国基路街道", status="done", based_on_version=1)
    assert moved.status_code == 200

    with open(JINSHUI_CSV, encoding="utf-8") as fh:
        text = fh.read().replace("js17-c03,西里路社区,社区,杜岭街道,2017.12", "js17-c03,西里路社区,社区,杜岭街道,2017.09")
    text = text.replace("js01-c02,安泰社区,社区,丰庆路街道", "js01-c02,安泰社区,社区,国基路街道")
    assert stack.upload_allocation(name="new.csv", content=text.encode("utf-8")).json()["status"] == "applied"
    wait_for(lambda: milestones(stack, "js17-c03")["p3_construction"]["due"] == "2017-09-30", "the new deadline")
    redated = [h for h in history(stack, "js17-c03") if h["kind"] == "due_changed"]
    assert len(redated) == 1 and redated[0]["before"]["due"] == "2017-12-31" and redated[0]["after"]["due"] == "2017-09-30"
    office_log = stack.get(f"/api/offices/{OFFICE}/history", params={"limit": 5}).json()
    assert office_log["items"][0]["kind"] == "moved_out" and office_log["items"][0]["centre_id"] == "js01-c02"


def test_inspection_results_set_their_milestones_once(loaded):
    from nameko import config
    from nameko.standalone.events import event_dispatcher

    stack = loaded
    dispatch = event_dispatcher(uri=config["AMQP_URI"])
    at = "2019-08-01T09:00:00+08:00"
    dispatch("inspections", "inspection_recorded", {"inspection_id": "i1", "centre_id": "js02-s", "office": "国基路街道",
                                                    "kind": "district", "result": "pass", "at": at})
    dispatch("inspections", "inspection_recorded", {"inspection_id": "i0", "centre_id": "js02-s", "office": "国基路街道",
                                                    "kind": "self_check", "result": "pass", "at": at})
    for _ in range(2):  # delivered twice: must still count once
        dispatch("inspections", "centre_accepted", {"centre_id": "js02-s", "office": "国基路街道", "inspection_id": "i1", "at": at})
    dispatch("inspections", "rectification_completed", {"centre_id": "js02-s", "office": "国基路街道", "at": at})

    def settled():
        m = milestones(stack, "js02-s")
        return all(m[k]["status"] == "done" for k in ("p4_self_check", "p4_acceptance", "p5_rectification")) and m
    got = wait_for(settled, "inspection results")
    assert got["p4_acceptance"]["version"] == 2 and got["p4_self_check"]["version"] == 2
    system = [h for h in history(stack, "js02-s") if h["kind"] == "system"]
    assert sorted(h["key"] for h in system) == ["p4_acceptance", "p4_self_check", "p5_rectification"]
    assert {(h["actor"]["role"], h["actor"]["name"]) for h in system} == {("system", "inspections")}


def test_lost_events_are_repaired_by_sync(loaded):
    from shared.mongo import connect

    stack = loaded
    client, db = connect("milestones")
    try:  # as if the registration of two centres had never arrived
        for collection in (db.milestone_revisions, db.milestones):
            collection.delete_many({"centre_id": {"$in": ["js17-c03", "js05-v01"]}})
        db.centres.delete_many({"_id": {"$in": ["js17-c03", "js05-v01"]}})
    finally:
        client.close()
    assert stack.get("/api/centres/js17-c03/milestones").status_code == 404
    assert stack.rpc.milestones.sync_centres()["created"] == len(OTHER_KEYS) + len(PILOT_KEYS)
    assert list(milestones(stack, "js05-v01")) == PILOT_KEYS
    assert stack.rpc.milestones.sync_centres()["created"] == 0


def test_rollup_ranks_offices_and_replays_as_of(loaded, clock):
    stack = loaded
    clock.set("2017-06-10")
    for centre_id in ("js01-s", "js01-c01", "js01-c02"):
        assert report(stack, centre_id, "p1_plan", status="done", based_on_version=1).status_code == 200
    assert report(stack, "js02-c01", "p1_plan", office="国基路街道", status="blocked", reason="选址未定",
                  based_on_version=1).status_code == 200

    # /api/progress reads the read model (reporting), which follows the events: wait for the last report
    now = wait_for(lambda: (lambda body: body if body["totals"]["blocked"] == 1 else None)(
        stack.get("/api/progress", params={"phase": 1}).json()), "the read model to take the reports")
    counts = {k: v for k, v in now["totals"].items() if k not in PACE_KEYS}  # 序时进度: test_reporting_pace.py
    assert counts == {"total": 105, "not_started": 101, "in_progress": 0, "blocked": 1, "done": 3,
                             "overdue": 102, "percent_done": 2.9}
    first = now["offices"][0]
    assert (first["office"], first["done"], first["total"], first["percent_done"], first["rank"]) == (OFFICE, 3, 8, 37.5, 1)
    assert {o["rank"] for o in now["offices"][1:]} == {2}
    row = [r for r in now["rows"] if r["office"] == "国基路街道"][0]
    assert (row["phase"], row["total"], row["blocked"], row["overdue"]) == (1, 5, 1, 5)

    before = stack.get("/api/progress", params={"as_of": "2017-06-09", "office": OFFICE}).json()
    assert before["totals"]["done"] == 0 and [o["office"] for o in before["offices"]] == [OFFICE]
    assert before["totals"]["total"] == 6 * 7 + 8 and before["totals"]["overdue"] == 8  # p1_plan due 2017-04-30
    later = stack.get("/api/progress", params={"as_of": "2017-07-01", "office": OFFICE, "level": "community"}).json()
    assert later["totals"]["done"] == 2 and later["totals"]["overdue"] == 3 + 3  # p1 x3 and the pilot's p2 x2 + p3
    assert stack.get("/api/progress", params={"phase": 7}).status_code == 400
    assert stack.get("/api/progress", params={"as_of": "tomorrow"}).status_code == 400

    # open items are the read model's (reporting.open_items); one centre's past replays its own revisions
    past = milestones(stack, "js01-c01", as_of="2017-07-01")
    assert {k for k, m in past.items() if m["status"] != "done"} == set(PILOT_KEYS) - {"p1_plan"}
    assert past["p3_construction"]["due"] == "2017-06-30" and past["p3_construction"]["overdue"]
    assert milestones(stack, "js01-c01", as_of="2017-06-09")["p1_plan"]["status"] == "not_started"


def test_milestone_list_is_paginated_and_documented(loaded):
    stack = loaded
    first = stack.get("/api/milestones", params={"office": OFFICE, "phase": 3, "limit": 10}).json()
    second = stack.get("/api/milestones", params={"office": OFFICE, "phase": 3, "limit": 10, "offset": 10}).json()
    assert first["total"] == second["total"] == 16 and len(first["items"]) == 10 and len(second["items"]) == 6
    ids = [(m["centre_id"], m["key"]) for m in first["items"] + second["items"]]
    assert len(set(ids)) == 16 and {m["office"] for m in first["items"]} == {OFFICE}
    assert ids == sorted(ids)  # centres in id order, each centre's milestones in plan order
    bad = stack.get("/api/milestones", params={"office": OFFICE, "status": "finished"})
    assert bad.status_code == 400 and "status" in bad.json()["details"]
    # district-wide would read every milestone of the programme: an office is required (one office at a time)
    whole = stack.get("/api/milestones", params={"phase": 3})
    assert whole.status_code == 400 and list(whole.json()["details"]) == ["office"]

    spec = stack.http.get("/openapi.json").json()
    for path in ("/api/centres/{centre_id}/milestones", "/api/centres/{centre_id}/milestones/{key}/progress",
                 "/api/centres/{centre_id}/history", "/api/progress", "/api/milestones"):
        assert path in spec["paths"], path
    health = stack.http.get("/healthz").json()
    assert health["checks"]["milestones"] == "ok"
