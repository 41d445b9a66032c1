"""Use cases of the indicators service: each takes the store, the assignment proxy and plain data,
and returns results (and events to dispatch after the write)."""
import base64
from datetime import date

from services.indicators import evaluation, figures, loading, monthly, standing, survey, survey_counts, survey_import, tracking
from services.indicators.plans import reporting_rule
from shared import events as ev
from shared.errors import InvalidInput, NotFound


def submit_monthly(store, assignment, submission):
    """Store ``submission`` (``monthly.Submission``); returns (report, events: the report's, the status changes)."""
    centre = loading.centre(assignment, submission.request["centre_id"])
    doc, events = monthly.submit(store, centre, submission, reporting_rule()["due_workday"])
    if not events:  # a resend of a report already stored: its answer again, nothing new to tell
        return monthly.report_out(doc), []
    today, year = submission.today, doc["year"]
    as_of = today if today.year == year else date(year, 12, 31)  # a back-filled year is judged at its end
    docs = store.centre_year(centre["id"], year)
    (name, event), = events
    events = [(name, {**event, **figures.centre_year(centre, year, docs)})]
    reports = {centre["id"]: {d["month"]: d["figures"] for d in docs}}
    rows = evaluation.office_statuses(centre["office"], tracking.Figures([centre], reports, {}), as_of,
                                      evaluation.tracked())
    events += status_changes(store, rows, as_of)
    return monthly.report_out(doc), events


def status_changes(store, rows, as_of):
    """Events for the rows whose status differs from the last one recorded for the same subject and year
    (one read and at most one write per subject, however many indicators); a first verdict is an event
    with ``previous`` None, so the read model counts every status."""
    events, by_subject = [], {}
    for r in rows:
        by_subject.setdefault("{}:{}".format(r["subject"], as_of.year), []).append(r)
    for key, subject_rows in by_subject.items():
        now = {r["indicator_id"] + "@" + r["period_end"]: r["status"] for r in subject_rows}
        before = store.swap_statuses(key, now, as_of.isoformat())
        for r in subject_rows:
            previous = before.get(r["indicator_id"] + "@" + r["period_end"])
            if previous != r["status"]:
                events.append((ev.INDICATOR_STATUS_CHANGED, {
                    "indicator_id": r["indicator_id"], "subject": r["subject"], "subject_kind": r["subject_kind"],
                    "office": r["office"], "period_end": r["period_end"], "status": r["status"],
                    "previous": previous, "as_of": as_of.isoformat()}))
    return events


def get_monthly(store, assignment, centre_id, month):
    centre = loading.centre(assignment, centre_id)
    current = store.current(centre_id, month)
    history = store.history(centre_id, month, current["version"]) if current else []
    return {"centre": centre, "month": month, "current": monthly.report_out(current) if current else None,
            "history": [monthly.report_out(d) for d in history],
            "due": monthly.due_date(month, reporting_rule()["due_workday"]).isoformat()}


def status(sources, query, as_of, indicators):
    """Rows filtered by office / centre / document / status. For one office (or centre): its centres' rows and
    its own, from its reports. Without either: the offices' own rows and the district's, from the read
    model; ``by_status`` then also counts every centre's rows (``centre_rows`` of them)."""
    store, assignment = sources.store, sources.assignment
    if query.get("document"):
        indicators = [i for i in indicators if i["document"] == query["document"]]
    if query.get("centre_id"):
        query["office"] = loading.centre(assignment, query["centre_id"])["office"]
    centre_counts = {}
    if query.get("office"):
        office = query["office"]
        centres = loading.centres(assignment, office)
        satisfaction = loading.satisfaction(store, "office", office, {as_of.year, as_of.year - 1})
        own = tracking.Figures(centres, loading.reports(store, office, {as_of.year}), satisfaction)
        rows = evaluation.office_statuses(office, own, as_of, indicators)
    else:
        rows, centre_counts = standing.district(sources, as_of, indicators)
    if query.get("centre_id"):
        rows = [r for r in rows if r["subject"] == query["centre_id"]]
    if query.get("status"):
        rows = [r for r in rows if r["status"] == query["status"]]
        centre_counts = {k: v for k, v in centre_counts.items() if k == query["status"]}
    counts = dict(centre_counts)
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    page = rows[query["offset"]:query["offset"] + query["limit"]]
    return {"as_of": as_of.isoformat(), "items": page, "total": len(rows), "by_status": counts,
            "centre_rows": sum(centre_counts.values()), "limit": query["limit"], "offset": query["offset"]}


