"""The 通报 against the real stack: the Jinshui table with progress reported in February and March 2018,
a failed inspection, a monthly report; the March 通报 as Word and PDF, read back (python-docx, pdftotext)
and checked against the API's own figures and ranking; its first page as PNG (pdftoppm).

``BULLETIN_PAGE1=docs/bulletin-page1.png`` keeps that first page (how docs/bulletin-page1.png is made)."""
import io
import os
import re
import shutil
import subprocess
from urllib.parse import quote

import pytest
from docx import Document

from services.gateway.bulletins import rules
from tests.support.inspections import inspect
from tests.support.reporting import TOTAL, progress, report
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
FEBRUARY = [("js01-s", "丰庆路街道"), ("js01-c01", "丰庆路街道"), ("js01-c02", "丰庆路街道"), ("js01-c03", "丰庆路街道")]
MARCH = [("js03-s", "杨金路街道", "p1_plan"), ("js03-v01", "杨金路街道", "p1_plan"),
         ("js03-s", "杨金路街道", "p3_construction"), ("js02-s", "国基路街道", "p1_plan"),
         ("js01-c04", "丰庆路街道", "p1_plan")]
TODAY = "2018-03-20"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def march(stack, clock):
    clock.set("2017-03-01")
    stack.import_jinshui()
    wait_for(lambda: progress(stack)["totals"]["total"] == TOTAL, "the read model to hold every milestone")
    clock.set("2018-02-10")
    for centre_id, office in FEBRUARY:
        report(stack, centre_id, "p1_plan", office=office, status="done")
    wait_for(lambda: progress(stack)["totals"]["done"] == len(FEBRUARY), "February's reports in the read model")
    clock.set("2018-03-10")
    for centre_id, office, key in MARCH:
        report(stack, centre_id, key, office=office, status="done")
    assert inspect(stack, "js01-c05", building_area=80, training_days=4).status_code == 201  # 2 rectifications
    monthly = stack.post("/api/monthly-reports", role="office", office="丰庆路街道",
                         json={"centre_id": "js01-c01", "month": "2018-02", "figures": {"activities": 2}})
    assert monthly.status_code == 201, monthly.text
    clock.set(TODAY)
    wait_for(lambda: progress(stack)["totals"]["done"] == len(FEBRUARY) + len(MARCH), "March's reports in the model")
    wait_for(lambda: stack.get("/api/offices/丰庆路街道/summary").json()["open_rectifications"] == 2,
             "the rectifications in the read model")
    return stack


def api(stack, url, **params):
    response = stack.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def section(lines, start, end):
    """The lines after the one equal to ``start`` up to the one equal to ``end``."""
    first = lines.index(start) + 1
    return lines[first:lines.index(end, first)]


