"""The bureau's Excel progress report (建设进度报表), built from the same data
the dashboard shows. Plain function: data in, .xlsx bytes out."""
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from shared.schemas.common import LEVEL_NAMES

PHASE_TEXT = {1: "一、制定方案、全面部署", 2: "二、试点推进、逐步推广", 3: "三、全面建设、总体提升",
              4: "四、检查验收、总结讲评", 5: "五、整改完善、巩固提高"}
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def _sheet(book, title, headers, rows, first=False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    sheet.append(headers)
    for cell in sheet[1]:
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, Alignment(horizontal="center")
    for row in rows:
        sheet.append(row)
    for index, header in enumerate(headers, start=1):
        longest = max([len(str(header))] + [len(str(r[index - 1])) for r in rows if r[index - 1] is not None])
        sheet.column_dimensions[get_column_letter(index)].width = min(40, 4 + longest * 2)
    sheet.freeze_panes = "A2"
    return sheet


def progress_workbook(as_of, offices, progress, centres):
    """``offices`` from assignment.list_offices, ``progress`` from
    milestones.progress_rollup, ``centres`` from assignment.list_centres."""
    book = Workbook()
    counts = {o["name"]: o for o in offices}
    ranking = [(o["rank"], o["office"], counts.get(o["office"], {}).get("total", 0), o["total"], o["done"], o["overdue"],
                round(o["percent_done"], 1)) for o in progress["offices"]]
    total = sum(o["total"] for o in progress["offices"])
    done = sum(o["done"] for o in progress["offices"])
    overdue = sum(o["overdue"] for o in progress["offices"])
    ranking.append(("", "合计", sum(o["total"] for o in offices), total, done, overdue,
                    round(100.0 * done / total, 1) if total else 0.0))
    sheet = _sheet(book, "街道排名", ["排名", "街道办事处", "中心数", "里程碑数", "已完成", "逾期", "完成率(%)"], ranking, first=True)
    sheet.append([])
    sheet.append(["统计截至", str(as_of)])

    phase_rows = [(r["office"], PHASE_TEXT.get(r["phase"], r["phase"]), r["total"], r["not_started"], r["in_progress"],
                   r["blocked"], r["done"], r["overdue"], round(r["percent_done"], 1)) for r in progress["rows"]]
    _sheet(book, "分阶段进度", ["街道办事处", "阶段", "里程碑数", "未开始", "进行中", "受阻", "已完成", "逾期", "完成率(%)"], phase_rows)

    centre_rows = [(c["id"], c["name"], LEVEL_NAMES.get(c["level"], c["level"]), c["office"], c["deadline"],
                    "是" if c["pilot"] else "否", c.get("remark") or "") for c in centres]
    _sheet(book, "中心名单", ["编号", "中心名称", "级别", "街道办事处", "完成时限", "试点", "备注"], centre_rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
