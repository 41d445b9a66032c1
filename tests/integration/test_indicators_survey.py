"""The public survey page against the real stack: malformed and flooding submissions refused, good ones
counted; the evaluator import reports every bad row and writes nothing; the QR code is a PNG."""
import re

import pytest

from tests.support.centres import import_centres

pytestmark = pytest.mark.integration

OFFICE = "丰庆路街道"
GOOD = {"facilities": "5", "service": "4", "activities": "4", "opening": "3", "overall": "5", "comment": "很好"}


def token_of(page):
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_survey_refuses_malformed_and_flooding_and_counts_good_answers(stack, clock):
    import_centres(stack, [("sv-c1", "问卷一社区", "community", OFFICE), ("sv-c2", "问卷二社区", "community", OFFICE)])
    clock.set("2018-05-10T10:00:00")
    page = stack.http.get("/s/sv-c1")  # no login
    assert page.status_code == 200 and "问卷一社区" in page.text and "text/html" in page.headers["Content-Type"]
    assert "http://" not in page.text.replace('action="/s/sv-c1"', "")  # nothing from a CDN
    token = token_of(page.text)
    assert stack.http.get("/s/nowhere").status_code == 404

    # filled in too fast (same second as the form was served)
    fast = stack.http.post("/s/sv-c1", data={**GOOD, "token": token})
    assert fast.status_code == 400 and fast.text.count("提交过快") == 1  # said once
    clock.set("2018-05-10T10:01:00")
    # malformed: missing and out-of-range ratings, forged token, honeypot filled
    missing = stack.http.post("/s/sv-c1", data={**GOOD, "overall": "9", "service": "", "token": token})
    assert missing.status_code == 400 and "总体满意度" in missing.text
    assert stack.http.post("/s/sv-c1", data={**GOOD, "token": token[:-1] + "x"}).status_code == 400
    assert stack.http.post("/s/sv-c1", data={**GOOD, "token": "x"}).status_code == 400
    assert stack.http.post("/s/sv-c1", data={**GOOD, "token": token, "website": "http://spam"}).status_code == 400
    # a good answer, then the same client again the same day: refused (429), nothing counted
    good = stack.http.post("/s/sv-c1", data={**GOOD, "token": token})
    assert good.status_code == 200 and "感谢" in good.text, good.text
    again = stack.http.post("/s/sv-c1", data={**GOOD, "token": token})
    assert again.status_code == 429
    # other clients (behind the proxy) are counted
    for n, overall in ((2, "2"), (3, "4")):
        answer = stack.http.post("/s/sv-c1", data={**GOOD, "overall": overall, "token": token},
                                 headers={"X-Forwarded-For": f"10.0.0.{n}"})
        assert answer.status_code == 200
    results = stack.get("/api/survey/results", params={"centre_id": "sv-c1", "month": "2018-05"}).json()
    assert results["responses"] == 3 and results["good"] == 2 and results["average"]["overall"] == round(11 / 3, 2)
    assert results["satisfaction_rate"] == round(200 / 3, 2)
    office = stack.get("/api/survey/results", role="office", office=OFFICE, params={"year": "2018"}).json()
    assert office["responses"] == 3
    # the stored response keeps no address
    assert "127.0.0.1" not in str(stack.rpc.indicators.survey_results({"centre_id": "sv-c1", "month": "2018-05"}))

    qr = stack.get("/api/centres/sv-c1/survey-qr.png")
    assert qr.status_code == 200 and qr.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert qr.headers["X-Survey-URL"].endswith("/s/sv-c1")


def test_evaluator_import_reports_each_bad_row_and_writes_nothing(stack, clock):
    import_centres(stack, [("sv-i1", "导入社区", "community", OFFICE)])
    clock.set("2018-07-01")
    header = "中心编号,日期,设施设备,服务规范,活动内容,开放时间,总体满意度,意见建议\n"
    bad = (header + "sv-i1,2018-06-03,5,5,4,4,5,好\n" + "nowhere,2018-06-03,5,5,4,4,5,\n"
           + "sv-i1,2018-13-01,5,5,4,4,5,\n" + "sv-i1,2018-06-04,5,5,4,4,7,\n").encode("utf-8")
    response = stack.post("/api/survey/imports", files={"file": ("第三方测评.csv", bad)})
    assert response.status_code == 400
    lines = sorted((e["line"], e["field"]) for e in response.json()["details"])
    assert lines == [(3, "centre_id"), (4, "date"), (5, "overall")]
    assert stack.get("/api/survey/results", params={"centre_id": "sv-i1", "year": "2018"}).json()["responses"] == 0
    good = (header + "sv-i1,2018-06-03,5,5,4,4,5,好\n" + "sv-i1,2018-06-04,3,3,3,3,3,\n").encode("utf-8")
    response = stack.post("/api/survey/imports", files={"file": ("第三方测评.csv", good)})
    assert response.status_code == 200 and response.json()["imported"] == 2
    assert stack.post("/api/survey/imports", role="office", office=OFFICE,
                      files={"file": ("x.csv", good)}).status_code == 403
    results = stack.get("/api/survey/results", params={"centre_id": "sv-i1", "month": "2018-06"}).json()
    assert (results["responses"], results["good"]) == (2, 1)