def test_the_march_bulletin_in_word_and_pdf_says_what_the_api_says(march, tmp_path):
    stack = march
    figures = api(stack, "/api/progress", as_of=TODAY)
    totals, ranked = figures["totals"], figures["offices"]
    before = api(stack, "/api/progress", as_of="2018-02-28")["totals"]
    overdue = api(stack, "/api/overdue", as_of=TODAY, limit=1)
    centres = api(stack, "/api/centre-summaries", limit=1000)["items"]
    evaluation = api(stack, "/api/indicators/ranking", period="month", year=2018, number=3)
    assert len(centres) == 105 and totals["done"] - before["done"] == len(MARCH)

    response = stack.get("/api/bulletins/2018-03.docx")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == DOCX
    assert quote("金水区建设进展情况通报-2018-03.docx") in response.headers["Content-Disposition"]
    word = Document(io.BytesIO(response.content))
    lines = [p.text for p in word.paragraphs if p.text.strip()]
    text = "\n".join(lines)
    assert lines[0] == "金水区文化旅游局文件" and lines[1].strip() == "〔　　　　〕　　号"  # 发文字号 left to fill
    assert lines[2] == "金水区基层综合性文化服务中心\n建设进展情况通报（2018年3月）"
    done_centres = sum(1 for c in centres if c["done"] == c["total"])
    started = sum(1 for c in centres if 0 < c["done"] < c["total"])
    assert (f"截至2018年3月20日，全区共有基层综合性文化服务中心 105 个，其中已完成全部建设任务 {done_centres} 个、"
            f"正在推进 {started} 个、尚未完成任何建设任务 {105 - done_centres - started} 个。") in lines
    assert (f"全区共有建设里程碑 {totals['total']} 项，已完成 {totals['done']} 项，完成率 {totals['percent_done']:.1f}%；"
            f"正在推进 {totals['in_progress']} 项，受阻 {totals['blocked']} 项，未开始 {totals['not_started']} 项。"
            f"本月完成里程碑 {len(MARCH)} 项。") in lines
    assert (f"截至2018年3月20日，全区逾期未完成事项 {overdue['total']} 项（其中逾期里程碑 {totals['overdue']} 项），"
            "待整改问题 2 项。") in lines

    # table 1: every office in the API's ranking, with its figures
    table = [[cell.text for cell in row.cells] for row in word.tables[0].rows]
    assert table[0] == ["名次", "街道办事处", "中心数", "里程碑", "已完成", "本月完成", "逾期", "待整改", "完成率(%)"]
    assert [row[1] for row in table[1:]] == [o["office"] for o in ranked] and len(ranked) == 17
    assert [(int(r[0]), int(r[4]), int(r[6]), r[8]) for r in table[1:]] == [
        (o["rank"], o["done"], o["overdue"], f"{o['percent_done']:.1f}") for o in ranked]
    assert table[1][1] == "杨金路街道" and table[1][5] == "3"  # done this month
    fengqing = next(o for o in ranked if o["office"] == "丰庆路街道")
    assert next(r for r in table if r[1] == "丰庆路街道")[5:8] == ["1", str(fengqing["overdue"]), "2"]

    # praise and criticism: the rules applied to the API's figures
    praised, criticised = rules.judge(ranked, totals["percent_done"], {e["office"]: e for e in evaluation["items"]},
                                      rules.Thresholds.configured())
    assert criticised, "with 2018's overdue milestones some office is criticised"
    got_praised = section(lines, "（一）予以表扬的街道办事处", "（二）予以通报批评的街道办事处")
    got_criticised = section(lines, "（二）予以通报批评的街道办事处", "五、逾期事项和待整改问题")
    assert got_praised == ([f"{i}. {e['office']}：{'，'.join(e['reasons'])}。" for i, e in enumerate(praised, 1)]
                           or ["2018年3月无符合表扬条件的街道办事处。"])
    assert got_criticised == [f"{i}. {e['office']}：{'，'.join(e['reasons'])}。" for i, e in enumerate(criticised, 1)]
    assert "完成率居全区前 3 位" in text and "逾期未完成里程碑达到 5 项及以上" in text

    # the overdue list is bounded, the rectifications listed, three charts
    listed = section(lines, "（一）逾期未完成事项", "（二）待整改问题")
    assert listed[0].startswith(f"截至2018年3月20日，全区逾期未完成事项共 {overdue['total']} 项")
    assert len(listed) == 12 and listed[-1].startswith(f"……等 {overdue['total']} 项逾期未完成事项")
    first = overdue["items"][0]
    assert listed[1].startswith(f"1. {first['office']}{first['centre_name']}：{first['title']}，")
    assert section(lines, "（二）待整改问题", "六、下一步工作要求")[0] == "全区待整改问题共 2 项，列出如下："
    assert len(word.inline_shapes) == 3

    # the PDF: the same text, the ranking in the same order, the first page as an image
    if not (shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.skip("LibreOffice or poppler-utils missing (deploy/scripts/infra.sh installs them)")
    response = stack.get("/api/bulletins/2018-03.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf" and response.content[:5] == b"%PDF-"
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(response.content)
    pdf_text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                              text=True).stdout
    body = [line for line in pdf_text.splitlines() if not re.fullmatch(r"\s*—\s*\d+\s*—\s*", line)]  # page numbers out
    flat = "".join("".join(body).split())
    assert "金水区基层综合性文化服务中心建设进展情况通报（2018年3月）" in flat
    assert f"全区共有建设里程碑{totals['total']}项，已完成{totals['done']}项，完成率{totals['percent_done']:.1f}%" in flat
    assert f"全区逾期未完成事项{overdue['total']}项" in flat
    table_text = flat[flat.index("表1"):flat.index("图3")]
    positions = [table_text.index(o["office"]) for o in ranked]
    assert positions == sorted(positions)
    for entry in criticised:
        assert entry["office"] + "：" + "，".join(entry["reasons"]).replace(" ", "") in flat
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "80", "-png", "-singlefile", str(path),
                    str(tmp_path / "page1")], check=True)
    page1 = (tmp_path / "page1.png").read_bytes()
    assert page1[:8] == b"\x89PNG\r\n\x1a\n" and len(page1) > 20_000
    if os.environ.get("BULLETIN_PAGE1"):
        shutil.copyfile(tmp_path / "page1.png", os.environ["BULLETIN_PAGE1"])


