"""The Excel progress report, from fixed data."""
import io
from datetime import date

from openpyxl import load_workbook

from services.gateway.reports import colour_name, progress_workbook

OFFICES = [{"office": "丰庆路街道", "centres": 8}, {"office": "杨金路街道", "centres": 2}]
PROGRESS = {
    "offices": [{"office": "杨金路街道", "total": 10, "done": 5, "overdue": 1, "percent_done": 50.0, "rank": 1},
                {"office": "丰庆路街道", "total": 40, "done": 10, "overdue": 6, "percent_done": 25.0, "rank": 2}],
    "rows": [{"office": "丰庆路街道", "phase": 1, "total": 8, "not_started": 0, "in_progress": 1, "blocked": 0,
              "done": 7, "overdue": 0, "percent_done": 87.5}],
    "totals": {"total": 50, "done": 15, "overdue": 7, "percent_done": 30.0},
}
CENTRES = [{"id": "js01-c01", "name": "四月天社区", "level": "community", "office": "丰庆路街道",
            "deadline": "2017-06-30", "pilot": True, "remark": ""}]


def test_workbook_has_ranking_phases_and_centres_in_chinese():
    content = progress_workbook(date(2018, 1, 5), OFFICES, PROGRESS, iter(CENTRES))
    book = load_workbook(io.BytesIO(content.read()))
    assert book.sheetnames == ["街道排名", "分阶段进度", "中心名单"]
    ranking = list(book["街道排名"].iter_rows(values_only=True))
    assert ranking[0] == ("排名", "街道办事处", "中心数", "里程碑数", "已完成", "逾期", "完成率(%)")
    assert ranking[1] == (1, "杨金路街道", 2, 10, 5, 1, 50.0)
    assert ranking[3] == (None, "合计", 10, 50, 15, 7, 30.0)
    assert ranking[-1][:2] == ("统计截至", "2018-01-05")
    phases = list(book["分阶段进度"].iter_rows(values_only=True))
    assert phases[1][:3] == ("丰庆路街道", "一、制定方案、全面部署", 8)
    centres = list(book["中心名单"].iter_rows(values_only=True))
    assert centres[1] == ("js01-c01", "四月天社区", "社区", "丰庆路街道", "2017-06-30", "是", None)


