"""The gateway's input boundary (services/gateway/boundary.py), without a server: every place a string
can arrive in, NUL and unpaired surrogates refused (also percent-encoded or as JSON escapes), the body
read once and bounded also when chunked, the security headers, and the date and month bounds."""
import hashlib
import json
from io import BytesIO

import pytest
from marshmallow import ValidationError
from nameko import config
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from services.gateway import boundary
from services.gateway.http import error_response, form_fields, json_body
from shared.errors import InvalidInput, PayloadTooLarge
from shared.objects import object_store

NUL, SURROGATE = "\x00", "\ud800"


def request(path="/api/x", method="POST", environ=None, **kwargs):
    built = EnvironBuilder(path=path, method=method, **kwargs).get_environ()
    built.update(environ or {})
    return Request(built, shallow=True)


def refused(req):
    with pytest.raises(InvalidInput) as caught:
        boundary.admit(req)
    assert caught.value.code == "invalid_characters"
    assert caught.value.message.startswith("请求中含有不允许的字符")
    return caught.value.details


def multipart(*parts, boundary_text="b0undary"):
    """A multipart body from (header bytes, content bytes) parts, built by hand so it can hold any byte."""
    body = b"".join(b"--%s\r\n%s\r\n\r\n%s\r\n" % (boundary_text.encode(), head, content) for head, content in parts)
    return body + b"--%s--\r\n" % boundary_text.encode(), f"multipart/form-data; boundary={boundary_text}"


def field(name, value):
    return b'Content-Disposition: form-data; name="%s"' % name, value


def upload(name, filename, content, content_type=b"image/jpeg"):
    return b'Content-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: %s' % (
        name, filename, content_type), content


# --- strings, wherever they are ---------------------------------------------------------------------

@pytest.mark.parametrize("raw_path", ["/api/centres/js17-c02\x00/milestones",  # %00, as the server decodes it
                                      "/api/centres/\xed\xa0\x80/milestones",  # %ED%A0%80: a surrogate in UTF-8
                                      "/api/centres/\xff/milestones"])  # %FF: not UTF-8 at all
def test_a_path_segment_with_nul_or_a_broken_encoding_is_refused(raw_path):
    assert refused(request(environ={"PATH_INFO": raw_path})) == {"path": ["地址含有不允许的字符"]}


@pytest.mark.parametrize("query,name", [("q=%00", "q"), ("q=a%00b", "q"), ("q=%ED%A0%80", "q"), ("q=%ed%b0%80&x=1", "q"),
                                        ("office=1&q%00=2", "query"), ("%ED%A0%80=1", "query")])
def test_query_names_and_values_are_checked(query, name):
    assert name in refused(request(method="GET", query_string=query))


@pytest.mark.parametrize("headers,name", [({"X-Note": "a\x00b"}, "X-Note"), ({"Idempotency-Key": "k\xed\xa0\x80"}, "Idempotency-Key"),
                                          ({"Authorization": "Bearer \x00"}, "Authorization")])
def test_header_values_are_checked(headers, name):
    assert name in refused(request(method="GET", headers=headers))


@pytest.mark.parametrize("document,name", [
    ({"login": "a" + NUL, "password": "x"}, "login"),
    ({"reason": SURROGATE}, "reason"),
    ({"figures": {"activities": "1" + NUL}}, "figures.activities"),
    ({"figures": {"bad" + NUL: 1}}, "figures"),
    ({"bad" + SURROGATE: 1}, "body"),
    ({"items": [{"note": "ok"}, {"note": "\udfff"}]}, "items[1].note"),
    ([[["deep" + NUL]]], "[0][0][0]"),
])
def test_json_keys_and_values_are_checked_at_any_depth(document, name):
    data = json.dumps(document)  # NUL and surrogates travel as the escapes \\u0000 and \\ud800
    assert "\\u" in data
    assert refused(request(data=data, content_type="application/json")) == {
        name: ["字段名含有不允许的字符" if name in ("figures", "body") else "含有不允许的字符"]}


def test_a_deeply_nested_json_document_is_walked_without_recursion():
    data = "[" * 900 + json.dumps(NUL) + "]" * 900
    assert list(refused(request(data=data, content_type="application/json"))) == ["[0]" * 900]


