"""The Excel progress report (建设进度报表) of any area, streamed in bounded memory (issue 19).

The workbook is written row by row while the read model is read one page of offices at a time: the offices of
the area district by district (``assignment.district_offices`` and the district's ``reporting.area_rollup`` for
their centre counts; the whole installation: ``reporting.offices`` pages), and for each page its roll-up
(``reporting.progress_rollup``), its centres' progress (``milestones.centre_progress``), their colours
(``reporting.centre_summaries``, one office at a time) and their list (``reporting.centres_after``). Every RPC
answer is bounded by one page (``PAGE`` offices, about 17 centres each), never by the area.

openpyxl's write-only workbook keeps each sheet in its own temporary file and writes strings inline (no shared
strings table), so the sheets are filled side by side in one pass. The one sheet that needs the whole area
at once, 街道排名 (the offices ranked by percent done), is sorted by SQLite in a temporary file, not in memory.
So the gateway's memory does not grow with the area (docs/exports.md gives the figure measured).

Same sheets and layout as ``reports.progress_workbook``: 中心进度 (title, 制表单位, 统计截至, frozen header,
autofilter, one row per centre with its colour), 街道排名, 分阶段进度, 中心名单, 服务指标考评.
"""
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from services.gateway.area_reports import area_districts
from services.gateway.reports import (
    CENTRE_PROGRESS,
    CENTRES,
    PHASES,
    RANKING,
    TITLE,
    TITLE_FONT,
    WIDTHS,
    _sheet,
    colour_name,
    header_cells,
    indicator_ranking_sheet,
)
from shared import labels
from shared.settings import settings

PAGE = 50  # offices per page: every RPC answer holds one page's offices or centres
CENTRE_LIMIT = 2000  # centres per ``centres_after`` answer
BREATHE = 200  # rows written between two pauses, so that other requests of the gateway (eventlet) are served
STATUS = ("total", "not_started", "in_progress", "blocked", "done", "overdue")


@dataclass(frozen=True)
class ExportQuery:
    """What is exported: ``area`` (a province, city or district code; None: every office of the installation),
    the day ``as_of`` and ``today`` (colours are today's only)."""

    area: str | None
    as_of: date
    today: date


def area_centres(reads: Any, area: str | None, enough: int) -> int:
    """The area's centres (the read model's counter; one ``_id`` read). Without an area, the offices' counts
    summed page by page, stopping once more than ``enough`` (the installation is then large, whatever its size)."""
    if area:
        return int(reads.reporting.area_rollup({"area": area})["area"].get("centres") or 0)
    count, offset, total = 0, 0, 1
    while offset < total and count <= enough:
        step = reads.reporting.offices({"offset": offset, "limit": 1000})
        count += sum(o["centres"] for o in step["items"])
        offset, total = offset + 1000, step["total"]
    return count


def office_pages(reads: Any, area: str | None, page: int | None = None) -> Iterator[tuple[list[dict], int | None]]:
    """([{office, centres}], offset) pages in table order (``page`` offices, default ``PAGE``): the offset of the page
    among every office of the installation (no area: its roll-up is one ``progress_rollup`` page), or None (an
    area: one call per office)."""
    page = page or PAGE
    if not area:
        offset, total = 0, 1
        while offset < total:
            step = reads.reporting.offices({"offset": offset, "limit": page})
            if step["items"]:
                yield step["items"], offset
            offset, total = offset + page, step["total"]
        return
    for district in area_districts(reads.assignment, area):
        names = reads.assignment.district_offices(district)["offices"]
        if not names:
            continue
        children = reads.reporting.area_rollup({"area": district})["children"]
        counts = {c.get("office"): c.get("centres", 0) for c in children}
        for start in range(0, len(names), page):
            yield [{"office": n, "centres": counts.get(n, 0)} for n in names[start:start + page]], None