def test_centre_progress_sheet_as_the_bureau_files_it():
    rows = [{"centre_id": "js01-c01", "centre_name": "四月天社区", "office": "丰庆路街道", "level": "community", "total": 8,
             "done": 3, "phase": 2, "overdue": 2, "days_overdue": 12, "colour": "red"},
            {"centre_id": "js01-s", "centre_name": "丰庆路街道综合文化服务中心", "office": "丰庆路街道", "level": "subdistrict",
             "total": 6, "done": 6, "phase": None, "overdue": 0, "days_overdue": 0}]
    content = progress_workbook(date(2018, 1, 5), OFFICES, PROGRESS, iter(CENTRES), {"centre_rows": iter(rows)})
    book = load_workbook(io.BytesIO(content.read()))
    assert book.sheetnames[0] == "中心进度"
    sheet = book["中心进度"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "金水区文化旅游局基层综合性文化服务中心建设进度表"
    assert values[1][0] == "制表单位：金水区文化旅游局" and values[1][6] == "统计截至：2018-01-05"
    assert values[3] == (1, "丰庆路街道", "四月天社区", "社区", 3, 8, "3/8", 37.5, "二、试点推进、逐步推广", 2, 12, "红")
    assert values[4][8] == "已全部完成" and values[4][11] is None  # no colour on the row: the column stays empty
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:L5"
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:L1", "A2:F2", "G2:L2"}


def test_colour_names():
    assert [colour_name(c) for c in ("red", "yellow", "blue", "green", "绿", None, "", "purple")] == [
        "红", "黄", "蓝", "绿", "绿", "", "", ""]


def _reporting_with(counts):
    """The reporting service's ``centres_after`` on a mongomock read model holding ``counts`` centres per office."""
    import mongomock
    from nameko.testing.services import worker_factory

    from services.reporting.service import ReportingService
    from services.reporting.store import ReportingStore

    store = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    for number, (office, count) in enumerate(counts.items()):
        for i in reversed(range(count)):  # stored out of order: the answer is sorted by id
            store.centres.insert_one({"_id": f"o{number}-c{i:02d}", "name": f"中心{i}", "level": "village",
                                      "office": office, "pilot": False, "deadline": "2018-06-30", "version": 1})
    store.centres.insert_one({"_id": "o0-zz", "office": "甲街道"})  # known by a milestone only: no name, not listed
    service = worker_factory(ReportingService, store=store)
    calls = []

    class Client:
        def centres_after(self, query):
            calls.append(query)
            return service.centres_after(query)
    return Client(), calls


def test_every_centre_in_office_order_with_few_calls():
    from services.gateway.reports import all_centres

    counts = {"甲街道": 3, "乙街道": 1, "丙街道": 0, "丁街道": 4}
    reporting, calls = _reporting_with(counts)
    offices = [{"office": o, "centres": n} for o, n in counts.items()]
    expected = ["o0-c00", "o0-c01", "o0-c02", "o1-c00", "o3-c00", "o3-c01", "o3-c02", "o3-c03"]
    assert [c["id"] for c in all_centres(reporting, offices)] == expected
    assert len(calls) == 1  # one answer holds every office of the chunk
    for chunk, limit in ((1, 1), (2, 2), (3, 3), (4, 4), (2, 5), (4, 8)):
        calls.clear()
        got = list(all_centres(reporting, offices, chunk=chunk, limit=limit))
        assert [c["id"] for c in got] == expected, (chunk, limit)
        assert all(c["office"] in counts and c["deadline"] == "2018-06-30" for c in got)
        assert all(len(call["offices"]) <= chunk and call["limit"] == limit for call in calls)
        assert len(calls) <= len(expected) // limit + (len(offices) + chunk - 1) // chunk + 1, (chunk, limit, calls)


def test_centres_after_continues_inside_an_office_and_refuses_bad_queries():
    import pytest

    from shared.errors import InvalidInput

    reporting, _ = _reporting_with({"甲街道": 3, "乙街道": 2})
    first = reporting.centres_after({"offices": ["甲街道", "乙街道"], "limit": 4})
    assert [c["id"] for c in first["items"]] == ["o0-c00", "o0-c01", "o0-c02", "o1-c00"]
    assert first["next"] == {"offset": 1, "after": "o1-c00"}
    rest = reporting.centres_after({"offices": ["乙街道"], "after": "o1-c00", "limit": 4})
    assert [c["id"] for c in rest["items"]] == ["o1-c01"] and rest["next"] is None
    full = reporting.centres_after({"offices": ["甲街道", "乙街道"], "limit": 3})
    assert full["next"] == {"offset": 1, "after": None}
    for bad in ({"offices": []}, {"offices": ["甲街道"], "limit": 0}, {"office": "甲街道"}):
        with pytest.raises(InvalidInput):
            reporting.centres_after(bad)


def test_the_report_ranks_every_office_across_the_rollup_pages():
    from services.gateway.reports import district_rollup

    offices = [{"office": name, "centres": 1} for name in ("甲", "乙", "丙", "丁", "戊")]
    figures = {"甲": (10.0, 2), "乙": (50.0, 0), "丙": (10.0, 1), "丁": (80.0, 5), "戊": (50.0, 0)}
    calls = []

    class Reporting:
        def progress_rollup(self, query):
            calls.append(query)
            names = [o["office"] for o in offices][query["offset"]:query["offset"] + query["limit"]]
            return {"as_of": query["as_of"], "totals": {"total": 5},
                    "rows": [{"office": n, "phase": 1} for n in names],
                    "offices": [{"office": n, "percent_done": figures[n][0], "overdue": figures[n][1], "rank": 1}
                                for n in names]}
    rollup = district_rollup(Reporting(), "2018-01-05", offices, page=2)
    assert [q["offset"] for q in calls] == [0, 2, 4] and rollup["totals"] == {"total": 5}
    assert [r["office"] for r in rollup["rows"]] == ["甲", "乙", "丙", "丁", "戊"]
    assert [(o["office"], o["rank"]) for o in rollup["offices"]] == [("丁", 1), ("乙", 2), ("戊", 2), ("丙", 4), ("甲", 4)]
