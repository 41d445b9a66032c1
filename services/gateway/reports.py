"""The bureau's Excel progress report (建设进度报表), built from the read model.

openpyxl's write-only mode: rows go to the sheet as they come (the centre list is read over RPC in
pages of many offices, bounded by rows) and are never all held in memory; the workbook is written to a temporary file
that the response streams. Every centre is listed, however many there are."""
import tempfile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from shared import labels
from shared.pages import every_item
from shared.settings import settings

HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
HEADER_FONT = Font(bold=True, color="FFFFFF")
RANKING = ["排名", "街道办事处", "中心数", "里程碑数", "已完成", "逾期", "完成率(%)"]
PHASES = ["街道办事处", "阶段", "里程碑数", "未开始", "进行中", "受阻", "已完成", "逾期", "完成率(%)"]
CENTRES = ["编号", "中心名称", "级别", "街道办事处", "完成时限", "试点", "备注"]
TITLE = "基层综合性文化服务中心建设进度表"
CENTRE_PROGRESS = ["序号", "街道办事处", "中心名称", "级别", "已完成里程碑", "里程碑总数", "完成情况", "完成率(%)", "当前阶段",
                   "逾期里程碑", "逾期工作日", "状态颜色"]
COLOURS = {"red": "红", "yellow": "黄", "blue": "蓝", "green": "绿"}
CHUNK = 100  # offices per ``milestones.centre_progress`` call
TITLE_FONT = Font(bold=True, size=16)
WIDTHS = {"中心进度": [6, 18, 30, 8, 12, 12, 10, 10, 24, 10, 10, 10], "服务指标考评": [8, 20, 10, 12, 12, 10, 10, 10, 10, 10],
          "街道排名": [8, 20, 10, 12, 10, 10, 12], "分阶段进度": [20, 30, 12, 10, 10, 10, 10, 10, 12],
          "中心名单": [16, 30, 8, 20, 14, 8, 30]}


