"""The gateway's input boundary against the running stack: each input that used to reach a store and
answer 500 (issue 18) is now refused with 400 in the JSON error shape, naming the field; a chunked body
over the limit is 413; a wrong method names the allowed ones; every answer carries the security headers."""
import json
import uuid

import pytest
import requests

OFFICE = "丰庆路街道"
BAD = ("invalid_characters", "请求中含有不允许的字符（空字符或残缺的文字编码），请删除后重试")


@pytest.fixture
def loaded(stack, clock):
    clock.set("2018-01-05T10:00:00+08:00")
    stack.import_jinshui()
    centres = stack.get("/api/centres", params={"office": OFFICE, "limit": 100}).json()["items"]
    stack.centre_id = sorted(c["id"] for c in centres)[0]
    return stack


def refused(response, field):
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["error"], body["message"]) == BAD
    assert field in body["details"], body
    return body


def milestone(stack, owner="office"):
    milestones = stack.get(f"/api/centres/{stack.centre_id}/milestones").json()["milestones"]
    return next(m for m in milestones if m["owner"] == owner)


def multipart(parts, boundary="b0undary"):
    body = b"".join(b"--%s\r\n%s\r\n\r\n%s\r\n" % (boundary.encode(), head, content) for head, content in parts)
    return body + b"--%s--\r\n" % boundary.encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def as_multipart(form):
    return {name: (None, value) for name, value in form.items()}


def test_a_nul_in_the_search_query_is_400(loaded):
    for query in ("q=%00", "q=%ED%A0%80"):
        refused(loaded.get("/api/centres/search?" + query), "q")
    assert loaded.get("/api/centres/search?q=%E5%9B%9B%E6%9C%88").status_code == 200  # 四月: still found


def test_a_nul_in_a_path_segment_is_400(loaded):
    refused(loaded.get(f"/api/centres/{loaded.centre_id}%00/milestones"), "path")
    assert loaded.get(f"/api/centres/{loaded.centre_id}/milestones").status_code == 200


def test_a_nul_or_a_lone_surrogate_in_a_reopen_reason_is_400(loaded):
    key = milestone(loaded)["key"]
    url = f"/api/centres/{loaded.centre_id}/milestones/{key}/reopen"
    for reason in ("原因\u0000", "原因\ud800"):  # sent as the escapes \\u0000 and \\ud800
        refused(loaded.post(url, json={"reason": reason}), "reason")


def test_a_nul_in_a_login_is_400(loaded):
    response = loaded.http.post("/api/session", json={"login": "zhang\u0000", "password": "x"})
    refused(response, "login")


def test_multipart_field_names_with_a_nul_are_400_and_a_clean_report_still_passes(loaded):
    item = milestone(loaded)
    url = f"/api/centres/{loaded.centre_id}/milestones/{item['key']}/progress"
    data, headers = multipart([(b'Content-Disposition: form-data; name="st\x00atus"', b"done")])
    refused(loaded.http.post(url, data=data, headers={**headers, **loaded.headers("office", OFFICE)}), "body")
    data, headers = multipart([(b'Content-Disposition: form-data; name="note"', b"\xed\xa0\x80")])
    refused(loaded.http.post(url, data=data, headers={**headers, **loaded.headers("office", OFFICE)}), "note")
    form = {"status": "in_progress", "percent": "30", "based_on_version": str(item["version"]),
            "idempotency_key": uuid.uuid4().hex}
    done = loaded.post(url, files=as_multipart(form), role="office", office=OFFICE)
    assert done.status_code == 200, done.text
    again = loaded.post(url, files=as_multipart(form), role="office", office=OFFICE)  # the key in the form replays the answer
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == done.json()


def test_a_csrf_token_sent_as_a_form_field_is_the_sessions_not_the_routes(loaded, web_config_port):
    item = milestone(loaded)
    temporary = loaded.rpc.gateway.create_user({"login": "zhang", "name": "张三", "mobile": None, "email": None,
                                                "role": "office", "office": OFFICE})["temporary_password"]
    with requests.Session() as person:
        base = f"http://127.0.0.1:{web_config_port}"
        csrf = person.post(base + "/api/session", json={"login": "zhang", "password": temporary}).json()["csrf_token"]
        person.post(base + "/api/session/password", headers={"X-CSRF-Token": csrf},
                    json={"current_password": temporary, "new_password": "Wenhua-2017!"}).raise_for_status()
        url = f"{base}/api/centres/{loaded.centre_id}/milestones/{item['key']}/progress"
        form = {"status": "in_progress", "percent": "40", "based_on_version": str(item["version"])}
        assert person.post(url, files=as_multipart(form)).json()["error"] == "csrf_failed"
        response = person.post(url, files=as_multipart({**form, "csrf_token": csrf}))
        assert response.status_code == 200, response.text  # not refused as an unknown field


def test_a_month_of_year_zero_is_400_not_500(loaded):
    for month in ("0000-01", "9999-12", "1999-12"):
        response = loaded.post("/api/monthly-reports", json={"centre_id": loaded.centre_id, "month": month,
                                                              "figures": {"activities": 3}})
        assert response.status_code == 400, response.text
        assert "2000-01 到 2100-12" in response.json()["details"]["month"][0]
    for path in (f"/api/monthly-reports/{loaded.centre_id}/0000-01", "/api/monthly-reports?office=x&month=0000-01",
                 "/api/indicators/status?as_of=0001-01-01", "/api/reports/progress.xlsx?as_of=9999-12-31"):
        assert loaded.get(path).status_code == 400, path
    assert loaded.post("/api/monthly-reports/schedule", json={"from": "0000-01"}).status_code == 400


def test_a_chunked_json_body_over_the_limit_is_413(loaded):
    note = "x" * (21 * 1024 * 1024)
    body = json.dumps({"centre_id": loaded.centre_id, "month": "2018-01", "figures": {"activities": 1}, "note": note}).encode()

    def chunks():  # a generator: requests sends it chunked, without a Content-Length
        for start in range(0, len(body), 1 << 20):
            yield body[start:start + (1 << 20)]
    response = loaded.http.post("/api/monthly-reports", data=chunks(),
                                headers={"Content-Type": "application/json", **loaded.headers("admin")})
    assert response.status_code == 413, response.text[:300]
    assert response.json()["error"] == "payload_too_large"


def test_a_wrong_method_is_405_with_allow(loaded):
    response = loaded.http.delete("/api/offices", headers=loaded.headers("admin"))
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD"}
    assert response.json()["error"] == "http_405"


def test_security_headers_on_pages_and_api_answers(loaded):
    for response in (loaded.http.get("/"), loaded.http.get(f"/s/{loaded.centre_id}"), loaded.get("/api/offices"),
                     loaded.http.get("/api/offices"), loaded.http.get("/no/such/page")):
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], response.url
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "camera=(self)" in headers["Permissions-Policy"] and "geolocation=(self)" in headers["Permissions-Policy"]
