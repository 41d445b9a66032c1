"""The streamed workbook of an area (services/gateway/progress_export.py), against a generated area."""
import io
from datetime import date

from openpyxl import load_workbook

from services.gateway.progress_export import ExportQuery, Hooks, Ranking, area_centres, write_workbook
from tests.support.export_reads import GeneratedArea

DAY = date(2018, 1, 5)


def _book(reads, area, as_of=DAY, **hooks):
    out = io.BytesIO()
    rows = write_workbook(reads, ExportQuery(area, as_of, DAY), out, Hooks(**hooks))
    out.seek(0)
    return rows, load_workbook(out)


def test_a_province_workbook_has_every_sheet_row_by_row():
    reads = GeneratedArea(districts=3, offices=4, centres=5)
    seen = []
    ranking = {"period": "year", "year": 2018, "weights": {"attainment": 80, "satisfaction": 20},
               "items": [{"rank": 1, "office": "410101号1街道", "score": 90, "attainment": 0.9, "satisfaction": 0.8,
                          "responses": 12, "indicators": 5, "achieved": 4, "at_risk": 1, "missed": 0},
                         {"rank": 2, "office": "别的区的街道", "score": 80, "attainment": 0.8, "satisfaction": None,
                          "responses": 0, "indicators": 5, "achieved": 3, "at_risk": 1, "missed": 1}]}
    rows, book = _book(reads, "41", progress=seen.append, indicator_ranking=lambda: ranking)
    assert rows == 60 and seen == [20, 40, 60]  # one page per district here (4 offices), the rows done grow
    assert book.sheetnames == ["中心进度", "街道排名", "分阶段进度", "中心名单", "服务指标考评"]
    sheet = book["中心进度"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "金水区文化旅游局基层综合性文化服务中心建设进度表"
    assert values[1][0] == "制表单位：金水区文化旅游局" and values[1][6] == "统计截至：2018-01-05"
    assert values[2][0] == "序号" and len(values) == 3 + 60
    assert values[3] == (1, "410101号1街道", "410101号1街道-c001综合文化服务中心", "社区", 1, 10, "1/10", 10.0,
                         "一、制定方案、全面部署", 1, 2, "红")
    assert [v[0] for v in values[3:]] == list(range(1, 61))
    assert values[4][11] == "绿"  # today's colours from the centre summaries
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:L63"
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:L1", "A2:F2", "G2:L2"}
    ranked = list(book["街道排名"].iter_rows(values_only=True))
    assert ranked[0] == ("排名", "街道办事处", "中心数", "里程碑数", "已完成", "逾期", "完成率(%)")
    offices = ranked[1:13]
    assert [o[6] for o in offices] == sorted((o[6] for o in offices), reverse=True)
    assert offices[0][:2] == (1, "410101号4街道") and offices[0][6] == 40.0  # 4 % 7 done of 10, first in table order
    assert offices[1][0] == 1 and offices[1][1] == "410102号4街道"  # equal percentages share a rank
    assert offices[3][0] == 4  # the next percentage's rank counts the places before it
    assert ranked[13][1:3] == ("合计", 60) and ranked[-1] == ("统计截至", "2018-01-05", None, None, None, None, None)
    assert len(list(book["分阶段进度"].iter_rows(values_only=True))) == 1 + 12 * 2
    centres = list(book["中心名单"].iter_rows(values_only=True))
    assert len(centres) == 61 and centres[1][:4] == ("410101号1街道-c001", "410101号1街道-c001综合文化服务中心", "社区",
                                                    "410101号1街道")
    indicator = list(book["服务指标考评"].iter_rows(values_only=True))
    assert [r[1] for r in indicator[1:2]] == ["410101号1街道"] and indicator[2] == (None,) * 10  # another area's left out


def test_every_answer_is_one_page_whatever_the_area():
    small, large = GeneratedArea(districts=1, offices=60, centres=17), GeneratedArea(districts=6, offices=60, centres=17)
    _book(small, "41")
    _book(large, "41")
    assert small.largest == large.largest <= 2000  # bounded by a page of offices, not by the area
    assert large.calls.count("assignment.district_offices") == 6  # one equality read per district


def test_the_whole_installation_reads_office_pages_and_their_rollups():
    reads = GeneratedArea(districts=2, offices=30, centres=2)
    rows, book = _book(reads, None)
    assert rows == 120
    assert reads.calls.count("reporting.progress_rollup") == 2  # one roll-up per page of 50 offices
    ranked = list(book["街道排名"].iter_rows(values_only=True))
    assert len(ranked) == 1 + 60 + 3 and ranked[61][1:3] == ("合计", 120)
    assert "服务指标考评" not in book.sheetnames


def test_a_past_day_has_no_colours_and_lists_the_centres_each_office_held_that_day():
    reads = GeneratedArea(districts=1, offices=2, centres=2)
    out = io.BytesIO()
    write_workbook(reads, ExportQuery("410101", DAY, date(2018, 2, 1)), out)
    out.seek(0)
    values = list(load_workbook(out)["中心进度"].iter_rows(values_only=True))
    assert {v[11] for v in values[3:]} == {None}
    assert "reporting.centre_summaries" not in reads.calls
    assert len(values[3:]) == 3 and reads.calls.count("reporting.centres_as_of") == 1  # the first office held one


def test_the_size_check_stops_early_for_the_whole_installation():
    reads = GeneratedArea(districts=3, offices=400, centres=5)  # 1,200 offices, 6,000 centres
    assert area_centres(reads, None, 100) > 100 and reads.calls.count("reporting.offices") == 1
    assert area_centres(reads, "410101", 100) == 2000


def test_the_ranking_is_sorted_outside_memory_and_removed_after():
    import os

    ranking = Ranking()
    for n, (percent, overdue) in enumerate([(50.0, 2), (80.0, 1), (50.0, 1), (50.0, 1)]):
        ranking.add(f"o{n}", 1, {"total": 10, "done": 5, "overdue": overdue, "percent_done": percent})
    assert [(r[0], r[1]) for r in ranking.ranked()] == [(1, "o1"), (2, "o2"), (2, "o3"), (2, "o0")]
    assert ranking.has("o2") and not ranking.has("o9")
    path = ranking.path
    ranking.close()
    assert not os.path.exists(path)
