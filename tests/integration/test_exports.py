"""Export jobs against the real broker, store and object store (docs/exports.md): a city of 305 centres (the
Jinshui table in Jinshui and a generated table in Xinmi) with a direct-download limit of 50 centres. The direct
download is refused with the way to the job; the job moves queued -> running -> done with its rows growing page by
page, its file is the workbook of every centre of the city; another account cannot see it; a job whose runner died
is marked failed and restarts; each export is audited."""
import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from services.gateway import progress_export
from tests.support.paths import JINSHUI_CSV
from tests.support.waiting import wait_for

DEMO_TREE = JINSHUI_CSV.replace("jinshui_2017.csv", "areas_demo.csv")
XINMI_OFFICES, XINMI_CENTRES = 10, 20  # 200 centres, with Jinshui's 105: 305 in Zhengzhou


def xinmi_table():
    lines = ["编号,中心名称,级别,街道办事处,完成时限,试点,备注"]
    for o in range(1, XINMI_OFFICES + 1):
        for c in range(1, XINMI_CENTRES + 1):
            lines.append(f"xm{o:02d}-c{c:02d},新密第{o}社区{c},社区,新密第{o}街道,2018.06,否,")
    return "\n".join(lines).encode("utf-8")


@pytest.fixture
def limits():
    from nameko import config

    with config.patch({"EXPORT_DIRECT_CENTRES": 50, "EXPORT_TICK_SECONDS": 0.3}):
        yield


@pytest.fixture
def city(limits, stack, run_cli, monkeypatch):
    code, out, err = run_cli("areas", "import", DEMO_TREE)
    assert code == 0, err
    assert stack.upload_allocation(district="410105").status_code == 200
    response = stack.upload_allocation(name="新密.csv", content=xinmi_table(), district="410183")
    assert response.status_code == 200 and len(response.json()["added"]) == 200, response.text
    wait_for(lambda: stack.get("/api/areas/4101/rollup").json()["area"]["centres"] == 305, timeout=180)
    monkeypatch.setattr(progress_export, "PAGE", 4)  # 8 pages: the progress is seen to grow
    page = progress_export._Sheets.page

    def slow_page(self, *args):
        page(self, *args)
        time.sleep(0.6)
    monkeypatch.setattr(progress_export._Sheets, "page", slow_page)
    return stack


def gateway_db():
    from shared.mongo import connect

    return connect("gateway")


