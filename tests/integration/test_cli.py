"""The ``cctrack`` command against the running stack."""
from tests.support.paths import JINSHUI_CSV


def test_import_list_and_token(run_cli, stack):
    code, out, err = run_cli("import", "allocation", JINSHUI_CSV)
    assert code == 0 and "新增 105 个" in out
    code, out, _ = run_cli("import", "allocation", JINSHUI_CSV)
    assert code == 0 and "未做任何修改" in out

    code, out, _ = run_cli("centres", "list", "--office", "东风路街道", "--level", "village")
    assert code == 0 and "十二里屯村" in out and "共 2 个" in out
    code, out, _ = run_cli("offices", "list")
    assert code == 0 and "合计：17 个街道办事处，105 个中心（街道级 17，社区级 77，村级 11）" in out

    code, out, _ = run_cli("token", "create", "--role", "office", "--office", "丰庆路街道", "--quiet")
    token = out.strip()
    assert code == 0 and token.startswith("cct_")
    response = stack.http.get("/api/offices", headers={"Authorization": "Bearer " + token})
    assert response.status_code == 200

    code, _, err = run_cli("token", "create", "--role", "office", "--office", "不存在街道")
    assert code == 1 and "不存在" in err


def test_bad_file_names_the_row(run_cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,中心名称,级别,街道办事处,完成时限\njs01-s,中心,乡,丰庆路街道,2017.12\n", encoding="utf-8")
    code, _, err = run_cli("import", "allocation", str(bad))
    assert code == 1 and "第 2 行" in err and "级别" in err
