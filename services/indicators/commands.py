"""Use cases of the indicators service: each takes the store, the assignment proxy and plain data,
and returns results (and events to dispatch after the write)."""
import base64
from datetime import date

from shared import events as ev
from shared.errors import InvalidInput, NotFound
from services.indicators import evaluation, loading, monthly, survey, survey_import, tracking
from services.indicators.plans import reporting_rule


def submit_monthly(store, assignment, data, actor, now, today):
    centre = loading.centre(assignment, data["centre_id"])
    doc, events = monthly.submit(store, centre, data, actor, now, today, reporting_rule()["due_workday"])
    year = doc["year"]
    as_of = today if today.year == year else date(year, 12, 31)  # a back-filled year is judged at its end
    reports = {centre["id"]: {d["month"]: d["figures"] for d in store.centre_year(centre["id"], year)}}
    rows = evaluation.office_statuses(centre["office"], [centre], reports, {}, as_of, evaluation.tracked())
    events += status_changes(store, rows, as_of)
    return monthly.report_out(doc), events


def status_changes(store, rows, as_of):
    """Events for the rows whose status differs from the last one recorded for the same subject and year
    (one read and at most one write per subject, however many indicators)."""
    events, by_subject = [], {}
    for r in rows:
        by_subject.setdefault("{}:{}".format(r["subject"], as_of.year), []).append(r)
    for key, subject_rows in by_subject.items():
        now = {r["indicator_id"] + "@" + r["period_end"]: r["status"] for r in subject_rows}
        before = store.swap_statuses(key, now, as_of.isoformat())
        for r in subject_rows:
            previous = before.get(r["indicator_id"] + "@" + r["period_end"])
            if previous is not None and previous != r["status"]:  # the first verdict is recorded quietly
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


def _data(store, assignment, office, years):
    """(centres by office, figures by office, satisfaction by office) for one office or the whole district.

    Figures are read for ``years``; survey responses for those years and the year before (002 compares a
    year's satisfaction with the previous one)."""
    survey_years = set(years) | {y - 1 for y in years}
    if office:
        return ({office: loading.centres(assignment, office)}, {office: loading.reports(store, office, years)},
                {office: loading.satisfaction(store, "office", office, survey_years)})
    centres, reports = loading.district(store, assignment, years)
    return centres, reports, loading.district_satisfaction(store, survey_years)


def status(store, assignment, query, as_of, indicators):
    """Status rows filtered by office / centre / document / status; the district rows when no office is given."""
    if query.get("document"):
        indicators = [i for i in indicators if i["document"] == query["document"]]
    if query.get("centre_id"):
        query["office"] = loading.centre(assignment, query["centre_id"])["office"]
    years = {as_of.year}
    if not query.get("office"):
        years |= {i["baseline_year"] for i in indicators if i.get("baseline_year") and i["baseline_year"] < as_of.year}
    centres, reports, satisfaction = _data(store, assignment, query.get("office"), years)
    rows = []
    for office in sorted(centres):
        rows += evaluation.office_statuses(office, centres[office], reports.get(office, {}),
                                           satisfaction.get(office, {}), as_of, indicators)
    if not query.get("office"):
        merged = {cid: months for per_office in reports.values() for cid, months in per_office.items()}
        rows += evaluation.district_statuses([c for cs in centres.values() for c in cs], merged, as_of, indicators)
    if query.get("centre_id"):
        rows = [r for r in rows if r["subject"] == query["centre_id"]]
    if query.get("status"):
        rows = [r for r in rows if r["status"] == query["status"]]
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    page = rows[query["offset"]:query["offset"] + query["limit"]]
    return {"as_of": as_of.isoformat(), "items": page, "total": len(rows), "by_status": counts,
            "limit": query["limit"], "offset": query["offset"]}


