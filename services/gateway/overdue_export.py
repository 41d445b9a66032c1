"""The overdue list as an Excel workbook (openpyxl): a title, the unit that made it, the day it is counted on and
the filters applied, then one row per overdue item, with an autofilter. Its rows come from the overdue report's
pages (``notifications.overdue_report``), at most MAX_ROWS of them (the sheet says when more were left out)."""
import tempfile
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from shared import labels

PAGE = 500
MAX_ROWS = 20000
HEAD = ("序号", "街道", "中心", "事项类别", "事项", "到期日", "逾期起始日", "逾期工作日", "逾期自然日", "阶段已结束", "已通知",
        "中心颜色")
WIDTHS = (6, 14, 24, 10, 30, 12, 12, 10, 10, 10, 30, 10)
CENTRE_HEAD = ("序号", "街道", "中心", "级别", "颜色", "完成率（%）", "序时进度（%）", "落后（百分点）", "最近到期日")
CENTRE_WIDTHS = (6, 14, 24, 8, 16, 12, 12, 14, 12)


def overdue_rows(report_page: Callable[[dict], dict], query: dict, field: str = "items") -> tuple[dict, list]:
    """(the first page's answer, every row up to MAX_ROWS), reading the report PAGE rows at a time (the rows of
    ``field``: ``items``, or ``centres`` for a list of the centres of one colour)."""
    first, rows, offset = None, [], 0
    while len(rows) < MAX_ROWS:
        page = report_page({**query, "offset": offset, "limit": min(PAGE, MAX_ROWS - len(rows))})
        first = first or page
        rows.extend(page[field])
        offset += len(page[field])
        if not page[field] or offset >= page["total"]:
            break
    return first, rows


def _append(sheet, row):
    sheet.append([_clean(v) for v in row])


def _clean(value):
    """A cell's value without the control characters Excel cannot hold (a typed filter may carry them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _filters(query: dict) -> str:
    parts = []
    if query.get("area_name"):
        parts.append("辖区：" + query["area_name"])
    if query.get("office"):
        parts.append("街道：" + query["office"])
    if query.get("phase"):
        parts.append("阶段：" + labels.name(labels.PHASE_TITLES, int(query["phase"])))
    if query.get("kind"):
        parts.append("类别：" + labels.name(labels.OVERDUE_KINDS, query["kind"]))
    if query.get("colour"):
        parts.append("颜色：" + labels.name(labels.PACE_COLOURS, query["colour"]))
    return "；".join(parts) or "全部"


def overdue_workbook(first: dict, rows: list, query: dict, unit: str):
    """An open temporary file holding the workbook (the caller streams and closes it)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "逾期清单"
    _append(sheet, [f"{unit}基层综合性文化服务中心建设逾期事项清单"])
    sheet["A1"].font = Font(size=16, bold=True)
    _append(sheet, [f"制表单位：{unit}", "", "", f"统计截至：{first['as_of']}", "", "", f"筛选：{_filters(query)}"])
    more = first["total"] - len(rows)
    _append(sheet, [f"共 {first['total']} 项逾期" + (f"，本表列出前 {len(rows)} 项（另有 {more} 项未列出，请缩小筛选范围）" if more > 0 else "")])
    _append(sheet, list(HEAD))
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for n, r in enumerate(rows, 1):
        told = "、".join(t.get("recipient_name") or t.get("recipient") or "" for t in r.get("told") or [])
        _append(sheet, [n, r["office"], r["centre_name"], labels.name(labels.OVERDUE_KINDS, r["kind"]), r["title"], r["due"],
                      r["overdue_since"], r["days_overdue"], r["calendar_days"], "是" if r.get("behind") else "否", told,
                      labels.name(labels.PACE_COLOURS, r["colour"]) if r.get("colour") else ""])
    return _finish(book, sheet, WIDTHS, len(rows))


def colour_workbook(first: dict, rows: list, query: dict, unit: str):
    """The centres of one 序时进度 colour (黄、蓝、绿) as a workbook, laid out like the overdue list."""
    book = Workbook()
    sheet = book.active
    sheet.title = "序时进度"
    colour = labels.name(labels.PACE_COLOURS, query["colour"])
    _append(sheet, [f"{unit}基层综合性文化服务中心序时进度{colour}色中心清单"])
    sheet["A1"].font = Font(size=16, bold=True)
    _append(sheet, [f"制表单位：{unit}", "", "", f"统计截至：{first['as_of']}", "", "", f"筛选：{_filters(query)}"])
    more = first["total"] - len(rows)
    _append(sheet, [f"共 {first['total']} 个中心" + (f"，本表列出前 {len(rows)} 个（另有 {more} 个未列出，请缩小筛选范围）" if more > 0 else "")])
    _append(sheet, list(CENTRE_HEAD))
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for n, r in enumerate(rows, 1):
        _append(sheet, [n, r["office"], r["centre_name"], labels.name(labels.LEVELS, r["level"]) if r.get("level") else "",
                        labels.name(labels.PACE_COLOURS, r["colour"]) + "（" + labels.name(labels.PACE_MEANINGS, r["colour"]) + "）",
                        r["percent_done"], r["expected_percent"], r["lag_percent"], r.get("next_due") or ""])
    return _finish(book, sheet, CENTRE_WIDTHS, len(rows))


def _finish(book, sheet, widths, count):
    for i, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.auto_filter.ref = f"A4:{get_column_letter(len(widths))}{4 + count}"
    sheet.freeze_panes = "A5"
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the caller streams and closes it)
    book.save(out)
    out.seek(0)
    return out
