"""The figures of a period, read over the RPCs the dashboard and the Excel report use, in bounded pages.

- the district's roll-up and ranking on the period's last day (or today), and on the day before it began,
  so the milestones done in the period are the difference (``reporting.progress_rollup``, as_of from the
  read model's daily snapshots; ``services/gateway/reports.py`` joins the pages);
- the centres by how far they are (``reporting.centre_summaries``, paged), only while the period runs:
  the read model keeps a centre's present state, not its past;
- what was overdue on that day (``notifications.overdue_report``: its total and the first items, the
  longest overdue first) and the open rectifications (``reporting.open_items``, paged by cursor);
- the offices' evaluation of the period (``indicators.ranking``: 月评、季评、年度考评).
"""
from datetime import date, timedelta

from services.gateway.bulletins.periods import Period
from services.gateway.reports import all_offices, district_rollup
from shared.errors import InvalidInput
from shared.pages import every_item

PAGE = 1000
OPEN_UNTIL = date(9999, 12, 31)  # open rectifications whatever their deadline


def centre_states(summaries: list[dict]) -> dict:
    """{total, done, started, not_started}: centres with every milestone done, with some, with none."""
    done = sum(1 for c in summaries if c["total"] and c["done"] == c["total"])
    started = sum(1 for c in summaries if 0 < c["done"] < c["total"])
    return {"total": len(summaries), "done": done, "started": started, "not_started": len(summaries) - done - started}


def open_rectifications(reporting, as_of: date, limit: int) -> dict:
    """{total, by_office: {office: n}, items: the first ``limit``} of the rectifications open on ``as_of``,
    page by page (``reporting.open_items``, at most PAGE per call)."""
    total, by_office, items, cursor = 0, {}, [], None
    while True:
        page = reporting.open_items({"kind": "rectification", "before": OPEN_UNTIL.isoformat(),
                                     "as_of": as_of.isoformat(), "cursor": cursor, "limit": PAGE})
        for item in page["items"]:
            total += 1
            by_office[item["office"]] = by_office.get(item["office"], 0) + 1
            if len(items) < limit:
                items.append(item)
        cursor = page["cursor"]
        if cursor is None:
            return {"total": total, "by_office": by_office, "items": items}


def done_before(reporting, day: date, offices: list) -> dict:
    """The roll-up of ``day``, the eve of a period; a day before the programme (refused by the read model: it has no
    figures) had nothing done yet."""
    try:
        return district_rollup(reporting, day.isoformat(), offices, PAGE)
    except InvalidInput as exc:
        if "as_of" not in (exc.details or {}):
            raise
        return {"offices": [], "totals": {"done": 0}}


def gather(rpc, period: Period, today: date, limit: int) -> dict:
    """Everything the 通报 of ``period`` says, as of the period's last day (today while it runs);
    ``rpc`` has the clients ``reporting``, ``notifications`` and ``indicators``."""
    reporting, notifications, indicators = rpc.reporting, rpc.notifications, rpc.indicators
    as_of = period.as_of(today)
    offices = all_offices(reporting, PAGE)
    progress = district_rollup(reporting, as_of.isoformat(), offices, PAGE)
    before = done_before(reporting, period.start - timedelta(days=1), offices)
    centres = None
    if as_of == today:
        centres = centre_states(every_item(reporting.centre_summaries, PAGE))
    overdue = notifications.overdue_report({"as_of": as_of.isoformat(), "limit": limit, "offset": 0})
    return {"period": period, "as_of": as_of, "offices": offices, "progress": progress,
            "done_before": {o["office"]: o["done"] for o in before["offices"]},
            "done_before_total": before["totals"]["done"], "centres": centres,
            "overdue": {"total": overdue["total"], "items": overdue["items"]},
            "rectifications": open_rectifications(reporting, as_of, limit),
            "evaluation": indicators.ranking(period.ranking_query())}