class Ranking:
    """The offices' figures in a temporary SQLite file, ranked when read (by percent done, then fewer overdue,
    then table order; equal percentages share a rank), as ``reports.rank_offices`` does in memory."""

    def __init__(self) -> None:
        handle, self.path = tempfile.mkstemp(prefix="cctrack-ranking-", suffix=".sqlite")
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.execute("CREATE TABLE offices (seq INTEGER, office TEXT PRIMARY KEY, centres INTEGER, total INTEGER,"
                        " done INTEGER, overdue INTEGER, percent REAL)")
        self.seq = 0

    def add(self, office: str, centres: int, figures: dict) -> None:
        self.seq += 1
        self.db.execute("INSERT OR IGNORE INTO offices VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (self.seq, office, centres, figures.get("total", 0), figures.get("done", 0),
                         figures.get("overdue", 0), float(figures.get("percent_done", 0.0))))

    def has(self, office: str) -> bool:
        return self.db.execute("SELECT 1 FROM offices WHERE office = ?", (office,)).fetchone() is not None

    def ranked(self) -> Iterator[tuple]:
        """(rank, office, centres, total, done, overdue, percent) in the ranking's order."""
        rank, last = 0, None
        rows = self.db.execute("SELECT office, centres, total, done, overdue, percent FROM offices "
                               "ORDER BY percent DESC, overdue ASC, seq ASC, office ASC")
        for index, (office, centres, total, done, overdue, percent) in enumerate(rows, start=1):
            if percent != last:
                rank, last = index, percent
            yield rank, office, centres, total, done, overdue, percent

    def close(self) -> None:
        self.db.close()
        os.unlink(self.path)


def _centre_progress_sheet(book: Workbook, as_of: date) -> Any:
    """The sheet 中心进度 up to its header (title, 制表单位, 统计截至, frozen header; autofilter at the end)."""
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
    sheet.append(header_cells(sheet, CENTRE_PROGRESS))
    return sheet


def centre_progress_row(number: int, r: dict) -> list:
    phase = labels.name(labels.PHASE_TITLES, r["phase"]) if r["phase"] is not None else "已全部完成"
    return [number, r["office"], r["centre_name"] or r["centre_id"], labels.name(labels.LEVELS, r["level"]),
            r["done"], r["total"], "{}/{}".format(r["done"], r["total"]),
            round(100.0 * r["done"] / r["total"], 1) if r["total"] else 0.0, phase, r["overdue"],
            r["days_overdue"], colour_name(r.get("colour"))]


def _colours(reads: Any, office: str) -> dict:
    """{centre id: colour} of one office (the read model's centre summaries, page by page)."""
    known, offset, total = {}, 0, 1
    while offset < total:
        step = reads.reporting.centre_summaries({"office": office, "offset": offset, "limit": 200})
        known.update({i["centre_id"]: i["colour"] for i in step["items"] if i.get("colour")})
        offset, total = offset + 200, step["total"]
    return known


def _page_rollup(reads: Any, query: ExportQuery, offices: list[dict], offset: int | None) -> dict:
    """The roll-up of one page of offices: {rows, offices, totals} (``totals``: the page's sums, or with
    ``offset`` the whole installation's, as ``progress_rollup`` answers them)."""
    if offset is not None:
        return reads.reporting.progress_rollup({"as_of": query.as_of.isoformat(), "offset": offset, "limit": len(offices)})
    rows, ranked, totals = [], [], dict.fromkeys(STATUS, 0)
    for entry in offices:
        one = reads.reporting.progress_rollup({"as_of": query.as_of.isoformat(), "office": entry["office"]})
        rows.extend(one["rows"])
        ranked.extend(one["offices"])
        for key in STATUS:
            totals[key] += one["totals"].get(key, 0)
    return {"rows": rows, "offices": ranked, "totals": totals}


def _centres(reads: Any, names: list[str]) -> Iterator[dict]:
    todo, after = names, None
    while todo:
        step = reads.reporting.centres_after({"offices": todo, "after": after, "limit": CENTRE_LIMIT})
        yield from step["items"]
        if step["next"] is None:
            return
        todo, after = todo[step["next"]["offset"]:], step["next"]["after"]