def ranking(sources, query, today, indicators):
    period, year, number = query["period"], query["year"], query["number"]
    if period != "year" and not number:
        raise InvalidInput("请指定月份或季度序号", {"number": ["required for month and quarter"]})
    if period == "quarter" and number > 4:
        raise InvalidInput("季度序号应为 1 到 4", {"number": ["1..4"]})
    chosen = evaluation.Period(period, year, number if period != "year" else None)
    return standing.ranking(sources, chosen, today, indicators)


def open_items(store, assignment, as_of, only=None):
    """Missing monthly reports (from the reporting start month) and at-risk indicators, as notification items;
    office by office (its centres, its reports: equality reads bounded by the office); only the office ``only`` when given."""
    start = store.setting("reporting_from")
    if not start:
        return []
    rule = reporting_rule()
    year, month = monthly.previous_month(as_of.year, as_of.month)
    months = []
    while tracking.month_key(year, month) >= start and len(months) < 12:
        months.append(tracking.month_key(year, month))
        year, month = monthly.previous_month(year, month)
    years = {int(m[:4]) for m in months} | {as_of.year}
    items, indicators = [], evaluation.tracked()
    warn_due = monthly.due_date(tracking.month_key(*monthly.previous_month(as_of.year, as_of.month)),
                                rule["due_workday"])
    for office in [only] if only else [o["name"] for o in loading.offices(assignment)]:
        centres = loading.centres(assignment, office)
        figures = loading.reports(store, office, years)
        for centre in centres:
            for m in months:
                if m not in figures.get(centre["id"], {}):
                    items.append({"kind": "monthly_report", "ref": "{}/{}".format(centre["id"], m),
                                  "centre_id": centre["id"], "centre_name": centre["name"], "office": office,
                                  "title": f"{m} 月度服务数据报送",
                                  "due": monthly.due_date(m, rule["due_workday"]).isoformat()})
        if as_of > warn_due:  # until then last month's figures are not all in: no verdict yet
            satisfaction = loading.satisfaction(store, "office", office, {as_of.year, as_of.year - 1})
            rows = evaluation.office_statuses(office, tracking.Figures(centres, figures, satisfaction), as_of, indicators)
            items += evaluation.warnings(rows, as_of, warn_due)
    return items


def survey_results(store, query):
    """Results of a centre, an office or the district for a month, a quarter or a year (one counter read)."""
    if query.get("centre_id"):
        scope, field, subject = "centre", "centre_id", query["centre_id"]
    elif query.get("office"):
        scope, field, subject = "office", "office", query["office"]
    else:
        scope, field, subject = "district", "district", "全区"
    if not query.get("month") and not query.get("year"):
        raise InvalidInput("请指定月份、季度或年份", {"month": ["month, or year (with quarter)"]})
    period = survey_counts.period_key(query.get("month"), query.get("quarter"), query.get("year"))
    counts = survey_counts.read(store, scope, None if scope == "district" else subject, period)
    parts = sorted(((counts or {}).get("parts") or {}).items())
    if scope == "centre":
        parts = [(subject, counts)] if counts else []
    out = {field: subject, "scope": scope, "period": period, **survey_counts.summary(counts),
           "questions": [{"key": k, "text": t, "source": s} for k, t, s in survey.QUESTIONS]}
    out["offices" if scope == "district" else "centres"] = [
        {("office" if scope == "district" else "centre_id"): p, **survey_counts.summary(c)} for p, c in parts]
    if query.get("month"):
        out["month"] = query["month"]
    else:
        out["year"] = query["year"]
        if query.get("quarter"):
            out["quarter"] = query["quarter"]
    return out


def import_survey(store, assignment, data, today, now):
    def find(centre_id):
        try:
            return loading.centre(assignment, centre_id)
        except NotFound:  # an unknown centre is a row error, reported with its line
            return None
    try:
        content = base64.b64decode(data["content_b64"], validate=True)
    except ValueError:
        raise InvalidInput("文件内容编码有误", {"content_b64": ["invalid base64"]}) from None
    docs = survey_import.parse(data["filename"], content, find, today, now)
    store.add_responses(docs)
    survey_counts.count(store, docs)
    return {"imported": len(docs), "centres": len({d["centre_id"] for d in docs}),
            "message": f"已导入 {len(docs)} 条满意度测评结果"}


def set_reporting_start(store, month):
    year, number = monthly.parse_month(month)
    store.set_setting("reporting_from", tracking.month_key(year, number))
    return {"reporting_from": tracking.month_key(year, number), "due_workday": reporting_rule()["due_workday"],
            "first_due": monthly.due_date(month, reporting_rule()["due_workday"]).isoformat()}


def parse_as_of(value, today):
    return date.fromisoformat(value) if isinstance(value, str) else (value or today)
