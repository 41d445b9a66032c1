"""The allocation table through the HTTP API, against the real broker and store."""
import io
from collections import Counter

from openpyxl import Workbook

from tests.support.paths import JINSHUI_CSV

# Annex 2 of the Jinshui plan: office -> (sub-district, community, village)
EXPECTED_COUNTS = {
    "丰庆路街道": (1, 5, 2), "国基路街道": (1, 4, 0), "杨金路街道": (1, 0, 1), "兴达路街道": (1, 0, 3),
    "未来路街道": (1, 5, 1), "凤凰台街道": (1, 3, 2), "丰产路街道": (1, 8, 0), "花园路街道": (1, 5, 0),
    "经八路街道": (1, 5, 0), "文化路街道": (1, 7, 0), "南阳路街道": (1, 5, 0), "大石桥街道": (1, 4, 0),
    "南阳新村街道": (1, 6, 0), "人民路街道": (1, 4, 0), "东风路街道": (1, 8, 2), "北林路街道": (1, 5, 0),
    "杜岭街道": (1, 3, 0),
}
PILOTS = {"四月天社区", "国基路街道综合文化服务中心", "燕庄村", "省卫生厅社区", "经八路街道综合文化服务中心"}


def all_centres(stack, **filters):
    response = stack.get("/api/centres", params={"limit": 1000, **filters})
    assert response.status_code == 200, response.text
    return response.json()


def test_import_reproduces_every_office_and_the_five_pilots(stack):
    report = stack.import_jinshui()
    assert report["status"] == "applied"
    assert len(report["added"]) == 105

    page = stack.get("/api/offices").json()
    assert (page["total"], page["limit"], page["offset"]) == (17, 1000, 0)
    offices = page["items"]
    assert [o["name"] for o in offices] == list(EXPECTED_COUNTS)
    assert [o["seq"] for o in offices] == list(range(1, 18))
    for office in offices:
        assert (office["subdistrict"], office["community"], office["village"]) == EXPECTED_COUNTS[office["name"]]
    assert sum(o["total"] for o in offices) == 105

    page = all_centres(stack)
    assert page["total"] == 105
    assert Counter(c["level"] for c in page["items"]) == {"subdistrict": 17, "community": 77, "village": 11}
    pilots = all_centres(stack, pilot="true")["items"]
    assert {c["name"] for c in pilots} == PILOTS
    assert {c["deadline"] for c in pilots} == {"2017-06-30"}


def test_offices_in_pages_bounds_and_one_office(stack):
    from shared.errors import NotFound

    stack.import_jinshui()
    names = []
    for offset in range(0, 17, 5):
        page = stack.get("/api/offices", params={"offset": offset, "limit": 5}).json()
        assert (page["total"], page["limit"], page["offset"]) == (17, 5, offset) and len(page["items"]) <= 5
        names += [o["name"] for o in page["items"]]
    assert names == list(EXPECTED_COUNTS)
    assert stack.get("/api/offices", params={"offset": 17}).json() == {"items": [], "total": 17, "limit": 1000,
                                                                        "offset": 17}
    for params, field in (({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"offset": -1}, "offset"),
                          ({"limit": "many"}, "limit"), ({"colour": "red"}, "colour")):
        bad = stack.get("/api/offices", params=params)
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_input", params
        assert list(bad.json()["details"]) == [field], params

    office = stack.rpc.assignment.get_office("丰庆路街道")
    assert (office["name"], office["seq"], office["total"], office["village"], office["pilots"]) == ("丰庆路街道", 1, 8, 2, 1)
    try:
        stack.rpc.assignment.get_office("不存在街道")
        raise AssertionError("unknown office found")
    except NotFound as exc:
        assert "不存在" in exc.message and exc.details == {"office": ["不存在街道"]}
    # every check of one office reads it by _id: an unknown office is refused by the gateway and notifications
    created = stack.post("/api/users", json={"login": "nobody1", "name": "x", "role": "office", "office": "不存在街道"})
    assert created.status_code == 400 and created.json()["details"] == {"office": ["unknown office"]}


