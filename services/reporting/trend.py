"""The district's progress over time, from the read model's daily snapshots (``district:day``).

The district document lists its snapshot days (``snap_days``); each snapshot is the district's ``fig`` at the
end of that day. A trend is at most ``points`` of those days (evenly spaced, the first and the last kept) up to
``until``, plus today from the current ``fig``: one read of the district document and one ``_id`` read per
point, so its cost follows ``points``, never the length of the history.
"""
from datetime import date

from services.reporting.figures import fig_as_of, percent
from services.reporting.store import DISTRICT


def spaced(days, points):
    """At most ``points`` of ``days`` (sorted), evenly spaced, keeping the first and the last."""
    if len(days) <= points:
        return list(days)
    if points == 1:
        return [days[-1]]
    step = (len(days) - 1) / (points - 1)
    return [days[round(i * step)] for i in range(points)]


def point(fig, on):
    """Totals of a ``fig`` on day ``on``: milestones, done, blocked, and overdue (open, due before ``on``)."""
    total = done = blocked = overdue = 0
    for cell in (fig.get("cells") or {}).values():
        total += cell.get("total", 0)
        done += cell.get("done", 0)
        blocked += cell.get("blocked", 0)
        overdue += sum(n for due, n in (cell.get("open_due") or {}).items() if due < on)
    return {"day": on, "total": total, "done": done, "blocked": blocked, "overdue": overdue,
            "percent_done": percent(done, total)}


def progress_trend(store, query, today: date):
    """``ProgressTrendSchema``: the district's totals on at most ``query["points"]`` days up to ``until``
    (default today), oldest first; ``days`` says how many snapshot days there are in all up to ``until``."""
    until = min(query.get("until") or today, today).isoformat()
    district = store.district_doc()
    days = sorted(d for d in district.get("snap_days", []) if d <= until)
    current = district.get("fig") if until == today.isoformat() and district.get("day") else None
    candidates = [d for d in days if d < until] + [until] if current is not None else days
    out = []
    for d in spaced(candidates, query["points"]):
        if current is not None and d == until:
            out.append(point(current, until))
            continue
        if district.get("parts") is not None:  # partitions: the sum of each one's figures on that day
            fig = fig_as_of(store, district, date.fromisoformat(d), "district")
            if fig is not None:
                out.append(point(fig, d))
            continue
        snap = store.get("district", f"{DISTRICT}:{d}")
        if snap is not None:
            out.append(point(snap.get("fig") or {}, d))
    return {"until": until, "days": len(candidates), "points": out}
