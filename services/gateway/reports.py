"""Pieces of the bureau's Excel progress report (建设进度报表) shared by the streamed workbook
(progress_export.py) and the 通报 (bulletins/figures.py): the sheets' headings and styles, colour names, every office
of the read model in pages, and the offices' roll-up joined and ranked across its pages."""

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from shared import labels
from shared.pages import every_item

HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
HEADER_FONT = Font(bold=True, color="FFFFFF")
RANKING = ["排名", "街道办事处", "中心数", "里程碑数", "已完成", "逾期", "完成率(%)"]
PHASES = ["街道办事处", "阶段", "里程碑数", "未开始", "进行中", "受阻", "已完成", "逾期", "完成率(%)"]
CENTRES = ["编号", "中心名称", "级别", "街道办事处", "完成时限", "试点", "备注"]
TITLE = "基层综合性文化服务中心建设进度表"
CENTRE_PROGRESS = ["序号", "街道办事处", "中心名称", "级别", "已完成里程碑", "里程碑总数", "完成情况", "完成率(%)", "当前阶段",
                   "逾期里程碑", "逾期工作日", "状态颜色"]
COLOURS = {"red": "红", "yellow": "黄", "blue": "蓝", "green": "绿"}
TITLE_FONT = Font(bold=True, size=16)
WIDTHS = {"中心进度": [6, 18, 30, 8, 12, 12, 10, 10, 24, 10, 10, 10], "服务指标考评": [8, 20, 10, 12, 12, 10, 10, 10, 10, 10],
          "街道排名": [8, 20, 10, 12, 10, 10, 12], "分阶段进度": [20, 30, 12, 10, 10, 10, 10, 10, 12],
          "中心名单": [16, 30, 8, 20, 14, 8, 30]}


def _sheet(book, title, headers):
    sheet = book.create_sheet(title)
    for index, width in enumerate(WIDTHS[title], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(header_cells(sheet, headers))
    return sheet


def header_cells(sheet, headers):
    """A write-only sheet's heading row: each of ``headers`` in white on the report's red, centred."""
    row = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, Alignment(horizontal="center")
        row.append(cell)
    return row


def colour_name(value):
    """红/黄/蓝/绿 from a progress row's ``colour`` (a code or the name itself); empty when it has none."""
    return COLOURS.get(value, value if value in COLOURS.values() else "") if value else ""


def all_offices(reporting, page=1000):
    """Every office of the read model [{office, centres}] in order of arrival, ``page`` offices per call (each
    call reads the office buckets that cover its page)."""
    return every_item(reporting.offices, page)


def district_rollup(reporting, as_of, offices, page=1000):
    """The roll-up of every office for the report: ``reporting.progress_rollup`` answers a page of offices (ranks
    within the page) and the district's totals, so the pages are joined here and the offices ranked across the
    district (by percent done, then fewer overdue, then table order; equal percentages share a rank)."""
    first = reporting.progress_rollup({"as_of": as_of, "offset": 0, "limit": page})
    rows, ranked = list(first["rows"]), list(first["offices"])
    for offset in range(page, len(offices), page):
        step = reporting.progress_rollup({"as_of": as_of, "offset": offset, "limit": page})
        rows.extend(step["rows"])
        ranked.extend(step["offices"])
    return {**first, "rows": rows, "offices": rank_offices(ranked, offices)}


def rank_offices(ranked, offices):
    """``ranked`` (roll-up offices) in the ranking's order, each with its ``rank``: by percent done, then fewer
    overdue, then the order of ``offices``; equal percentages share a rank."""
    order = {o["office"]: i for i, o in enumerate(offices)}
    ranked.sort(key=lambda o: (-o["percent_done"], o["overdue"], order.get(o["office"], len(order)), o["office"]))
    rank, last = 0, None
    for index, o in enumerate(ranked):
        if o["percent_done"] != last:
            rank, last = index + 1, o["percent_done"]
        o["rank"] = rank
    return ranked


# Indicators (issue 10): the offices' evaluation ranking, a sheet of its own.
INDICATOR_RANKING = ["排名", "街道办事处", "得分", "指标完成度(%)", "群众满意度(%)", "评价份数", "考核指标数", "已达成",
                     "进度落后", "未达成"]


def indicator_ranking_sheet(book, ranking):
    """The sheet 服务指标考评 from ``indicators.ranking``: score = indicator attainment (80) + satisfaction (20)."""
    sheet = _sheet(book, "服务指标考评", INDICATOR_RANKING)
    for e in ranking["items"]:
        satisfaction = None if e["satisfaction"] is None else round(100 * e["satisfaction"], 1)
        sheet.append([e["rank"], e["office"], e["score"], round(100 * e["attainment"], 1), satisfaction,
                      e["responses"], e["indicators"], e["achieved"], e["at_risk"], e["missed"]])
    sheet.append([])
    period = labels.name(labels.PERIODS, ranking["period"])
    sheet.append(["考评周期", "{} {}{}".format(ranking["year"], period,
                                            " 第 {} 期".format(ranking["number"]) if ranking.get("number") else "")])
    sheet.append(["评分方法", "指标完成度 {} 分 + 群众满意度 {} 分".format(ranking["weights"]["attainment"],
                                                               ranking["weights"]["satisfaction"])])