def test_filters_pagination_and_single_centre(stack):
    stack.import_jinshui()
    page = all_centres(stack, office="东风路街道", level="village")
    assert [c["name"] for c in page["items"]] == ["十二里屯村", "白庙村"]
    first = stack.get("/api/centres", params={"limit": 10, "offset": 0}).json()
    second = stack.get("/api/centres", params={"limit": 10, "offset": 10}).json()
    assert first["total"] == 105 and len(first["items"]) == 10
    assert not {c["id"] for c in first["items"]} & {c["id"] for c in second["items"]}

    centre = stack.get("/api/centres/js01-c01").json()
    assert centre["name"] == "四月天社区" and centre["pilot"] is True and centre["level"] == "community"
    missing = stack.get("/api/centres/nope-404")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"

    bad = stack.get("/api/centres", params={"level": "town"})
    assert bad.status_code == 400 and "level" in bad.json()["details"]


def test_reimport_changes_nothing_and_a_changed_file_reports_moves(stack):
    stack.import_jinshui()
    again = stack.import_jinshui()
    assert again["status"] == "unchanged" and again["unchanged"] == 105

    with open(JINSHUI_CSV, encoding="utf-8") as fh:
        text = fh.read()
    text = text.replace("js01-c02,安泰社区,社区,丰庆路街道", "js01-c02,安泰社区,社区,国基路街道")
    text = text.replace("js17-c03,西里路社区,社区,杜岭街道,2017.12", "js17-c03,西里路社区,社区,杜岭街道,2017.09")
    text += "js17-c04,新建社区,社区,杜岭街道,2017.12,否,\n"
    report = stack.upload_allocation(name="changed.csv", content=text.encode("utf-8")).json()
    assert report["status"] == "applied"
    assert report["added"] == ["js17-c04"]
    assert sorted(report["changed"]) == ["js01-c02", "js17-c03"]
    assert report["moved"] == ["js01-c02"]
    assert stack.get("/api/centres/js01-c02").json()["office"] == "国基路街道"
    assert stack.get("/api/centres/js17-c03").json()["deadline"] == "2017-09-30"


def test_excel_import_matches_csv(stack):
    import csv

    book = Workbook()
    sheet = book.active
    with open(JINSHUI_CSV, encoding="utf-8") as fh:
        for row in csv.reader(fh):
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    report = stack.upload_allocation(name="分配表.xlsx", content=buffer.getvalue()).json()
    assert report["status"] == "applied" and len(report["added"]) == 105
    assert stack.import_jinshui()["status"] == "unchanged"


def assert_nothing_stored(stack):
    assert stack.get("/api/centres").json()["total"] == 0


def test_bad_rows_are_all_reported_and_nothing_is_written(stack):
    content = ("编号,中心名称,级别,街道办事处,完成时限,试点,备注\n"
               "js01-s,丰庆路街道综合文化服务中心,街道,丰庆路街道,2017.12,否,\n"
               "js01-c01,四月天社区,乡,丰庆路街道,2017.06,是,\n"         # unknown level
               "js01-c02,安泰社区,社区,丰庆路街道,明年,否,\n"              # malformed deadline
               "js01-s,重复中心,社区,丰庆路街道,2017.12,否,\n"             # duplicate id
               ",无编号社区,社区,丰庆路街道,2017.12,否,\n"                 # missing id
               "js01-c03,泰和社区,社区,丰庆路街道,2017.12,也许,\n")        # bad pilot flag
    response = stack.upload_allocation(name="bad.csv", content=content.encode("utf-8"))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_input" and "未写入任何数据" in body["message"]
    problems = {(d["line"], d["field"]) for d in body["details"]}
    assert problems == {(3, "level"), (4, "deadline"), (5, "id"), (6, "id"), (7, "pilot")}
    assert_nothing_stored(stack)


