"""Issue 9 against the real broker and store (in-process stack): hostile input gets JSON 4xx,
Idempotency-Key, a redelivered request that recognises its own write, a stopped service
(503 within the bound, other routes answering, a late write not applied), failed event
handlers retried, parked and replayed, and the rectification defects."""
import json
import socket
import uuid

import pytest

from tests.support.inspections import JPEG, PDF, inspect, milestone_status, rectifications, submit
from tests.support.milestones import OFFICE, history, milestones, report
from tests.support.paths import JINSHUI_CSV
from tests.support.services import service_classes
from tests.support.stack import Stack, configure
from tests.support.waiting import wait_for

CENTRE = "js01-c02"


@pytest.fixture
def loaded(stack, clock):
    clock.set("2017-03-01")
    stack.import_jinshui()
    wait_for(lambda: milestones(stack, CENTRE).get("p1_plan"), "milestones of " + CENTRE)
    return stack


def raw_http(port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split()[1]), head, body


def assert_json_error(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.text[:300])
    body = response.json()
    assert set(body) == {"error", "message", "details"}, body
    if code:
        assert body["error"] == code, body
    return body


def test_hostile_input_gets_json_4xx_never_500(loaded, web_config_port):
    stack = loaded
    huge = str(2 ** 63)
    for url in ("/api/centres", "/api/milestones", "/api/rectifications", "/api/overdue",
                f"/api/offices/{OFFICE}/history", "/api/notifications"):
        for param in ("offset", "limit"):
            assert_json_error(stack.get(url, params={param: huge}), 400)
    assert_json_error(stack.get("/api/overdue", params={"as_of": "2143-01-21"}), 400)  # used to hang
    assert_json_error(stack.get("/api/progress", params={"as_of": "2143-01-21"}), 400)
    assert_json_error(stack.get(f"/api/centres/{CENTRE}/milestones", params={"as_of": "2143-01-21"}), 400)

    assert_json_error(report(stack, CENTRE, "p1_plan", status="in_progress", percent=50.5, based_on_version=1), 400)
    for version in (2 ** 70, 1e300):
        assert_json_error(report(stack, CENTRE, "p1_plan", status="in_progress", based_on_version=version), 400)
    refused = [h for h in history(stack, CENTRE) if h["outcome"] == "refused"]
    assert [h["error"]["code"] for h in refused] == ["invalid_input"] * 3  # every refusal is audited
    assert milestones(stack, CENTRE)["p1_plan"]["version"] == 1  # nothing stored

    url = f"/api/centres/{CENTRE}/milestones/p1_plan/reopen"
    deep = "[" * 10000 + "]" * 10000
    json_headers = {**stack.headers("admin"), "Content-Type": "application/json"}
    assert_json_error(stack.http.post(url, data=deep, headers=json_headers), 400)
    form = assert_json_error(stack.post(url, data={"reason": "x"}), 400)
    assert "JSON" in form["message"] and "表单" in form["message"]

    assert_json_error(stack.get("/api/no-such-route"), 404, "not_found")
    assert_json_error(stack.get("/api/centres/js01%2Fc02"), 404)
    assert_json_error(stack.http.delete("/api/offices"), 405)

    def chunks():  # a generator body: requests sends it chunked, without Content-Length
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        block = b"x" * (1024 * 1024)
        for _ in range(21):
            yield block
        yield b"\r\n--b--\r\n"
    big = stack.http.post("/api/imports/allocation", data=chunks(), headers={
        **stack.headers("admin"), "Content-Type": "multipart/form-data; boundary=b"})
    assert_json_error(big, 413, "payload_too_large")

    status, head, body = raw_http(web_config_port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 414 and json.loads(body)["error"] == "http_414"
    status, head, body = raw_http(web_config_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 +
                                  b"\r\n\r\n")
    assert status == 431 and json.loads(body)["error"] == "http_431"


def test_idempotency_key_replays_and_a_redelivered_request_recognises_its_write(loaded):
    stack = loaded
    url = f"/api/centres/{CENTRE}/milestones/p3_construction/progress"
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"status": "in_progress", "percent": 30, "note": "地基完成", "based_on_version": 1}
    headers = {**stack.headers("office", OFFICE), **key}
    first = stack.http.post(url, json=body, headers=headers)
    assert first.status_code == 200 and first.json()["version"] == 2
    again = stack.http.post(url, json=body, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = stack.http.post(url, json={**body, "percent": 40}, headers=headers)
    assert_json_error(other, 409, "idempotency_conflict")
    too_long = stack.http.post(url, json=body, headers={**headers, "Idempotency-Key": "k" * 201})
    assert_json_error(too_long, 400)

    # multipart forms carry the key as a form field; the boundary differs on every retry
    form = {"status": "in_progress", "percent": "50", "based_on_version": "2", "idempotency_key": uuid.uuid4().hex}
    files = [("evidence", ("现场.jpg", JPEG, "image/jpeg"))]
    sent = [stack.post(url, role="office", office=OFFICE, data=form, files=files) for _ in range(2)]
    assert [r.status_code for r in sent] == [200, 200] and sent[0].json() == sent[1].json()
    assert milestones(stack, CENTRE)["p3_construction"]["version"] == 3

    # the same RPC delivered twice (the service crashed before acknowledging it): one revision
    actor = {"role": "office", "office": OFFICE, "name": "t"}
    update = {"status": "in_progress", "percent": 60, "based_on_version": 3}
    one = stack.rpc.milestones.report_progress(CENTRE, "p3_construction", update, actor, "req-1")
    two = stack.rpc.milestones.report_progress(CENTRE, "p3_construction", update, actor, "req-1")
    assert one["version"] == two["version"] == 4
    accepted = [h for h in history(stack, CENTRE) if h["key"] == "p3_construction" and h["outcome"] == "accepted"]
    assert [h["version"] for h in accepted] == [1, 2, 3, 4]
    with pytest.raises(Exception) as stale:  # another request based on the same version is refused
        stack.rpc.milestones.report_progress(CENTRE, "p3_construction", update, actor, "req-2")
    assert type(stale.value).__name__ == "Conflict"


@pytest.fixture
def no_milestones(rabbit_config, web_config, mongo_prefix, runner_factory, web_session):
    """The stack with the milestones service stopped (its queues exist, nobody consumes them)."""
    from nameko import config
    from nameko.standalone.rpc import ClusterRpcClient

    config["RPC_TIMEOUT_SECONDS"] = 30  # as in the stack fixture, until the test narrows it
    configure()
    milestones_cls = [c for c in service_classes() if c.name == "milestones"]
    first = runner_factory(*milestones_cls)
    first.start()
    first.stop()
    runner_factory(*[c for c in service_classes() if c.name != "milestones"]).start()
    with ClusterRpcClient(uri=config["AMQP_URI"], timeout=60) as rpc:
        stack = Stack(web_session, rpc)
        stack.start_milestones = lambda: runner_factory(*milestones_cls).start()
        yield stack


def test_a_stopped_service_gets_503_quickly_and_a_late_write_is_not_applied(no_milestones, clock):
    stack = no_milestones
    clock.set("2017-03-01")
    from nameko import config

    with open(JINSHUI_CSV, "rb") as fh:
        response = stack.upload_allocation(content=fh.read())
    assert response.status_code == 200, response.text
    stack.token("office", OFFICE)
    config["RPC_TIMEOUT_SECONDS"] = 2  # after the token: creating one asks the assignment service
    answer = report(stack, CENTRE, "p1_plan", status="in_progress", note="迟到的写入", based_on_version=1)
    body = assert_json_error(answer, 503, "service_unavailable")
    assert "里程碑服务" in body["message"] and "2 秒" in body["message"]
    assert stack.get("/api/centres/" + CENTRE).status_code == 200  # other routes keep answering
    health = stack.http.get("/healthz")
    assert health.status_code == 503 and "里程碑服务" in health.json()["message"]

    stack.start_milestones()
    wait_for(lambda: stack.get(f"/api/centres/{CENTRE}/milestones").status_code == 200, "milestones back")
    wait_for(lambda: milestones(stack, CENTRE).get("p1_plan"), "the registration events applied")
    entries = history(stack, CENTRE)
    assert not [h for h in entries if (h.get("after") or {}).get("note") == "迟到的写入"]  # refused: deadline passed
    assert milestones(stack, CENTRE)["p1_plan"]["version"] == 1


def test_a_failing_handler_is_retried_parked_and_replayed(loaded, run_cli, monkeypatch, clock):
    from nameko import config
    from pymongo.errors import ServerSelectionTimeoutError

    from services.milestones import commands

    stack = loaded
    config.update({"HANDLER_MAX_ATTEMPTS": 3, "HANDLER_RETRY_BASE_SECONDS": 0.05, "HANDLER_RETRY_MAX_SECONDS": 0.1})
    calls = []
    real = commands.system_complete

    def store_down(*args, **kwargs):
        calls.append(args[2])
        raise ServerSelectionTimeoutError("store unreachable")
    monkeypatch.setattr(commands, "system_complete", store_down)
    clock.set("2019-07-15T10:00:00+08:00")  # phase 4: self-checks
    own = inspect(stack, "js01-c01", kind="self_check", role="office", office=OFFICE)
    assert own.status_code == 201, own.text

    def parked():
        code, out, _ = run_cli("events", "dead-letters", "--json")
        return code == 0 and json.loads(out)
    letters = wait_for(parked, "the event parked")
    assert len(calls) == 3 and len(letters) == 1
    assert letters[0]["handler"] == "on_inspection_recorded" and letters[0]["attempts"] == 3
    assert "ServerSelectionTimeoutError" in letters[0]["error"]
    assert milestone_status(stack, "js01-c01")["p4_self_check"] != "done"
    code, out, _ = run_cli("events", "dead-letters")
    assert code == 0 and "on_inspection_recorded" in out

    monkeypatch.setattr(commands, "system_complete", real)  # the store is back
    code, out, _ = run_cli("events", "replay", "--all")
    assert code == 0 and "共重新投递 1 条" in out
    assert wait_for(lambda: milestone_status(stack, "js01-c01").get("p4_self_check") == "done", "replayed event")
    code, out, _ = run_cli("events", "dead-letters")
    assert "没有暂存的事件" in out
    code, out, _ = run_cli("events", "replay", "nope")
    assert code == 1 and "没有编号为 nope" in out


def test_rectifications_keep_their_reason_evidence_downloads_and_p5_reopens(stack, clock):
    clock.set("2019-07-15T10:00:00+08:00")
    stack.import_jinshui()
    failed = inspect(stack, "js01-c01", building_area=80)
    assert failed.status_code == 201, failed.text
    rect = rectifications(stack, status="open")["items"][0]
    sent = submit(stack, rect["id"], [("整改后照片.jpg", JPEG), ("培训记录.pdf", PDF)])
    assert sent.status_code == 201, sent.text
    evidence = sent.json()["submissions"][0]["evidence"]
    assert [e["filename"] for e in evidence] == ["整改后照片.jpg", "培训记录.pdf"] and evidence[0]["id"]
    url = "/api/rectifications/{}/evidence/{}".format(rect["id"], evidence[1]["id"])
    download = stack.get(url, role="office", office=OFFICE)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["Content-Type"].startswith("application/pdf")
    assert stack.get(url, role="office", office="国基路街道").status_code == 403
    assert_json_error(stack.get("/api/rectifications/{}/evidence/{}".format(rect["id"], "0" * 64)), 404)

    assert inspect(stack, "js01-c01", kind="re_inspection").json()["result"] == "passed"
    verified = stack.get("/api/rectifications/" + rect["id"]).json()
    assert verified["status"] == "verified"
    assert "低于标准" in verified["reason"] and "达到标准" in (verified["verified_reason"] or "达到标准")
    wait_for(lambda: milestone_status(stack, "js01-c01").get("p5_rectification") == "done", "p5 done")

    later = inspect(stack, "js01-c01", kind="city_check", training_days=4)
    assert later.status_code == 201 and later.json()["result"] == "failed"
    assert wait_for(lambda: milestone_status(stack, "js01-c01").get("p5_rectification") == "in_progress",
                    "p5 reopened by the new rectification")
