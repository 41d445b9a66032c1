"""The 通报 (services/gateway/bulletins): its periods, its praise and criticism rules, its text, its charts,
and its templates (the default and one of the bureau's own), from fixed figures."""
import io
import re
import zipfile
from datetime import date

import pytest
from docx import Document
from docxtpl import DocxTemplate

from services.gateway.bulletins import charts, content, document, make_template, periods, rules
from services.gateway.bulletins.rules import Thresholds
from shared.errors import InvalidInput

RULES = Thresholds(praise_top=3, praise_min_satisfaction=85, criticise_bottom=3, criticise_overdue=5,
                   criticise_satisfaction=60, min_responses=10)
TEXTS = {"district": "金水区", "issuer": "金水区文化旅游局", "recipients": "各街道办事处", "copy_to": "区委宣传部，区政府办公室"}


# --- periods ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind, number, start, end, label", [
    ("2018-03", "month", 3, date(2018, 3, 1), date(2018, 3, 31), "2018年3月"),
    ("2020-02", "month", 2, date(2020, 2, 1), date(2020, 2, 29), "2020年2月"),
    ("2018-12", "month", 12, date(2018, 12, 1), date(2018, 12, 31), "2018年12月"),
    ("2018-Q1", "quarter", 1, date(2018, 1, 1), date(2018, 3, 31), "2018年第一季度"),
    ("2019-q4", "quarter", 4, date(2019, 10, 1), date(2019, 12, 31), "2019年第四季度"),
    ("2018", "year", None, date(2018, 1, 1), date(2018, 12, 31), "2018年"),
])
def test_a_period_is_a_month_a_quarter_or_a_year(text, kind, number, start, end, label):
    period = periods.parse(text)
    assert (period.kind, period.number, period.start, period.end, period.label) == (kind, number, start, end, label)
    assert periods.parse(period.key) == period


@pytest.mark.parametrize("text", ["", "2018-13", "2018-00", "2018-Q5", "2018-Q0", "18-03", "2018-3", "2018/03",
                                  "2018-03-01", "abcd", "1999", "2101-01", "２０１８"])
def test_a_malformed_period_is_refused_in_chinese(text):
    with pytest.raises(InvalidInput) as caught:
        periods.parse(text)
    for message in [caught.value.message, *caught.value.to_dict()["details"]["period"]]:
        assert not re.search(r"[A-PR-Za-z]{2,}", message), message  # Chinese (the Q of "Q1" in the hint aside)


def test_a_period_not_begun_is_refused_and_a_running_one_counts_to_today():
    with pytest.raises(InvalidInput, match="尚未开始"):
        periods.parse("2018-04", today=date(2018, 3, 20))
    running = periods.parse("2018-Q1", today=date(2018, 3, 20))
    assert running.as_of(date(2018, 3, 20)) == date(2018, 3, 20)
    assert running.as_of(date(2019, 1, 1)) == date(2018, 3, 31)
    assert running.ranking_query() == {"period": "quarter", "year": 2018, "number": 1}
    assert periods.parse("2018").ranking_query() == {"period": "year", "year": 2018}


# --- rules ------------------------------------------------------------------------------------------

def office(name, percent, overdue=0):
    return {"office": name, "percent_done": percent, "overdue": overdue, "total": 40, "done": round(0.4 * percent)}


def names(entries):
    return [e["office"] for e in entries]


def test_the_first_three_without_overdue_are_praised_and_the_last_three_below_average_criticised():
    offices = [office("甲", 90), office("乙", 80), office("丙", 70, overdue=1), office("丁", 60), office("戊", 50),
               office("己", 40), office("庚", 30), office("辛", 20)]
    praised, criticised = rules.judge(offices, 55.0, {}, RULES)
    assert names(praised) == ["甲", "乙"]  # 丙 is third but has an overdue milestone
    assert names(criticised) == ["己", "庚", "辛"]
    assert "居全区后 3 位" in criticised[0]["reasons"][0] and "55.0%" in criticised[0]["reasons"][0]
    assert praised[0]["reasons"][:2] == ["完成率 90.0%，居全区第 1 位", "无逾期未完成事项"]


