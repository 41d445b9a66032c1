"""What the gateway answers for each kind of failure, as a table (like nameko-examples'
gateway/test/unit/test_entrypoints.py), and the pieces of issue 9 that need no broker:
idempotency decisions, backoff, deadlines, input bounds, working days far away, the
OpenAPI document, logging config, the supervisor."""
import json
import os
import subprocess
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from marshmallow import ValidationError
from nameko.exceptions import BadRequest, RemoteError, serialize
from werkzeug.exceptions import MethodNotAllowed, RequestEntityTooLarge
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway import boundary
from services.gateway.http import _CannedErrors, error_response, json_body
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized
from tests.support.paths import ROOT


def remote(exc_type, value="boom"):
    return RemoteError(exc_type, value)


class Boom(Exception):
    pass


ERRORS = [
    # (exception, status, error code)
    (InvalidInput("输入有误", {"x": ["bad"]}), 400, "invalid_input"),
    (Unauthorized("未登录"), 401, "unauthorized"),
    (Forbidden("不允许"), 403, "forbidden"),
    (NotFound("不存在"), 404, "not_found"),
    (Conflict("冲突"), 409, "conflict"),
    (Conflict("键已用过").with_code("idempotency_conflict"), 409, "idempotency_conflict"),
    (PayloadTooLarge("太大"), 413, "payload_too_large"),
    (ServiceUnavailable("里程碑服务在 5 秒内没有响应"), 503, "service_unavailable"),
    (RouteNotFound(), 404, "not_found"),
    (MethodNotAllowed(valid_methods=["GET"]), 405, "http_405"),
    (RequestEntityTooLarge(), 413, "payload_too_large"),
    (BadRequest("args"), 400, "bad_request"),
    (RecursionError(), 400, "invalid_input"),
    (OverflowError("int too big"), 400, "invalid_input"),
    (remote("OverflowError"), 400, "invalid_input"),
    (remote("UnknownService"), 503, "service_unavailable"),
    (remote("ServerSelectionTimeoutError"), 503, "service_unavailable"),
    (remote("AutoReconnect"), 503, "service_unavailable"),
    (type("ServerSelectionTimeoutError", (Exception,), {})(), 503, "service_unavailable"),
    (remote("KeyError"), 500, "internal_error"),
    (Boom(), 500, "internal_error"),
]


