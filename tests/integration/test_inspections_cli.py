"""``cctrack standards|inspections|rectifications`` against the running stack."""
from tests.support.inspections import at_threshold


def test_standard_inspections_and_rectifications(run_cli, stack, clock):
    clock.set("2019-07-15")
    stack.import_jinshui()
    code, out, _ = run_cli("standards", "show", "village")
    assert code == 0 and "简易戏台长度" in out and "≥ 10 m" in out and "≥ 0.3 万元/年" in out and "共 14 项" in out

    stack.rpc.inspections.record_inspection(
        "js01-c01", {"kind": "district_acceptance", "measurements": {**at_threshold("community"), "building_area": 80}},
        {"role": "inspector", "name": "验收组"})
    code, out, _ = run_cli("inspections", "list", "js01-c01")
    assert code == 0 and "js01-c01-i1" in out and "区级验收" in out and "不合格" in out and "共 1 条" in out
    code, out, _ = run_cli("inspections", "show", "js01-c01-i1")
    assert "建筑面积 80 m² 低于标准 100 m²" in out
    code, out, _ = run_cli("rectifications", "list", "--office", "丰庆路街道", "--status", "open")
    assert code == 0 and "四月天社区" in out and "2019-08-12" in out and "共 1 项" in out
    code, out, _ = run_cli("rectifications", "list", "--office", "国基路街道")
    assert "共 0 项" in out
    code, _, err = run_cli("inspections", "list", "nope-404")
    assert code == 1 and "不存在" in err