def test_overdue_items_above_the_threshold_are_criticised_wherever_the_office_ranks():
    offices = [office("甲", 90, overdue=5), office("乙", 80, overdue=4), office("丙", 10)]
    praised, criticised = rules.judge(offices, 60.0, {}, RULES)
    assert names(criticised) == ["甲", "丙"]
    assert criticised[0]["reasons"] == ["逾期未完成里程碑 5 项"]
    assert names(praised) == []  # 乙 has overdue items; 甲 is criticised, so never praised


def test_ties_share_a_place_and_nothing_done_praises_or_blames_no_one_by_rank():
    offices = [office(n, 0.0) for n in "甲乙丙丁戊己"]
    assert rules.judge(offices, 0.0, {}, RULES) == ([], [])
    tied = [office("甲", 50), office("乙", 50), office("丙", 50), office("丁", 50), office("戊", 10)]
    praised, criticised = rules.judge(tied, 42.0, {}, RULES)
    assert names(praised) == ["甲", "乙", "丙", "丁"]  # none has three offices ahead of it
    assert names(criticised) == ["戊"]


def test_satisfaction_counts_only_from_enough_responses():
    offices = [office("甲", 90), office("乙", 80), office("丙", 70), office("丁", 60)]
    evaluation = {"甲": {"satisfaction": 0.80, "responses": 30},   # below 85: not praised, not criticised
                  "乙": {"satisfaction": 0.50, "responses": 12},   # below 60: criticised
                  "丙": {"satisfaction": 0.10, "responses": 9},    # too few responses: ignored
                  "丁": {"satisfaction": None, "responses": 0}}
    praised, criticised = rules.judge(offices, 60.0, evaluation, RULES)
    assert names(praised) == ["丙"]
    assert criticised == [{"office": "乙", "reasons": ["群众满意度 50.0%，低于 60%"]}]
    praised, _ = rules.judge(offices, 60.0, {"甲": {"satisfaction": 0.9, "responses": 10}}, RULES)
    assert praised[0]["reasons"][-1] == "群众满意度 90.0%"


def test_the_thresholds_come_from_the_settings():
    from nameko import config

    assert Thresholds.configured() == RULES
    config["BULLETIN_CRITICISE_OVERDUE"] = "2"
    try:
        assert Thresholds.configured().criticise_overdue == 2
        assert "逾期未完成里程碑达到 2 项" in Thresholds.configured().criticise_text()
    finally:
        config.pop("BULLETIN_CRITICISE_OVERDUE")


# --- text, charts, templates ------------------------------------------------------------------------

def figures(overdue_total=12, shown=10):
    ranked = [dict(office("丰庆路街道", 50.0), rank=1), dict(office("国基路街道", 25.0, overdue=6), rank=2)]
    item = {"office": "国基路街道", "centre_name": "金印阳光社区", "title": "完成摸底调查并登记建设方案",
            "due": "2017-04-30", "days_overdue": 220}
    return {"period": periods.parse("2018-03"), "as_of": date(2018, 3, 31),
            "offices": [{"office": "丰庆路街道", "centres": 8}, {"office": "国基路街道", "centres": 5}],
            "progress": {"offices": ranked,
                         "rows": [{"office": "丰庆路街道", "phase": 1, "total": 8, "not_started": 0, "in_progress": 2,
                                   "blocked": 0, "done": 6, "overdue": 0, "percent_done": 75.0},
                                  {"office": "国基路街道", "phase": 3, "total": 10, "not_started": 5, "in_progress": 3,
                                   "blocked": 1, "done": 1, "overdue": 4, "percent_done": 10.0}],
                         "totals": {"total": 80, "not_started": 40, "in_progress": 10, "blocked": 1, "done": 29,
                                    "overdue": 6, "percent_done": 36.3}},
            "done_before": {"丰庆路街道": 15, "国基路街道": 10}, "done_before_total": 25, "centres": None,
            "overdue": {"total": overdue_total, "items": [item] * min(shown, overdue_total)},
            "rectifications": {"total": 0, "by_office": {}, "items": []},
            "evaluation": {"weights": {"attainment": 80, "satisfaction": 20},
                           "items": [{"rank": 1, "office": "丰庆路街道", "score": 0, "attainment": 0, "satisfaction": None,
                                      "responses": 0, "indicators": 0, "achieved": 0, "at_risk": 0, "missed": 0}]}}