@pytest.mark.parametrize("exc,status,code", ERRORS, ids=[type(e).__name__ + str(s) for e, s, _ in ERRORS])
def test_every_error_is_json_with_a_chinese_message(exc, status, code):
    response = error_response(exc)
    assert response.status_code == status
    assert response.content_type.startswith("application/json")
    body = json.loads(response.get_data(as_text=True))
    assert set(body) == {"error", "message", "details"} and body["error"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_typed_errors_cross_rpc_with_their_status():
    from nameko.exceptions import deserialize

    back = deserialize(serialize(ServiceUnavailable("网关数据库暂不可用", {"service": ["store"]})))
    assert isinstance(back, ServiceUnavailable) and back.status == 503 and back.details == {"service": ["store"]}


@pytest.mark.parametrize("raw,status", [
    (b"HTTP/1.0 414 Request URI Too Long\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 414),
    (b"HTTP/1.0 400 Header Line Too Long\r\nConnection: close\r\nContent-length: 0\r\n\r\n", 431),
    (b"HTTP/1.0 400 Headers Too Large\r\nConnection: close\r\nContent-length: 0\r\n\r\n", 431),
])
def test_eventlets_own_error_answers_go_out_as_json(raw, status):
    written = []
    _CannedErrors(type("W", (), {"write": lambda self, data: written.append(data)})()).write(raw)
    head, _, body = written[0].partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.0 {status}".encode()) and b"application/json" in head
    assert json.loads(body)["error"] == f"http_{status}"


def admitted(data=b"", mimetype="application/json"):
    """A request as a route gets it: through the input boundary."""
    request = Request(EnvironBuilder(method="POST", data=data, content_type=mimetype).get_environ())
    boundary.admit(request)
    return request


@pytest.mark.parametrize("data,mimetype,detail", [
    (b"", "application/json", "JSON object required"),
    (b"", "application/x-www-form-urlencoded", "send a JSON object with Content-Type: application/json"),
    (b"{", "application/json", "invalid JSON"),
    (b"[1]", "application/json", "JSON object required"),
    (b"[" * 10000 + b"]" * 10000, "application/json", "nested too deeply"),
    (b"\xff\xfe", "application/json", "invalid JSON"),
])
def test_json_bodies_are_refused_with_a_clear_message(data, mimetype, detail):
    with pytest.raises(InvalidInput) as caught:
        json_body(admitted(data, mimetype))
    assert caught.value.details["body"] == [detail]


# --- idempotency ---------------------------------------------------------------------------------

def test_idempotency_decisions():
    from services.gateway.idempotency import decide

    now = datetime(2026, 1, 1, tzinfo=UTC)
    done = {"hash": "h", "state": "done", "created_at": now}
    assert decide(None, "h", now) == "run"
    assert decide(done, "h", now) == "replay"
    with pytest.raises(Conflict) as other:
        decide(done, "other body", now)
    assert other.value.code == "idempotency_conflict" and other.value.status == 409
    running = {"hash": "h", "state": "pending", "started_at": now}
    assert decide(running, "h", now + timedelta(seconds=1)) == "wait"  # never a 409 for the same request
    assert decide(running, "h", now + timedelta(seconds=31)) == "take_over"  # its gateway died mid-request


def test_idempotency_a_retry_waits_for_its_first_attempt_and_gets_its_stored_answer():
    """The first attempt's write was stored while the retry came in (a dropped connection, a resent outbox
    item): the retry waits and replays the stored answer; it is never told 409."""
    import mongomock

    from services.gateway.idempotency import KeyStore, settle

    store = KeyStore(mongomock.MongoClient(tz_aware=True).db.keys)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    store.begin("k", "h", now)
    waits = []

    def first_attempt_finishes(seconds):
        waits.append(seconds)
        if len(waits) == 3:
            store.keys.update_one({"_id": "k"}, {"$set": {"state": "done", "status": 200, "body": b"{}"}})

    existing = store.begin("k", "h", now)
    action, record = settle(store, "k", "h", existing, waiting=(lambda: now + timedelta(seconds=len(waits)), first_attempt_finishes))
    assert (action, record["status"], len(waits)) == ("replay", 200, 3)


def test_idempotency_a_retry_whose_first_attempt_died_takes_it_over_after_the_lease():
    import mongomock

    from services.gateway.idempotency import KeyStore, settle

    store = KeyStore(mongomock.MongoClient(tz_aware=True).db.keys)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    store.begin("k", "h", now)
    waits = []
    action, _ = settle(store, "k", "h", store.begin("k", "h", now), waiting=(lambda: now + timedelta(seconds=10 * len(waits)),
                                                                            waits.append))
    assert action == "take_over" and len(waits) == 4


def test_an_idempotency_record_is_guarded_by_its_id():
    import mongomock

    from services.gateway.idempotency import KeyStore

    store = KeyStore(mongomock.MongoClient(tz_aware=True).db.keys)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert store.begin("k", "h", now) is None
    assert store.begin("k", "h", now)["state"] == "pending"  # the second gets the first's record


# --- backoff, deadlines, bounds -------------------------------------------------------------------

def test_backoff_grows_is_capped_and_jittered():
    import random

    from shared.retry import backoff_seconds

    rng = random.Random(7)
    delays = [backoff_seconds(n, 1, 30, rng=rng) for n in range(1, 9)]
    assert all(0.5 * min(30, 2 ** (n - 1)) <= d <= min(30, 2 ** (n - 1)) for n, d in zip(range(1, 9), delays))
    assert backoff_seconds(10 ** 6, 1, 30) <= 30  # a huge attempt number does not overflow
    assert backoff_seconds(3, 1, 30, full_jitter=False) == 4


def test_a_request_past_its_deadline_is_expired():
    from shared.rpc import DEADLINE_KEY, expired, rpc_timeout

    assert expired({DEADLINE_KEY: time.time() - 1})
    assert not expired({DEADLINE_KEY: time.time() + 5})
    assert not expired({}) and not expired({DEADLINE_KEY: "garbage"})
    assert rpc_timeout("milestones", "report_progress") == 4
    assert rpc_timeout("assignment", "import_allocation") == 120


@pytest.mark.parametrize("field,value", [("percent", 50.5), ("percent", "50.5"), ("percent", True),
                                         ("based_on_version", 2 ** 70), ("based_on_version", 1e300),
                                         ("based_on_version", 0)])
def test_progress_numbers_must_be_whole_and_in_range(field, value):
    from shared.schemas.milestones import ProgressUpdateSchema

    with pytest.raises(ValidationError) as caught:
        ProgressUpdateSchema().load({"status": "in_progress", "based_on_version": 1, field: value})
    assert field in caught.value.messages


@pytest.mark.parametrize("query", [{"offset": str(2 ** 63)}, {"offset": str(2 ** 64)}, {"limit": str(2 ** 63)},
                                   {"limit": "0"}, {"offset": "-1"}, {"limit": "1.5"}])
def test_pages_are_bounded(query):
    from shared.schemas.common import PageSchema

    with pytest.raises(ValidationError):
        PageSchema().load(query)


@pytest.mark.parametrize("day", ["2143-01-21", "1999-12-31", "9999-12-31"])
def test_dates_outside_the_documented_range_are_refused(day):
    from shared.schemas.notifications import OverdueQuerySchema

    with pytest.raises(ValidationError) as caught:
        OverdueQuerySchema().load({"as_of": day})
    assert "2000-01-01" in caught.value.messages["as_of"][0]


def test_counting_working_days_does_not_depend_on_the_distance(monkeypatch):
    from services.notifications.rules import count_workdays
    from shared import workdays
    from shared.workdays import workdays_between

    asked = []
    real = workdays.is_workday
    monkeypatch.setattr(workdays, "is_workday", lambda day: asked.append(day) or real(day))
    workdays._prefix.cache_clear()
    far = workdays_between(date(2018, 1, 1), date(9999, 12, 31))
    assert far > 2_000_000
    assert len(asked) < 9000  # the covered years once (a prefix sum), not 2.9 million days one by one
    asked.clear()
    assert workdays_between(date(2100, 1, 1), date(9999, 12, 31)) > 2_000_000 and asked == []
    assert workdays_between(date(2017, 12, 29), date(2018, 1, 2)) == 1  # New Year holiday
    assert workdays_between(date(2143, 1, 1), date(2143, 1, 8)) == 5  # Monday-Friday beyond the data
    assert count_workdays(date(2018, 1, 1), date(2143, 1, 21), cap=10) == 11


# --- documents and configuration ------------------------------------------------------------------

def test_openapi_document_is_valid():
    from openapi_spec_validator import OpenAPIV30SpecValidator

    import services.gateway.service  # noqa: F401  (registers every route's description)
    from services.gateway.openapi import build_spec

    spec = build_spec()
    errors = [str(e)[:200] for e in OpenAPIV30SpecValidator(spec).iter_errors()]
    assert errors == []
    progress = spec["paths"]["/api/centres/{centre_id}/milestones/{key}/progress"]["post"]
    assert set(progress["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert {p["name"] for p in progress["parameters"] if p["in"] == "path"} == {"centre_id", "key"}


def test_nameko_logging_keeps_worker_errors():
    import logging
    import logging.config

    import nameko.containers  # noqa: F401  (its logger exists before the config is applied, as in `nameko run`)

    with open(os.path.join(ROOT, "deploy", "nameko.yaml"), encoding="utf-8") as fh:
        text = fh.read().replace("${LOG_LEVEL:INFO}", "INFO")
    logging_config = yaml.safe_load(text)["LOGGING"]
    assert logging_config["disable_existing_loggers"] is False
    logger = logging.getLogger("nameko.containers")
    try:
        logging.config.dictConfig(logging_config)
        assert not logger.disabled and logger.isEnabledFor(logging.ERROR)
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})


def test_empty_smtp_host_means_email_off():
    from nameko import config

    from services.notifications import planning
    from shared.settings import settings

    contact = {"id": "c", "email": "a@example.org", "webhook": "http://127.0.0.1:9/hook", "webhook_format": "json"}
    with config.patch({"SMTP_HOST": ""}):
        assert not settings().emails_enabled
        assert [c for c, _, _ in planning.channels_of(contact)] == ["webhook"]
    with config.patch({"SMTP_HOST": "mail.example.org"}):
        assert [c for c, _, _ in planning.channels_of(contact)] == ["email", "webhook"]


def test_inspection_owned_milestones_notify_the_bureau_with_what_is_awaited():
    from services.notifications import messages, planning
    from services.notifications.items import milestone_item
    from services.notifications.rules import Step

    raw = {"centre_id": "js01-c02", "centre_name": "安泰社区", "office": "丰庆路街道", "due": "2018-06-30",
           "title": "通过区级检查验收"}
    acceptance = milestone_item({**raw, "key": "p4_acceptance"})
    own_work = milestone_item({**raw, "key": "p3_construction", "title": "建设施工"})
    step = Step("overdue_1", "overdue", 1, 1)
    contacts = [{"id": "b", "scope": "bureau", "office": None, "role": "staff"},
                {"id": "o", "scope": "office", "office": "丰庆路街道", "role": "staff"}]
    assert planning.inbox_for(step, acceptance) == planning.BUREAU_INBOX
    assert [c["id"] for c in planning.contacts_for(step, acceptance, contacts)] == ["b"]
    text = messages.text(acceptance, step)
    assert "验收人员" in text and "更新进度" not in text
    assert planning.inbox_for(step, own_work) == "丰庆路街道"
    assert "更新进度" in messages.text(own_work, step)


def test_compose_restarts_every_service():
    with open(os.path.join(ROOT, "docker-compose.yml"), encoding="utf-8") as fh:
        services = yaml.safe_load(fh)["services"]
    assert services and all(spec.get("restart") in ("unless-stopped", "always") for spec in services.values())
    assert "MAX_WORKERS" in services["gateway"]["environment"]  # more workers for the one that waits on RPCs


def test_the_supervisor_restarts_a_service_that_exits(tmp_path):
    """deploy/scripts/supervise.sh with a stand-in ``nameko`` that exits at once: it is started again,
    with a longer wait each time, and every restart is logged."""
    fake = tmp_path / "nameko"
    runs = tmp_path / "runs"
    fake.write_text(f"#!/bin/sh\necho \"$MAX_WORKERS $*\" >> {runs}\nexit 3\n")
    fake.chmod(0o755)
    env = {**os.environ, "NAMEKO": str(fake), "LOG_DIR": str(tmp_path), "RUN_DIR": str(tmp_path),
           "SUPERVISOR_LOG": str(tmp_path / "supervisor.log")}
    proc = subprocess.Popen(["bash", "-c", "source deploy/scripts/supervise.sh; supervise gateway GatewayService"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        from tests.support.waiting import wait_for
        log_file = tmp_path / "supervisor.log"  # each restart is logged after its run has exited
        wait_for(lambda: runs.exists() and len(runs.read_text().splitlines()) >= 2 and log_file.exists()
                 and len(log_file.read_text().splitlines()) >= 2, "two starts and their restarts logged", timeout=30)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert runs.read_text().splitlines()[0] == "50 run --config deploy/nameko.yaml services.gateway.service:GatewayService"
    log = (tmp_path / "supervisor.log").read_text().splitlines()
    assert "gateway exited (status 3); restarting in 1s" in log[0] and "restarting in 2s" in log[1]
