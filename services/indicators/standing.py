"""District-wide standing from the read model (reporting's indicator figures): the district's rows, the
offices' own rows, and the ranking of offices per month, quarter or year.

The read model keeps, per office and year, the summed monthly figures per level and the centres' own
indicators judged at each month-end (``scores``); these views read one document per office and one for
the district (``_id`` reads), never the monthly reports themselves.
"""
from services.indicators import evaluation, loading, survey_counts, tracking
from shared.schemas.common import LEVELS
from shared.schemas.indicators import METRICS

AGGREGATE = "level:{}"


def aggregates(docs, counts):
    """(centres, reports) standing for every centre of each level: ``docs`` {year: read-model document},
    ``counts`` {level: registered centres}. Months nobody reported are left out, as in the reports."""
    centres = [{"id": AGGREGATE.format(level), "level": level, "count": counts.get(level, 0)} for level in LEVELS]
    reports = {c["id"]: {} for c in centres}
    for year, doc in docs.items():
        for mm, levels in (doc.get("months") or {}).items():
            for level, figures in levels.items():
                if figures.get("reports"):
                    full = {metric: figures.get(metric, 0) for metric in METRICS}
                    full["staff_total"] = figures.get("staff_total", 0)
                    reports[AGGREGATE.format(level)][f"{year}-{mm}"] = full
    return centres, reports


def level_counts(offices):
    return {level: sum(o.get(level, 0) for o in offices) for level in LEVELS}


def last_closed(year, as_of):
    """"MM" of the last month of ``year`` ended by ``as_of``, or None."""
    months = [m for m in range(1, 13) if tracking.month_end(year, m) <= as_of.toordinal()]
    return f"{months[-1]:02d}" if months else None


def centre_scores(doc, year, as_of):
    """The office's (or district's) centres' own indicators judged on ``as_of``, from the month-end scores."""
    mm = last_closed(year, as_of)
    empty = {"rows": 0, "attained": 0.0, "achieved": 0, "on_track": 0, "at_risk": 0, "missed": 0}
    return {**empty, **((doc.get("scores") or {}).get(mm) or {})} if mm else empty


def office_rows(store, office, as_of, indicators, district=None):
    """Rows of the office-scope indicators (satisfaction) of ``office`` (in ``district``), from the survey counters."""
    own = [i for i in indicators if i["applies_to"]["scope"] == "office" and evaluation.applies_in(i, district)]
    if not own:
        return []
    satisfaction = loading.satisfaction(store, "office", office, {as_of.year, as_of.year - 1})
    return evaluation.office_statuses(office, tracking.Figures([], {}, satisfaction), as_of, own)


def district(sources, as_of, indicators):
    """(rows of the offices and the district, centres' rows by status) on ``as_of``."""
    store, assignment, reporting = sources
    offices = loading.offices(assignment)
    names = [o["name"] for o in offices]
    where = {o["name"]: o.get("district") for o in offices}
    years = {as_of.year} | {i["baseline_year"] for i in indicators
                            if i.get("baseline_year") and i["baseline_year"] < as_of.year}
    model = loading.read_model(reporting, years, [])
    rows = []
    for office in names:
        rows += office_rows(store, office, as_of, indicators, where[office])
    centres, reports = aggregates({y: model[y]["district"] for y in years}, level_counts(offices))
    rows += evaluation.district_statuses(centres, reports, as_of, indicators)
    scores = centre_scores(model[as_of.year]["district"], as_of.year, as_of)
    return rows, {k: scores[k] for k in ("achieved", "on_track", "at_risk", "missed") if scores[k]}


def ranking(sources, chosen, today, indicators):
    """The offices ranked over the ``chosen`` period (``evaluation.Period``) as it stands on ``today``."""
    store, assignment, reporting = sources
    period, year, number = chosen
    end = evaluation.period_end(period, year, number or 12)
    as_of = min(end, today)
    offices = loading.offices(assignment)
    names = [o["name"] for o in offices]
    where = {o["name"]: o.get("district") for o in offices}
    docs = reporting.indicator_figures({"year": year, "offices": names})["offices"] if as_of.year == year else {}
    key = survey_counts.period_key(month=f"{year}-{number:02d}" if period == "month" else None,
                                   quarter=number if period == "quarter" else None, year=year)
    entries = []
    for office in names:
        scores = centre_scores(docs.get(office) or {}, year, as_of)
        own = [r for r in office_rows(store, office, as_of, indicators, where[office]) if r["status"] != "no_data"]
        summary = survey_counts.summary(survey_counts.read(store, "office", office, key))
        count = scores["rows"] + len(own)
        score, attained, satisfied = evaluation.office_score(scores["attained"] + evaluation.attained(own), count,
                                                             summary)
        entries.append({"office": office, "score": score, "attainment": attained, "satisfaction": satisfied,
                        "responses": summary["responses"], "indicators": count,
                        **{s: scores[s] + sum(1 for r in own if r["status"] == s)
                           for s in ("achieved", "at_risk", "missed")}})
    return {"period": period, "year": year, "number": number, "as_of": as_of.isoformat(),
            "weights": {"attainment": 100 - evaluation.SATISFACTION_WEIGHT,
                        "satisfaction": evaluation.SATISFACTION_WEIGHT},
            "items": evaluation.rank(entries)}

