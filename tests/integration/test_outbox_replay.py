"""The outbox's resend against the real stack: a person's Idempotency-Key is theirs across sessions, so a write
resent after a new login (the first attempt stored, its answer lost) gets the stored answer, never a 409; the
same key from another person is another request."""
import uuid

import requests

from tests.support.browser import OFFICE, PNG, office_centre

PASSWORD = "Wenhua-2017!"


def _person(stack, base, login):
    temporary = stack.rpc.gateway.create_user({"login": login, "name": login, "mobile": None, "email": None,
                                               "role": "office", "office": OFFICE})["temporary_password"]
    with requests.Session() as http:
        csrf = http.post(base + "/api/session", json={"login": login, "password": temporary}).json()["csrf_token"]
        http.post(base + "/api/session/password", headers={"X-CSRF-Token": csrf},
                  json={"current_password": temporary, "new_password": PASSWORD}).raise_for_status()


def _session(base, login):
    http = requests.Session()
    response = http.post(base + "/api/session", json={"login": login, "password": PASSWORD})
    assert response.status_code == 200, response.text
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return http


def test_a_write_resent_after_a_new_login_gets_its_stored_answer(stack, web_config_port):
    stack.import_jinshui()
    base = f"http://127.0.0.1:{web_config_port}"
    _person(stack, base, "zhang")
    _person(stack, base, "zhao")
    centre, own = office_centre(stack)
    url = "{}/api/centres/{}/milestones/{}/progress".format(base, centre["id"], own[0]["key"])
    form = {"status": "in_progress", "percent": "40", "note": "离线时填写", "based_on_version": str(own[0]["version"])}
    key = {"Idempotency-Key": uuid.uuid4().hex}

    first = _session(base, "zhang")
    stored = first.post(url, data=form, files=[("evidence", ("现场.png", PNG))], headers=key)
    first.close()
    # the answer never reached the phone; its person logs in again (a new session) and the outbox resends
    second = _session(base, "zhang")
    resent = second.post(url, data=form, files=[("evidence", ("现场.png", PNG))], headers=key)
    second.close()
    assert stored.status_code == 200, stored.text
    assert resent.status_code == 200 and resent.json() == stored.json()
    assert [e["filename"] for e in resent.json()["evidence"]] == ["现场.png"]
    assert resent.headers.get("Idempotent-Replayed") == "true"

    # another person's request with the same key is theirs: run, and stale now
    other = _session(base, "zhao")
    theirs = other.post(url, json={"status": "in_progress", "percent": 50, "based_on_version": own[0]["version"]}, headers=key)
    other.close()
    assert theirs.status_code == 409 and theirs.json()["error"] != "idempotency_conflict", theirs.text