def test_the_text_gives_the_figures_the_ranking_and_bounded_lists():
    context = content.context(figures(), RULES, TEXTS, date(2018, 4, 2))
    assert context["title"] == "金水区基层综合性文化服务中心\n建设进展情况通报（2018年3月）"
    assert "全区共有基层综合性文化服务中心 13 个。" in context["overall"][0]
    assert "已完成 29 项，完成率 36.3%" in context["overall"][1] and "本月完成里程碑 4 项" in context["overall"][1]
    assert [(r["rank"], r["office"], r["done_in_period"], r["percent"]) for r in context["ranking"]] == [
        (1, "丰庆路街道", 5, "50.0"), (2, "国基路街道", 0, "25.0")]
    assert context["evaluation"] == [] and "不作考评排名" in context["evaluation_intro"]
    assert context["praised_offices"] == ["丰庆路街道"] and context["criticised_offices"] == ["国基路街道"]
    assert context["overdue"][0].startswith("截至2018年3月31日，全区逾期未完成事项共 12 项")
    assert len(context["overdue"]) == 1 + 10 + 1 and context["overdue"][-1].startswith("……等 12 项逾期未完成事项")
    assert context["overdue"][1] == ("1. 国基路街道金印阳光社区：完成摸底调查并登记建设方案，应于2017年4月30日前完成，"
                                     "已逾期 220 个工作日；")
    whole = content.context(figures(overdue_total=2), RULES, TEXTS, date(2018, 4, 2))["overdue"]
    assert len(whole) == 3 and whole[-1].endswith("。")
    assert context["rectifications"] == ["全区无待整改问题。"]
    scored = figures()
    scored["evaluation"]["items"][0].update(score=84.5, attainment=0.9, satisfaction=0.75, responses=20)
    assert content.evaluation_rows(scored["evaluation"]) == [
        {"rank": 1, "office": "丰庆路街道", "score": "84.5", "attainment": "90.0", "satisfaction": "75.0", "responses": 20}]


def test_charts_are_png_drawn_in_a_cjk_font():
    data = figures()
    assert charts.font_family() in ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")
    for png in (charts.status_chart(data["progress"]["totals"]), charts.phases_chart(data["progress"]["rows"]),
                charts.ranking_chart(data["progress"]["offices"], 36.3, ["丰庆路街道"], ["国基路街道"])):
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_the_default_template_asks_for_exactly_what_the_text_gives(tmp_path):
    context = content.context(figures(), RULES, TEXTS, date(2018, 4, 2))
    wanted = DocxTemplate(str(make_template.DEFAULT)).get_undeclared_template_variables()
    assert wanted <= set(context) | {"chart_status", "chart_phases", "chart_ranking"}
    rebuilt = make_template.build(tmp_path / "template.docx")  # the committed template is the script's output
    with zipfile.ZipFile(rebuilt) as new, zipfile.ZipFile(make_template.DEFAULT) as committed:
        assert new.namelist() == committed.namelist()
        assert [n for n in new.namelist() if new.read(n) != committed.read(n)] == []


def test_a_template_of_the_bureaus_own_replaces_the_default(tmp_path):
    from nameko import config

    own = Document()
    own.add_paragraph("{{ issuer }}：{{ title }}")
    own.add_paragraph("{%p for line in praised %}")
    own.add_paragraph("表扬 {{ line }}")
    own.add_paragraph("{%p endfor %}")
    own.add_paragraph("{{ chart_ranking }}")
    path = tmp_path / "own.docx"
    own.save(str(path))
    data = figures()
    context = content.context(data, RULES, TEXTS, date(2018, 4, 2))
    png = charts.ranking_chart(data["progress"]["offices"], 36.3, [], [])
    config["BULLETIN_TEMPLATE"] = str(path)
    try:
        rendered = Document(io.BytesIO(document.render(context, {"chart_ranking": png})))
    finally:
        config.pop("BULLETIN_TEMPLATE")
    text = [p.text for p in rendered.paragraphs]
    assert text[0] == "金水区文化旅游局：金水区基层综合性文化服务中心\n建设进展情况通报（2018年3月）"
    assert text[1].startswith("表扬 1. 丰庆路街道：完成率 50.0%")
    assert len(rendered.inline_shapes) == 1
    default = Document(io.BytesIO(document.render(context, {"chart_ranking": png, "chart_status": png,
                                                            "chart_phases": png})))
    assert default.paragraphs[0].text == "金水区文化旅游局文件" and len(default.inline_shapes) == 3