def test_periods_are_checked_and_a_failed_pdf_leaves_the_word_version(march):
    from nameko import config

    stack = march
    bad = stack.get("/api/bulletins/2018-13.docx")
    assert bad.status_code == 400 and "时段格式" not in bad.json()["message"] and "月份" in bad.json()["message"]
    assert stack.get("/api/bulletins/03-2018.pdf").json()["message"].startswith("时段格式应为")
    assert "尚未开始" in stack.get("/api/bulletins/2018-04.docx").json()["message"]
    assert stack.get("/api/bulletins/2018-03.docx", role="office", office="丰庆路街道").status_code == 403
    assert stack.http.get("/api/bulletins/2018-03.docx").status_code == 401

    quarter = Document(io.BytesIO(stack.get("/api/bulletins/2018-Q1.docx").content))
    quarter_lines = [p.text for p in quarter.paragraphs]
    assert "金水区基层综合性文化服务中心\n建设进展情况通报（2018年第一季度）" in quarter_lines
    assert any(f"本季度完成里程碑 {len(FEBRUARY) + len(MARCH)} 项" in line for line in quarter_lines)
    year = stack.get("/api/bulletins/2017.docx")
    year_lines = [p.text for p in Document(io.BytesIO(year.content)).paragraphs]
    assert "金水区基层综合性文化服务中心\n建设进展情况通报（2017年）" in year_lines
    # a past year: the figures of its last day (no centre breakdown: the model keeps centres' present state)
    assert "截至2017年12月31日，全区共有基层综合性文化服务中心 105 个。" in year_lines
    assert [c.text for c in Document(io.BytesIO(year.content)).tables[0].rows[0].cells][5] == "本年度完成"

    config["BULLETIN_SOFFICE"] = "/nonexistent/soffice"
    try:
        failed = stack.get("/api/bulletins/2018-03.pdf")
    finally:
        config.pop("BULLETIN_SOFFICE")
    assert failed.status_code == 503
    assert failed.json()["message"] == "服务器未安装 LibreOffice，暂不能生成 PDF，Word 版本仍可下载"
    assert stack.get("/api/bulletins/2018-03.docx").status_code == 200


def test_the_scheduled_bulletin_is_mailed_once_with_word_and_pdf(march, clock, tmp_path):
    from nameko import config

    from tests.support.receivers import SmtpServer

    stack = march
    smtp = SmtpServer(tmp_path / "mail").start()
    try:
        with config.patch({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port}):
            contact = stack.post("/api/notifications/contacts", json={
                "id": "ju-office", "name": "局长办公室", "scope": "bureau", "email": "ju@example.gov.cn"})
            assert contact.status_code == 201, contact.text
            refused = stack.put("/api/bulletins/schedule", json={"enabled": True, "kinds": ["month"], "day": 3,
                                                                  "contact_ids": ["no-such-contact"]})
            assert refused.status_code == 400 and "contact_ids" in refused.json()["details"]
            saved = stack.put("/api/bulletins/schedule", json={"enabled": True, "kinds": ["month", "quarter"], "day": 3,
                                                                "contact_ids": [contact.json()["id"]]})
            assert saved.status_code == 200, saved.text
            assert saved.json()["sent"] == [] and saved.json()["updated_by"]
            assert stack.rpc.gateway.send_scheduled_bulletins() == {"sent": []}  # 2018-03-20: March has not ended
            clock.set("2018-04-03")
            assert stack.rpc.gateway.send_scheduled_bulletins() == {"sent": ["2018-03", "2018-Q1"]}
            assert stack.rpc.gateway.send_scheduled_bulletins() == {"sent": []}  # once per period
            stack.rpc.notifications.deliver()
            stack.rpc.notifications.deliver()
            mails = smtp.messages()
            assert sorted(m["Subject"] for m in mails) == ["【通报】金水区2018年3月建设进展情况通报",
                                                          "【通报】金水区2018年第一季度建设进展情况通报"]
            march_mail = next(m for m in mails if "3月" in m["Subject"])
            files = {part.get_filename(): part for part in march_mail.iter_attachments()}
            assert sorted(files) == ["金水区建设进展情况通报-2018-03.docx", "金水区建设进展情况通报-2018-03.pdf"]
            text = "\n".join(p.text for p in Document(io.BytesIO(files["金水区建设进展情况通报-2018-03.docx"]
                                                                  .get_payload(decode=True))).paragraphs)
            assert "2018年3月" in text
            assert files["金水区建设进展情况通报-2018-03.pdf"].get_payload(decode=True).startswith(b"%PDF-")
            assert "/#/bulletin?period=2018-03" in march_mail.get_body(("plain",)).get_content()
            assert stack.get("/api/bulletins/schedule").json()["sent"] == ["2018-03", "2018-Q1"]
    finally:
        smtp.stop()