class _Sheets:
    """The workbook's sheets, filled one page of offices at a time."""

    def __init__(self, as_of: date) -> None:
        self.book = Workbook(write_only=True)
        self.progress = _centre_progress_sheet(self.book, as_of)
        self.ranking = _sheet(self.book, "街道排名", RANKING)
        self.phases = _sheet(self.book, "分阶段进度", PHASES)
        self.centres = _sheet(self.book, "中心名单", CENTRES)
        self.rows = 0  # centres written to 中心进度
        self.totals = dict.fromkeys(STATUS, 0)
        self.whole: dict | None = None  # the installation's totals (no area)
        self.offices = 0
        self.centre_count = 0

    def page(self, reads: Any, query: ExportQuery, offices: list[dict], offset: int | None, ranking: Ranking) -> None:
        names = [o["office"] for o in offices]
        rollup = _page_rollup(reads, query, offices, offset)
        counts = {o["office"]: o["centres"] for o in offices}
        for o in rollup["offices"]:
            ranking.add(o["office"], counts.get(o["office"], 0), o)
        self.offices += len(offices)
        self.centre_count += sum(counts.values())
        if offset is None:
            for key in STATUS:
                self.totals[key] += rollup["totals"].get(key, 0)
        elif self.whole is None:
            self.whole = rollup["totals"]
        for r in rollup["rows"]:
            self.phases.append([r["office"], labels.name(labels.PHASE_TITLES, r["phase"]), r["total"], r["not_started"],
                                r["in_progress"], r["blocked"], r["done"], r["overdue"], round(r["percent_done"], 1)])
        known: dict = {}
        if query.as_of >= query.today:
            for office in names:
                known.update(_colours(reads, office))
        progress: dict = {"offices": names, "as_of": query.as_of.isoformat()}
        if query.as_of < query.today:  # a past day: the centres each office held then (the read model's stints)
            held = reads.reporting.centres_as_of({"offices": names, "as_of": query.as_of.isoformat()})
            progress["centres"] = {office: ids for office, ids in held.items() if ids is not None}
        for row in reads.milestones.centre_progress(progress):
            self.rows += 1
            if self.rows % BREATHE == 0:
                time.sleep(0)  # monkey-patched by eventlet in the gateway: a cooperative pause
            self.progress.append(centre_progress_row(self.rows, {**row, "colour": known.get(row["centre_id"])}))
        for n, c in enumerate(_centres(reads, names), start=1):
            if n % BREATHE == 0:
                time.sleep(0)
            self.centres.append([c["id"], c["name"], labels.name(labels.LEVELS, c["level"]), c["office"], c["deadline"],
                                 "是" if c["pilot"] else "否", c.get("remark") or ""])

    def finish(self, as_of: date, ranking: Ranking, indicator_ranking: dict | None, area: str | None) -> None:
        width = len(CENTRE_PROGRESS)
        self.progress.auto_filter.ref = f"A3:{get_column_letter(width)}{3 + max(self.rows, 1)}"
        for rank, office, centres, total, done, overdue, percent in ranking.ranked():
            self.ranking.append([rank, office, centres, total, done, overdue, round(percent, 1)])
        totals = self.whole or {**self.totals, "percent_done": round(100.0 * self.totals["done"] / self.totals["total"], 1)
                                if self.totals["total"] else 0.0}
        self.ranking.append(["", "合计", self.centre_count, totals["total"], totals["done"], totals["overdue"],
                             round(totals["percent_done"], 1)])
        self.ranking.append([])
        self.ranking.append(["统计截至", str(as_of)])
        if indicator_ranking is not None:
            items = indicator_ranking["items"] if not area else [e for e in indicator_ranking["items"] if ranking.has(e["office"])]
            indicator_ranking_sheet(self.book, {**indicator_ranking, "items": items})


@dataclass(frozen=True)
class Hooks:
    """What the caller adds to a workbook's writing: ``progress(rows)`` is told the centres written after each page;
    ``indicator_ranking()`` gives the year's indicator ranking (None: the sheet is left out); ``run(fn, *args)`` runs
    the final zip of the sheets (default: here; the job runner: in an OS thread, eventlet's tpool, so that the
    gateway keeps serving while a large file is compressed)."""

    progress: Callable[[int], None] | None = None
    indicator_ranking: Callable[[], dict | None] | None = None
    run: Callable[..., Any] | None = None


def write_workbook(reads: Any, query: ExportQuery, out: Any, hooks: Hooks | None = None) -> int:
    """Write the area's workbook to the binary file ``out``, page by page. ``reads``: an object with the RPC
    clients ``reporting``, ``assignment`` and ``milestones``. Returns the number of centre rows written."""
    hooks = hooks or Hooks()
    sheets, ranking = _Sheets(query.as_of), Ranking()
    try:
        for offices, offset in office_pages(reads, query.area):
            sheets.page(reads, query, offices, offset, ranking)
            if hooks.progress is not None:
                hooks.progress(sheets.rows)
        sheets.finish(query.as_of, ranking, hooks.indicator_ranking() if hooks.indicator_ranking else None, query.area)
        (hooks.run or (lambda fn, *args: fn(*args)))(sheets.book.save, out)
    finally:
        ranking.close()
    return sheets.rows