def test_wrong_file_type_non_utf8_and_oversized_upload(stack, monkeypatch):
    from nameko import config

    wrong = stack.upload_allocation(name="table.pdf", content=b"%PDF-1.4")
    assert wrong.status_code == 400 and "file" in wrong.json()["details"]

    gbk = "编号,中心名称,级别,街道办事处,完成时限\njs01-s,中心,街道,丰庆路街道,2017.12\n".encode("gbk")
    response = stack.upload_allocation(name="gbk.csv", content=gbk)
    assert response.status_code == 400 and "UTF-8" in response.json()["message"]

    fake_xlsx = stack.upload_allocation(name="table.xlsx", content=b"not a zip")
    assert fake_xlsx.status_code == 400

    with config.patch({"MAX_UPLOAD_BYTES": 2048}):
        big = stack.upload_allocation(name="big.csv", content=b"x" * 4096)
    assert big.status_code == 413 and big.json()["error"] == "payload_too_large"
    assert_nothing_stored(stack)


def test_auth_missing_token_bad_token_and_wrong_role(stack):
    stack.import_jinshui()
    assert stack.http.get("/api/offices").status_code == 401
    bad = stack.http.get("/api/offices", headers={"Authorization": "Bearer cct_nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "unauthorized"

    office_upload = stack.upload_allocation(role="office", office="丰庆路街道", name="x.csv", content=b"id\n")
    assert office_upload.status_code == 403 and office_upload.json()["error"] == "forbidden"
    inspector_upload = stack.upload_allocation(role="inspector", name="x.csv", content=b"id\n")
    assert inspector_upload.status_code == 403
    assert stack.get("/api/offices", role="office", office="丰庆路街道").status_code == 200
    assert stack.get("/api/centres").json()["total"] == 105


def test_reassign_is_admin_only_audited_and_emits_event(stack):
    from shared.errors import Conflict, Forbidden, InvalidInput

    stack.import_jinshui()
    admin = {"role": "admin", "name": "test"}
    office = {"role": "office", "office": "丰庆路街道"}
    try:
        stack.rpc.assignment.reassign_centre("js01-c02", {"office": "国基路街道", "reason": "区划调整"}, office)
        raise AssertionError("office reassigned a centre")
    except Forbidden:
        pass
    try:
        stack.rpc.assignment.reassign_centre("js01-c02", {"office": "不存在街道", "reason": "x"}, admin)
        raise AssertionError("unknown office accepted")
    except InvalidInput as exc:
        assert "office" in exc.details
    moved = stack.rpc.assignment.reassign_centre("js01-c02", {"office": "国基路街道", "reason": "区划调整"}, admin)
    assert moved["office"] == "国基路街道" and moved["version"] == 2
    try:
        stack.rpc.assignment.reassign_centre("js01-c02", {"office": "丰庆路街道", "reason": "x", "expected_version": 1}, admin)
        raise AssertionError("stale version accepted")
    except Conflict:
        pass
    history = stack.rpc.assignment.centre_history("js01-c02")
    assert [h["version"] for h in history] == [1, 2]
    assert history[1]["reason"] == "区划调整" and history[1]["actor"]["role"] == "admin"


def test_openapi_and_health(stack):
    spec = stack.http.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/centres" in spec["paths"] and "/api/imports/allocation" in spec["paths"]
    assert "CentreSchema" in spec["components"]["schemas"] or "Centre" in spec["components"]["schemas"]
    health = stack.http.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_an_import_in_chunks_reaches_milestones_and_the_read_model(stack, monkeypatch):
    """Three centres_registered batches (chunks of 40): every centre gets its milestones, and the read
    model holds them all, with the office counters the import keeps."""
    from services.assignment import commands
    from tests.support.waiting import wait_for

    monkeypatch.setattr(commands, "CHUNK", 40)
    report = stack.import_jinshui()
    assert report["status"] == "applied" and len(report["added"]) == 105
    total = 100 * 6 + 5 * 8  # milestones: 6 per centre, 8 per pilot

    def planned():
        states = stack.rpc.milestones.states_of_centres({"centre_ids": report["added"]})
        return len(states)
    wait_for(lambda: planned() == total, "every centre's milestones")
    wait_for(lambda: stack.get("/api/progress").json()["totals"]["total"] == total, "the read model")
    offices = stack.get("/api/offices").json()["items"]
    assert [o["total"] for o in offices] == [sum(EXPECTED_COUNTS[o["name"]]) for o in offices]
