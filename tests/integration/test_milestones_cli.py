"""``cctrack progress`` and ``cctrack milestones`` against the running stack."""
import pytest

from tests.support.waiting import wait_for


@pytest.fixture
def run_cli(run_cli, stack, clock):
    clock.set("2017-05-02")
    stack.import_jinshui()
    stack.rpc.milestones.sync_centres()  # every milestone exists now, whatever the events are doing
    return run_cli


def test_report_with_evidence_then_list(run_cli, stack, tmp_path):
    photo = tmp_path / "牌匾.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    code, out, err = run_cli("progress", "report", "js01-c01", "p3_signage", "--status", "done", "--note", "已挂牌",
                             "--evidence", str(photo))
    assert code == 0, err
    assert "已完成" in out and "版本 2" in out and "佐证材料 1 个" in out
    code, _, err = run_cli("progress", "report", "js01-c01", "p3_signage", "--status", "in_progress")
    assert code == 1 and "重新打开" in err

    code, out, _ = run_cli("milestones", "list", "--office", "丰庆路街道", "--phase", "3")
    assert code == 0 and "共 16 项" in out
    line = [row for row in out.splitlines() if row.startswith("js01-c01") and "统一标识挂牌" in row]
    assert len(line) == 1 and "已完成" in line[0] and "100%" in line[0]
    code, out, _ = run_cli("milestones", "list", "--office", "丰庆路街道", "--phase", "1")
    assert out.count("逾期") == 8  # p1_plan was due 2017-04-30

    bad = tmp_path / "notes.txt"
    bad.write_text("hello", encoding="utf-8")
    code, _, err = run_cli("progress", "report", "js01-c02", "p1_plan", "--status", "done", "--evidence", str(bad))
    assert code == 1 and "evidence[0]" in err

    wait_for(lambda: stack.rpc.reporting.progress_rollup({"phase": 3})["totals"]["done"] == 1, "the read model")
    code, out, _ = run_cli("progress", "summary", "--phase", "3")  # reads the read model (reporting)
    assert code == 0 and "丰庆路街道" in out and "全区：210 项，已完成 1" in out
    code, out, _ = run_cli("milestones", "sync")
    assert code == 0 and "已核对 105 个中心：新建里程碑 0 项" in out
