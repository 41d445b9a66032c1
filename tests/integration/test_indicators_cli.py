"""``cctrack indicators|monthly|survey`` against the real stack."""
import pytest

from tests.support.centres import import_centres

pytestmark = pytest.mark.integration



def test_cli_lists_indicators_submits_monthly_figures_shows_status_and_imports_results(stack, run_cli, clock,
                                                                                         tmp_path):
    import_centres(stack, [("cli-c1", "命令行社区", "community", "丰庆路街道")])
    clock.set("2018-05-10")
    code, out, _ = run_cli("indicators", "list", "--document", "004")
    assert code == 0 and "004-service-points" in out and "30" in out
    code, out, err = run_cli("monthly", "submit", "cli-c1", "2018-04", "activities=2", "participants=80")
    assert code == 0 and "第 1 版" in out, err
    code, out, err = run_cli("monthly", "submit", "cli-c1", "2018-04", "activities=-2")
    assert code == 1 and "figures.activities" in err
    code, out, _ = run_cli("monthly", "show", "cli-c1", "2018-04")
    assert code == 0 and "第 1 版" in out and "截止 2018-05-08" in out
    code, out, _ = run_cli("indicators", "status", "--centre", "cli-c1", "--document", "003", "--as-of", "2018-04-30")
    assert code == 0 and "003-activities" in out and "进度正常" in out  # 2 by April: 6 by the year end
    code, out, _ = run_cli("monthly", "start", "2018-04")
    assert code == 0 and "2018-05-08" in out
    path = tmp_path / "测评.csv"
    path.write_text("中心编号,日期,设施设备,服务规范,活动内容,开放时间,总体满意度,意见建议\n"
                    "cli-c1,2018-05-02,5,4,4,4,4,\n", encoding="utf-8")
    code, out, err = run_cli("survey", "import", str(path))
    assert code == 0 and "1 条" in out, err
    code, out, _ = run_cli("survey", "results", "--centre", "cli-c1", "--year", "2018")
    assert code == 0 and "满意率 100.0%" in out
    code, out, _ = run_cli("indicators", "ranking", "--year", "2018")
    assert code == 0 and "丰庆路街道" in out