def _sheet(book, title, headers):
    sheet = book.create_sheet(title)
    for index, width in enumerate(WIDTHS[title], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    row = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, Alignment(horizontal="center")
        row.append(cell)
    sheet.append(row)
    return sheet


def colour_name(value):
    """红/黄/蓝/绿 from a progress row's ``colour`` (a code or the name itself); empty when it has none."""
    return COLOURS.get(value, value if value in COLOURS.values() else "") if value else ""


def centre_progress_sheet(book, as_of, rows):
    """The sheet 中心进度 as the bureau files it: a title, 制表单位 and 统计截至, then one row per centre (its office
    and name, milestones done of total, current phase, overdue milestones and working days, colour), under a
    frozen header with an autofilter. ``rows``: ``milestones.centre_progress`` rows (``colour`` from the read model's
    centre summaries when they carry one, else empty), consumed once."""
    sheet = book.create_sheet("中心进度")
    width = len(CENTRE_PROGRESS)
    for index, size in enumerate(WIDTHS["中心进度"], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = size
    sheet.freeze_panes = "A4"  # a write-only sheet writes its view with the first row
    title = WriteOnlyCell(sheet, value=f"{settings().bulletin_issuer}{TITLE}")
    title.font, title.alignment = TITLE_FONT, Alignment(horizontal="center")
    sheet.append([title])
    sheet.append([f"制表单位：{settings().bulletin_issuer}"] + [None] * 5 + [f"统计截至：{as_of}"])
    sheet.merged_cells.add(f"A1:{get_column_letter(width)}1")
    sheet.merged_cells.add("A2:F2")
    sheet.merged_cells.add(f"G2:{get_column_letter(width)}2")
    header = []
    for name in CENTRE_PROGRESS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, Alignment(horizontal="center")
        header.append(cell)
    sheet.append(header)
    count = 0
    for count, r in enumerate(rows, start=1):
        phase = labels.name(labels.PHASE_TITLES, r["phase"]) if r["phase"] is not None else "已全部完成"
        sheet.append([count, r["office"], r["centre_name"] or r["centre_id"], labels.name(labels.LEVELS, r["level"]),
                      r["done"], r["total"], "{}/{}".format(r["done"], r["total"]),
                      round(100.0 * r["done"] / r["total"], 1) if r["total"] else 0.0, phase, r["overdue"],
                      r["days_overdue"], colour_name(r.get("colour"))])
    sheet.auto_filter.ref = f"A3:{get_column_letter(width)}{3 + max(count, 1)}"
    return sheet


def progress_workbook(as_of, offices, progress, centres, extras=None):
    """``offices``: [{office, centres}] (``all_offices``); ``progress``: a roll-up (RollupSchema);
    ``centres``: an iterable of centres (CentreSchema), consumed once; ``extras``: ``ranking``, the indicators'
    office ranking (``indicators.ranking``), added as its own sheet, and ``centre_rows``, the rows of the first
    sheet, 中心进度 (``centre_progress_sheet``). Returns an open temporary file."""
    book = Workbook(write_only=True)
    extras = extras or {}
    ranking = extras.get("ranking")
    if extras.get("centre_rows") is not None:
        centre_progress_sheet(book, as_of, extras["centre_rows"])
    counts = {o["office"]: o["centres"] for o in offices}
    sheet = _sheet(book, "街道排名", RANKING)
    for o in progress["offices"]:
        sheet.append([o["rank"], o["office"], counts.get(o["office"], 0), o["total"], o["done"], o["overdue"],
                      round(o["percent_done"], 1)])
    totals = progress["totals"]
    sheet.append(["", "合计", sum(counts.values()), totals["total"], totals["done"], totals["overdue"],
                  round(totals["percent_done"], 1)])
    sheet.append([])
    sheet.append(["统计截至", str(as_of)])

    sheet = _sheet(book, "分阶段进度", PHASES)
    for r in progress["rows"]:
        sheet.append([r["office"], labels.name(labels.PHASE_TITLES, r["phase"]), r["total"], r["not_started"],
                      r["in_progress"], r["blocked"], r["done"], r["overdue"], round(r["percent_done"], 1)])

    sheet = _sheet(book, "中心名单", CENTRES)
    for c in centres:
        sheet.append([c["id"], c["name"], labels.name(labels.LEVELS, c["level"]), c["office"], c["deadline"],
                      "是" if c["pilot"] else "否", c.get("remark") or ""])
    if ranking is not None:
        indicator_ranking_sheet(book, ranking)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the caller streams and closes it)
    book.save(out)
    out.seek(0)
    return out


def all_offices(reporting, page=1000):
    """Every office of the read model [{office, centres}] in order of arrival, ``page`` offices per call (each
    call reads the office buckets that cover its page)."""
    return every_item(reporting.offices, page)


def all_centres(reporting, offices, chunk=100, limit=2000):
    """Every centre, in the offices' order: ``chunk`` offices per RPC, at most ``limit`` centres per answer,
    so the number of calls follows the rows written (one per ``chunk`` offices of about 17 centres), not one per
    office; each call is one equality read per office (a slow call: shared/rpc.py SLOW_CALLS)."""
    names = [o["office"] for o in offices]
    for start in range(0, len(names), chunk):
        todo, after = names[start:start + chunk], None
        while todo:
            step = reporting.centres_after({"offices": todo, "after": after, "limit": limit})
            yield from step["items"]
            if step["next"] is None:
                break
            todo, after = todo[step["next"]["offset"]:], step["next"]["after"]


def centre_progress(milestones, offices, as_of, colours=None, held=None):
    """Every centre's progress (``milestones.centre_progress``), CHUNK offices per call, in the offices' order
    (each call reads those offices' centres one office at a time), each row with its ``colour`` when
    ``colours(office)`` ({centre id: colour}, today's figures only) gives one; memory holds one chunk. For a past
    day, ``held(names)`` ({office: centre ids or None}, ``reporting.centres_as_of``) names the centres each office
    held that day, so a centre moved since is listed under the office it was in."""
    names = [o["office"] for o in offices]
    for start in range(0, len(names), CHUNK):
        known, query = {}, {"offices": names[start:start + CHUNK], "as_of": as_of}
        for office in query["offices"] if colours else ():
            known.update(colours(office))
        if held is not None:
            query["centres"] = {office: ids for office, ids in held(query["offices"]).items() if ids is not None}
        for row in milestones.centre_progress(query):
            yield {**row, "colour": known.get(row["centre_id"])}


def centre_colours(reporting, office):
    """{centre id: colour} of one office from the read model's centre summaries, where they carry a ``colour``."""
    items = every_item(lambda page: reporting.centre_summaries({**page, "office": office}))
    return {item["centre_id"]: item["colour"] for item in items if item.get("colour")}


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