def ranking(store, assignment, query, today, indicators):
    period, year, number = query["period"], query["year"], query["number"]
    if period != "year" and not number:
        raise InvalidInput("请指定月份或季度序号", {"number": ["required for month and quarter"]})
    if period == "quarter" and number > 4:
        raise InvalidInput("季度序号应为 1 到 4", {"number": ["1..4"]})
    end = evaluation.period_end(period, year, number or 12)
    as_of = min(end, today)
    first = 1 if period == "year" else (3 * number - 2 if period == "quarter" else number)
    months = [tracking.month_key(year, m) for m in range(first, end.month + 1)]
    centres, reports, satisfaction = _data(store, assignment, None, {as_of.year})
    surveys = loading.district_survey(store, year, months)
    entries = []
    for office in sorted(centres):
        rows = [r for r in evaluation.office_statuses(office, centres[office], reports.get(office, {}),
                                                      satisfaction.get(office, {}), as_of, indicators)
                if r["status"] != "no_data"]
        summary = surveys.get(office) or survey.summarise([])
        score, attained, satisfied = evaluation.office_score(rows, summary)
        entries.append({"office": office, "score": score, "attainment": attained, "satisfaction": satisfied,
                        "responses": summary["responses"], "indicators": len(rows),
                        "achieved": sum(1 for r in rows if r["status"] == "achieved"),
                        "at_risk": sum(1 for r in rows if r["status"] == "at_risk"),
                        "missed": sum(1 for r in rows if r["status"] == "missed")})
    return {"period": period, "year": year, "number": number, "as_of": as_of.isoformat(),
            "weights": {"attainment": 100 - evaluation.SATISFACTION_WEIGHT,
                        "satisfaction": evaluation.SATISFACTION_WEIGHT},
            "items": evaluation.rank(entries)}


def open_items(store, assignment, as_of):
    """Missing monthly reports (from the reporting start month) and at-risk indicators, as notification items."""
    start = store.setting("reporting_from")
    if not start:
        return []
    rule = reporting_rule()
    year, month = monthly.previous_month(as_of.year, as_of.month)
    months = []
    while tracking.month_key(year, month) >= start and len(months) < 12:
        months.append(tracking.month_key(year, month))
        year, month = monthly.previous_month(year, month)
    centres, reports, satisfaction = _data(store, assignment, None, {int(m[:4]) for m in months} | {as_of.year})
    items, indicators = [], evaluation.tracked()
    warn_due = monthly.due_date(tracking.month_key(*monthly.previous_month(as_of.year, as_of.month)),
                                rule["due_workday"])
    for office in sorted(centres):
        figures = reports.get(office, {})
        for centre in centres[office]:
            for m in months:
                if m not in figures.get(centre["id"], {}):
                    items.append({"kind": "monthly_report", "ref": "{}/{}".format(centre["id"], m),
                                  "centre_id": centre["id"], "centre_name": centre["name"], "office": office,
                                  "title": "{} 月度服务数据报送".format(m),
                                  "due": monthly.due_date(m, rule["due_workday"]).isoformat()})
        if as_of > warn_due:  # until then last month's figures are not all in: no verdict yet
            rows = evaluation.office_statuses(office, centres[office], figures, satisfaction.get(office, {}), as_of,
                                              indicators)
            items += evaluation.warnings(rows, as_of, warn_due)
    return items


def survey_results(store, query):
    if query.get("centre_id"):
        field, value = "centre_id", query["centre_id"]
    elif query.get("office"):
        field, value = "office", query["office"]
    else:
        raise InvalidInput("请指定中心或街道办事处", {"centre_id": ["centre_id or office required"]})
    if query.get("month"):
        periods, period_field = [query["month"]], "month"
    elif query.get("year"):
        periods, period_field = [query["year"]], "year"
    else:
        raise InvalidInput("请指定月份或年份", {"month": ["month or year required"]})
    docs = [d for p in periods for d in store.responses_by(field, value, period_field, p)]
    by_centre = {}
    for d in docs:
        by_centre.setdefault(d["centre_id"], []).append(d)
    return {field: value, period_field: periods[0], **survey.summarise(docs),
            "centres": [{"centre_id": c, **survey.summarise(ds)} for c, ds in sorted(by_centre.items())],
            "questions": [{"key": k, "text": t, "source": s} for k, t, s in survey.QUESTIONS]}


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
    return {"imported": len(docs), "centres": len({d["centre_id"] for d in docs}),
            "message": "已导入 {} 条满意度测评结果".format(len(docs))}


def set_reporting_start(store, month):
    year, number = monthly.parse_month(month)
    store.set_setting("reporting_from", tracking.month_key(year, number))
    return {"reporting_from": tracking.month_key(year, number), "due_workday": reporting_rule()["due_workday"],
            "first_due": monthly.due_date(month, reporting_rule()["due_workday"]).isoformat()}


def parse_as_of(value, today):
    return date.fromisoformat(value) if isinstance(value, str) else (value or today)
