"""The plan file and evidence checks: plain Python, no store."""
import copy
import json
from datetime import date

import pytest

from services.milestones import evidence
from services.milestones import plan as plans
from shared.errors import InvalidInput, PayloadTooLarge
from tests.support.uploads import upload as stored


def centre(level="community", pilot=False, deadline=date(2017, 12, 31)):
    return {"id": "x", "name": "x", "level": level, "office": "o", "deadline": deadline, "pilot": pilot}


def test_jinshui_plan_has_the_five_phases_of_section_three():
    plan = plans.load(plans.DEFAULT_PLAN)
    windows = [(p["phase"], p["title"], p["start"].isoformat()[:7], p["end"].isoformat()) for p in plan.data["phases"]]
    assert windows == [(1, "制定方案、全面部署", "2017-03", "2017-04-30"), (2, "试点推进、逐步推广", "2017-04", "2017-06-30"),
                       (3, "全面建设、总体提升", "2017-07", "2019-06-30"), (4, "检查验收、总结讲评", "2019-07", "2019-09-30"),
                       (5, "整改完善、巩固提高", "2019-10", "2019-12-31")]


@pytest.mark.parametrize("level", ["subdistrict", "community", "village"])
def test_template_pilot_and_non_pilot(level):
    plan = plans.load(plans.DEFAULT_PLAN)
    pilot = {m["key"]: m for m in plan.template_for(centre(level, True, date(2017, 6, 30)))}
    other = {m["key"]: m for m in plan.template_for(centre(level))}
    assert set(pilot) - set(other) == {"p2_pilot_built", "p2_lessons"}
    assert pilot["p3_construction"]["due"] == date(2017, 6, 30) and other["p3_construction"]["due"] == date(2017, 12, 31)
    assert other["p1_plan"]["due"] == date(2017, 4, 30) and other["p5_rectification"]["due"] == date(2019, 12, 31)
    assert {k for k, m in other.items() if m["owner"] == "inspection"} == {"p4_acceptance", "p5_rectification"}


def test_another_district_changes_the_plan_without_code(tmp_path):
    with open(plans.DEFAULT_PLAN, encoding="utf-8") as fh:
        data = json.load(fh)
    data["milestones"][0]["levels"] = ["village"]
    data["milestones"][0]["due"] = {"rule": "fixed", "date": "2017-05-15"}
    path = tmp_path / "other.yaml"
    import yaml
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    plan = plans.load(str(path))
    assert "p1_plan" not in {m["key"] for m in plan.template_for(centre("community"))}
    assert [m["due"] for m in plan.template_for(centre("village")) if m["key"] == "p1_plan"] == [date(2017, 5, 15)]


@pytest.mark.parametrize("breakage", ["unknown_phase", "duplicate_key", "bad_rule", "fixed_without_date"])
def test_a_broken_plan_is_refused_at_load(breakage):
    with open(plans.DEFAULT_PLAN, encoding="utf-8") as fh:
        data = json.load(fh)
    data = copy.deepcopy(data)
    first = data["milestones"][0]
    if breakage == "unknown_phase":
        first["phase"] = 7
    elif breakage == "duplicate_key":
        data["milestones"][1]["key"] = first["key"]
    elif breakage == "bad_rule":
        first["due"] = {"rule": "someday"}
    else:
        first["due"] = {"rule": "fixed"}
    with pytest.raises(ValueError):
        plans.parse(data)


def upload(name, content):
    return {**stored(name, content), "content_type": ""}


def test_evidence_types_by_magic_bytes_and_all_or_nothing():
    ready = evidence.prepare([upload("a.JPG", b"\xff\xd8\xff\xe0jfif"), upload("b.pdf", b"%PDF-1.7 x")])
    assert [(d["content_type"], d["size"]) for d, _ in ready] == [("image/jpeg", 8), ("application/pdf", 10)]
    assert [content for _, content in ready] == [b"\xff\xd8\xff\xe0jfif", b"%PDF-1.7 x"]
    with pytest.raises(InvalidInput) as exc:
        evidence.prepare([upload("ok.png", b"\x89PNG\r\n\x1a\n1"), upload("fake.png", b"GIF89a"),
                          upload("doc.png", b"%PDF-1.4"), upload("empty.pdf", b"")])
    assert sorted(exc.value.details) == ["evidence[1]", "evidence[2]", "evidence[3]"]


def test_evidence_size_limit(monkeypatch):
    monkeypatch.setenv("EVIDENCE_MAX_BYTES", "16")
    with pytest.raises(PayloadTooLarge) as exc:
        evidence.prepare([upload("big.pdf", b"%PDF-" + b"0" * 20)])
    assert list(exc.value.details) == ["evidence[0]"]
    assert evidence.prepare([upload("small.pdf", b"%PDF-1")])[0][0]["size"] == 6