def test_text_that_is_fine_passes_and_an_emoji_is_not_a_lone_surrogate():
    document = {"note": "四月天社区文化中心 🎭 (\\u00e9)", "tags": ["a", {"b": "c"}], "n": 1, "none": None}
    req = request(data=json.dumps(document), content_type="application/json", query_string="q=%E5%9B%9B%E6%9C%88&x=",
                  headers={"X-Note": "caf\xe9"})  # a latin-1 header value is not a surrogate
    boundary.admit(req)
    assert json_body(req) == document


def test_urlencoded_names_and_values_are_checked():
    assert refused(request(data=b"comment=a%00", content_type="application/x-www-form-urlencoded")) == {
        "comment": ["含有不允许的字符"]}
    assert "body" in refused(request(data=b"a%ED%A0%80=1", content_type="application/x-www-form-urlencoded"))


@pytest.mark.parametrize("parts,name,problem", [
    ((field(b"sta\x00tus", b"done"),), "body", "字段名含有不允许的字符"),
    ((field(b"st\xed\xa0\x80atus", b"done"),), "body", "字段名含有不允许的字符"),
    ((field(b"note", b"a\x00b"),), "note", "含有不允许的字符"),
    ((field(b"note", b"a\xed\xa0\x80b"),), "note", "含有不允许的字符"),
    ((upload(b"evidence", b"a\x00.jpg", b"\xff\xd8\xff"),), "evidence", "文件名含有不允许的字符"),
])
def test_multipart_field_names_values_and_file_names_are_checked(parts, name, problem):
    data, content_type = multipart(*parts)
    assert refused(request(data=data, content_type=content_type)) == {name: [problem]}


def test_file_contents_are_bytes_and_are_not_checked():
    content = b"\xff\xd8\xff\xe0\x00\xed\xa0\x80"  # a file may hold any byte
    data, content_type = multipart(field(b"note", "整改完成".encode()), upload(b"evidence", "照片.jpg".encode(), content))
    req = request(data=data, content_type=content_type)
    body = boundary.admit(req)
    assert body.files == [boundary.Upload("evidence", "照片.jpg", "image/jpeg", content)]
    assert boundary.uploads(req, "evidence") == [{"filename": "照片.jpg", "key": hashlib.sha256(content).hexdigest()}]
    assert object_store().get(hashlib.sha256(content).hexdigest()) == content  # the bytes wait in the object store
    assert boundary.uploads(req, "other") == []
    assert req.files["evidence"].read() == content and req.form["note"] == "整改完成"


def test_a_form_that_is_not_multipart_as_declared_is_refused():
    req = request(data=b"garbage", content_type="multipart/form-data; boundary=b0undary")
    with pytest.raises(InvalidInput) as caught:
        boundary.admit(req)
    assert caught.value.message == "表单格式有误，请重新提交"


# --- the body, read once --------------------------------------------------------------------------

def test_the_transport_fields_are_kept_apart_from_the_routes_fields():
    data, content_type = multipart(field(b"csrf_token", b"t1"), field(b"idempotency_key", b"k1"), field(b"status", b"done"),
                                   field(b"status", b"blocked"))
    req = request(data=data, content_type=content_type)
    body = boundary.admit(req)
    assert body.transport == {"csrf_token": "t1", "idempotency_key": "k1"}
    assert body.fields == [("status", "done"), ("status", "blocked")]
    assert form_fields(req) == {"status": "done"}  # the first value, as before
    assert "csrf_token" not in req.form


def test_the_body_is_read_from_the_socket_once():
    class Socket(BytesIO):
        reads = 0

        def read(self, *args):
            Socket.reads += 1
            return super().read(*args)

    req = request(data=b'{"a": 1}', content_type="application/json")
    req.environ["wsgi.input"] = Socket(b'{"a": 1}')
    boundary.admit(req)
    req.shallow = False  # as nameko's handler does before the route runs
    assert (json_body(req), json_body(req), req.get_data()) == ({"a": 1}, {"a": 1}, b'{"a": 1}')
    assert Socket.reads == 1


def test_a_json_route_still_says_what_is_wrong_with_a_body_that_is_not_json():
    for data, content_type, detail in ((b"{", "application/json", "invalid JSON"), (b"a=1", "application/x-www-form-urlencoded",
                                       "send a JSON object with Content-Type: application/json")):
        req = request(data=data, content_type=content_type)
        boundary.admit(req)
        with pytest.raises(InvalidInput) as caught:
            json_body(req)
        assert caught.value.details == {"body": [detail]}


