"""The Excel progress report, from fixed data."""
import io
from datetime import date

from openpyxl import load_workbook

from services.gateway.reports import progress_workbook

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