def follow(stack, job_id, headers=None, timeout=180):
    """Every answer of GET /api/exports/<id> until the job is done or failed."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = stack.http.get(f"/api/exports/{job_id}", headers=headers or stack.headers("admin"))
        assert response.status_code == 200, response.text
        seen.append(response.json())
        if seen[-1]["state"] in ("done", "failed"):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"export still {seen[-1]['state']} after {timeout} s")


def test_a_city_is_exported_by_a_job_with_its_progress_for_its_owner_only(city):
    stack = city
    refused = stack.get("/api/reports/progress.xlsx", params={"area": "4101"})
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "export_job_required" and "305 个中心" in body["message"] and "导出任务" in body["message"]
    assert body["details"]["job"] == {"method": "POST", "path": "/api/exports",
                                      "body": {"kind": "progress", "area": "4101", "as_of": body["details"]["job"]["body"]["as_of"]}}

    started = stack.post("/api/exports", json={"kind": "progress", "area": "4101"})
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["state"] == "queued" and job["total"] == 305 and job["rows"] == 0 and job["file"] is None
    seen = follow(stack, job["id"])
    states = [s["state"] for s in [job] + seen]
    order = {"queued": 0, "running": 1, "done": 2}
    assert states == sorted(states, key=order.__getitem__) and states[-1] == "done" and "running" in states, states
    running = [s["rows"] for s in seen if s["state"] == "running"]
    assert running == sorted(running) and len({r for r in running if 0 < r < 305}) >= 2, running  # grows page by page
    assert all(0 <= s["percent"] <= 100 for s in seen)
    done = seen[-1]
    assert done["rows"] == 305 and done["percent"] == 100.0 and done["file"] == f"/api/exports/{job['id']}/file"

    response = stack.get(done["file"])
    assert response.status_code == 200 and response.headers["ETag"], response.text
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames[:4] == ["中心进度", "街道排名", "分阶段进度", "中心名单"]
    rows = list(book["中心进度"].iter_rows(values_only=True))
    assert rows[2][0] == "序号" and len(rows) == 3 + 305 and [r[0] for r in rows[3:]] == list(range(1, 306))
    assert {r[1] for r in rows[3:]} >= {"丰庆路街道", "新密第10街道"}
    centres = list(book["中心名单"].iter_rows(values_only=True))
    assert len(centres) == 1 + 305 and len({r[0] for r in centres[1:]}) == 305
    ranking = list(book["街道排名"].iter_rows(values_only=True))
    assert len(ranking) == 1 + 27 + 3 and ranking[28][1:3] == ("合计", 305)
    part = stack.get(done["file"], headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == response.content[:4]

    # another account, even of the same role, sees neither the job nor its file
    other = {"Authorization": "Bearer " + stack.rpc.gateway.create_token("admin", None, "另一位管理员")["token"]}
    jinshui = {"Authorization": "Bearer " + stack.rpc.gateway.create_token("admin", None, "金水区", "410105")["token"]}
    for headers in (other, jinshui):
        for url in (f"/api/exports/{job['id']}", done["file"]):
            assert stack.http.get(url, headers=headers).status_code == 404
        assert stack.http.post(f"/api/exports/{job['id']}/restart", headers=headers).status_code == 404
    # a district bureau cannot export another district
    assert stack.http.post("/api/exports", json={"kind": "progress", "area": "410183"}, headers=jinshui).status_code == 403

    audit = stack.get("/api/audit", params={"limit": 100}).json()["items"]
    kinds = [(e["kind"], e["target"]) for e in audit]
    assert ("export_requested", job["id"]) in kinds and ("export_downloaded", job["id"]) in kinds


def test_a_job_whose_runner_died_is_failed_and_restarts(city):
    stack = city
    job = stack.post("/api/exports", json={"kind": "progress", "area": "410183"}).json()
    assert follow(stack, job["id"])[-1]["state"] == "done"
    client, db = gateway_db()
    try:  # as a runner killed mid-way leaves it: running, its last beat long ago
        db.export_jobs.update_one({"_id": job["id"]}, {"$set": {"state": "running", "rows": 80, "key": None,
                                                                "beat": datetime.now(UTC) - timedelta(hours=1)}})
        failed = stack.get(f"/api/exports/{job['id']}").json()
        assert failed["state"] == "failed" and "重新导出" in failed["error"] and failed["file"] is None
        assert stack.get(f"/api/exports/{job['id']}/file").status_code == 409
        # the timer of any replica marks a dead runner's job failed too, without anyone asking
        other = stack.post("/api/exports", json={"kind": "progress", "area": "410105"}).json()
        assert follow(stack, other["id"])[-1]["state"] == "done"
        db.export_jobs.update_one({"_id": other["id"]}, {"$set": {"state": "running",
                                                                  "beat": datetime.now(UTC) - timedelta(hours=1)}})
        wait_for(lambda: db.export_jobs.find_one({"_id": other["id"]})["state"] == "failed", timeout=30)
    finally:
        client.close()
    restarted = stack.post(f"/api/exports/{job['id']}/restart")
    assert restarted.status_code == 202 and restarted.json()["state"] == "queued" and restarted.json()["attempt"] == 2
    done = follow(stack, job["id"])[-1]
    assert done["state"] == "done" and done["rows"] == 200
    book = load_workbook(io.BytesIO(stack.get(done["file"]).content), read_only=True)
    assert len(list(book["中心名单"].iter_rows(values_only=True))) == 201
    assert stack.post(f"/api/exports/{job['id']}/restart").status_code == 202  # a finished job can be made again
    busy = stack.post(f"/api/exports/{job['id']}/restart")
    assert busy.status_code == 409 and busy.json()["message"] == "导出任务正在进行，无需重新开始"


def test_a_small_area_is_still_downloaded_directly(limits, stack, run_cli):
    code, out, err = run_cli("areas", "import", DEMO_TREE)
    assert code == 0, err
    table = "\n".join(["编号,中心名称,级别,街道办事处,完成时限,试点,备注"] +
                      [f"xm01-c{c:02d},新密社区{c},社区,新密第1街道,2018.06,否," for c in range(1, 11)]).encode("utf-8")
    assert stack.upload_allocation(name="新密.csv", content=table, district="410183").status_code == 200
    wait_for(lambda: stack.get("/api/areas/410183/rollup").json()["area"]["centres"] == 10, timeout=120)
    response = stack.get("/api/reports/progress.xlsx", params={"area": "410183"})
    assert response.status_code == 200, response.text
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True)["中心进度"].iter_rows(values_only=True))
    assert len(rows) == 3 + 10 and rows[3][1] == "新密第1街道"