def test_a_body_over_the_limit_is_refused_with_or_without_a_length():
    with config.patch({"MAX_UPLOAD_BYTES": 1000}):
        with pytest.raises(PayloadTooLarge):
            boundary.admit(request(data=b"x" * 1001, content_type="application/json"))
        chunked = {"CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": BytesIO(b"[" + b"1," * 2000 + b"1]")}
        for content_type in ("application/json", "multipart/form-data; boundary=x", "text/plain"):
            with pytest.raises(PayloadTooLarge) as caught:
                boundary.admit(request(content_type=content_type, environ={**chunked, "wsgi.input": BytesIO(b"1" * 1001)}))
            assert caught.value.status == 413
        req = request(content_type="application/json", environ={**chunked, "wsgi.input": BytesIO(b'{"a": "' + b"x" * 900 + b'"}')})
        boundary.admit(req)  # a chunked body within the limit is read whole
        assert len(json_body(req)["a"]) == 900


# --- answers ----------------------------------------------------------------------------------------

def test_every_answer_gets_the_security_headers_and_a_routes_own_value_stands():
    response = boundary.secure(Response("{}", headers={"Referrer-Policy": "no-referrer"}))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Permissions-Policy"].startswith("camera=(self), geolocation=(self), microphone=()")
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_wrong_method_names_the_allowed_ones():
    response = error_response(MethodNotAllowed(valid_methods=["GET", "HEAD"]))
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"


# --- dates and months -------------------------------------------------------------------------------

@pytest.mark.parametrize("month,ok", [("2000-01", True), ("2100-12", True), ("2018-03", True), ("0000-01", False),
                                      ("9999-12", False), ("1999-12", False), ("2101-01", False), ("2018-13", False),
                                      ("2018-3", False), ("２０１８-03", False)])
def test_months_are_bounded_everywhere(month, ok):
    from shared.schemas.indicators import MonthlyQuerySchema, MonthlyReportSchema, SurveyQuerySchema

    for schema, data in ((MonthlyReportSchema(), {"centre_id": "c", "month": month, "figures": {}}),
                         (MonthlyQuerySchema(), {"month": month}), (SurveyQuerySchema(), {"month": month})):
        if ok:
            assert schema.load(data)["month"] == month
        else:
            with pytest.raises(ValidationError) as caught:
                schema.load(data)
            assert "2000-01 到 2100-12" in caught.value.messages["month"][0]


@pytest.mark.parametrize("day,ok", [("2000-01-01", True), ("2100-12-31", True), ("0001-01-01", False), ("9999-12-31", False),
                                    ("1999-12-31", False), ("2101-01-01", False)])
def test_dates_are_bounded_everywhere(day, ok):
    from services.gateway.routes.dashboard import ReportQuerySchema
    from shared.schemas.indicators import StatusQuerySchema

    for schema in (StatusQuerySchema(), ReportQuerySchema()):
        if ok:
            assert schema.load({"as_of": day})["as_of"].isoformat() == day
        else:
            with pytest.raises(ValidationError):
                schema.load({"as_of": day})


def test_the_bounds_are_in_the_api_description():
    import services.gateway.service  # noqa: F401  (registers every route's description)
    from services.gateway.openapi import build_spec
    from shared.schemas.common import DAY_PATTERN, MONTH_PATTERN

    spec = build_spec()
    month = spec["components"]["schemas"]["MonthlyReport"]["properties"]["month"]
    assert month["pattern"] == MONTH_PATTERN and "2000-01 到 2100-12" in month["description"]
    as_of = next(p for p in spec["paths"]["/api/indicators/status"]["get"]["parameters"] if p["name"] == "as_of")["schema"]
    assert as_of["pattern"] == DAY_PATTERN and as_of["format"] == "date"


def test_allocation_deadlines_are_bounded_too():
    from services.assignment.allocation import parse_deadline

    assert parse_deadline("2017.06").isoformat() == "2017-06-30"
    for text in ("0000.01", "9999-12-31", "1999年12月"):
        with pytest.raises(ValueError, match="年份应在 2000 到 2100 之间"):
            parse_deadline(text)
