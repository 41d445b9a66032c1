"""Monthly reports: validation with field-level Chinese errors, versions with history, due dates.

A report is due on the N-th working day of the following month (N from the plan that sets monthly
reporting: 001, 按时上报 ... 月评、季评和年度考评). A correction is version n+1 of the same centre and
month; it is an insert guarded by the unique ``centre:month:version`` id, so of two corrections based on
the same version exactly one wins and the other gets 409.
"""
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from shared import events as ev
from shared.authz import authorize
from shared.errors import Conflict, InvalidInput
from shared.schemas.indicators import METRICS
from shared.workdays import add_workdays

FLAGS = ("centre_open", "branch_library", "service_point", "culture_coop")
DECIMAL = ("funding_yuan", "facility_area_m2")
LIMIT = 10 ** 9


class Submission(NamedTuple):
    """A monthly report or a correction as sent: the validated ``request`` (``MonthlyReportSchema``: centre_id,
    month, figures, note, based_on_version), the ``actor`` who sends it, and when (``today`` in local time)."""

    request: dict[str, Any]
    actor: dict[str, Any]
    now: datetime
    today: date
    request_id: str | None = None  # the gateway's id of this request (its Idempotency-Key): a resend finds its write


def parse_month(text):
    year, month = (int(p) for p in text.split("-"))
    return year, month


def last_day(year, month):
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def due_date(month, due_workday):
    """The ``due_workday``-th working day after the month's last day."""
    return add_workdays(last_day(*parse_month(month)), due_workday)


def previous_month(year, month):
    return (year - 1, 12) if month == 1 else (year, month - 1)


def clean_figures(figures):
    """The figures as numbers, or InvalidInput naming every bad field (``figures.<metric>``)."""
    errors, out = {}, {}
    if not figures:
        errors["figures"] = ["至少填写一项数据"]
    for name, raw in (figures or {}).items():
        key = f"figures.{name}"
        if name not in METRICS:
            errors[key] = [f"未知的统计项“{name}”"]
            continue
        label = METRICS[name][0]
        if isinstance(raw, bool) or raw is None or raw == "":
            errors[key] = [f"{label}必须填写数字"]
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            errors[key] = [f"{label}必须是数字，收到“{raw}”"]
            continue
        if value != value or value < 0 or value > LIMIT:
            errors[key] = [f"{label}必须在 0 到 {LIMIT} 之间"]
        elif name in FLAGS and value not in (0, 1):
            errors[key] = [f"{label}只能填 1（是）或 0（否）"]
        elif name not in DECIMAL and value != int(value):
            errors[key] = [f"{label}必须是整数"]
        else:
            out[name] = round(value, 2) if name in DECIMAL else int(value)
    if errors:
        raise InvalidInput("月报数据有误", errors)
    return out


def submit(store, centre, submission, due_workday):
    """Store a monthly report (or a correction) for ``centre``; returns (saved doc, events)."""
    data, actor, now, today = submission.request, submission.actor, submission.now, submission.today
    authorize(actor, "monthly.submit", message="当前角色无权填报月报")
    authorize(actor, "monthly.submit", centre["office"], message="只能填报本街道办事处（{}）的中心".format(actor.get("office")),
              district=centre.get("district"))
    year, month = parse_month(data["month"])
    if date(year, month, 1) > today:
        raise InvalidInput("不能填报尚未开始的月份", {"month": ["{} 尚未开始".format(data["month"])]})
    figures = clean_figures(data["figures"])
    current = store.current(centre["id"], data["month"])
    latest = current["version"] if current else 0
    based_on = data.get("based_on_version")
    if based_on is None:
        based_on = latest
    if based_on != latest:
        mine = own_write(store, centre["id"], data["month"], based_on, submission.request_id)
        if mine is not None:  # this very request, stored before its answer was lost: the same answer, no new event
            return mine, []
        raise Conflict(f"月报已被他人修改（当前版本 {latest}），请刷新后再提交",
                       {"based_on_version": [f"current version is {latest}"]})
    due = due_date(data["month"], due_workday)
    doc = {"centre_id": centre["id"], "centre_name": centre["name"], "office": centre["office"],
           "level": centre["level"], "district": centre.get("district"), "month": data["month"], "year": year, "figures": figures,
           "note": data.get("note") or "", "version": latest + 1, "due": due.isoformat(),
           "late": today > due, "actor": actor, "at": now, "request_id": submission.request_id}
    try:
        store.insert_revision(doc)
    except Conflict:
        mine = own_write(store, centre["id"], data["month"], latest, submission.request_id)
        if mine is not None:  # delivered twice at once: the other delivery wrote it
            return mine, []
        raise
    event = {k: doc[k] for k in ("centre_id", "office", "month", "version", "late")}
    return doc, [(ev.MONTHLY_REPORT_SUBMITTED, {**event, "at": now.isoformat()})]


def own_write(store, centre_id, month, based_on, request_id):
    """The revision this request wrote on top of ``based_on`` earlier (a resend after a lost answer), else None."""
    if not request_id or not isinstance(based_on, int):
        return None
    mine = store.revision(centre_id, month, based_on + 1)
    return mine if mine is not None and mine.get("request_id") == request_id else None


def report_out(doc):
    out = {k: doc.get(k) for k in ("centre_id", "centre_name", "office", "level", "month", "figures", "note",
                                   "version", "late", "due", "actor")}
    at = doc.get("at")
    out["at"] = at.isoformat() if hasattr(at, "isoformat") else at
    return out
