"""Use cases of the indicators at their own level (docs/areas.md): a district's report toward its city, and the
view of an area's indicators (a city's against their targets with its districts ranked, a district's own).

Reads: the area tree (``assignment.list_areas``: an area and its children, one equality read), a city's districts'
reports (equality on ``city`` + ``year``), a district's report (``_id`` read), and for a district's own indicators
the read model's documents of its offices (``assignment.district_offices``: equality on ``district``)."""
from datetime import date

from services.indicators import evaluation, levels, quotas, standing
from shared.areas import level_of, parent_of
from shared.errors import InvalidInput, NotFound
from shared.schemas.common import LEVELS
from shared.schemas.indicators import METRICS

LOOK_BACK = 6  # years searched for figures when no year is chosen
LEVEL_NAMES = {"province": "省", "city": "市", "district": "区（县）"}


def area(assignment, code):
    """{code, name, level} of ``code`` from the area tree, or NotFound in Chinese."""
    try:
        found = assignment.list_areas({"parent": code})
    except NotFound:
        raise NotFound("区划不存在或尚未导入", {"area": [code]}) from None
    return found["area"], [c for c in found["items"] if c["level"] in ("city", "district")]


def district_of(assignment, code):
    found, _ = area(assignment, code)
    if found["level"] != "district":
        raise InvalidInput("只有区县可以报送", {"district": ["请选择区县（6 位代码）"]})
    return {"code": code, "name": found["name"], "city": parent_of(code)}


def submit(store, assignment, submission):
    district = district_of(assignment, submission.request["district"])
    doc, _ = quotas.submit(store, district, submission)
    return report_page(store, district, doc["year"], submission.today)


def report_page(store, district, year, today):
    """A district's report of ``year`` for its form: the fields, the current version (None: 未报送), the history."""
    key = quotas.report_id(district["code"], year)
    current = store.area_report(key)
    history = store.area_report_history(key, current["version"]) if current else []
    rows = quotas.district_rows(district["city"], district, current["figures"] if current else {}, year,
                                _as_of(year, today))
    return {"district": district, "year": year, "fields": levels.report_fields(district["city"]),
            "current": quotas.report_out(current), "status": "已报送" if current else quotas.NOT_REPORTED,
            "history": [quotas.report_out(d) for d in history], "rows": rows}


def get_report(store, assignment, district_code, year, today):
    return report_page(store, district_of(assignment, district_code), year, today)


def _as_of(year, today):
    return min(today, date(year, 12, 31))


def view(sources, query, today):
    """The indicators of ``query["area"]`` at its own level for ``query["year"]`` (none: the latest with figures)."""
    store, assignment = sources.store, sources.assignment
    code = query["area"]
    found, children = area(assignment, code)
    level = level_of(code)
    year, latest = query.get("year"), False
    if year is None:
        year, latest = _latest(store, code, level, today), True
    as_of = _as_of(year, today)
    out = {"area": {"code": code, "name": found["name"], "level": level}, "year": year, "as_of": as_of.isoformat(),
           "latest": latest, "note": None, "quotas": [], "ranking": [], "own": [], "report": None, "children": []}
    if latest and year != today.year:
        out["note"] = f"{today.year} 年尚无报送数据，已显示有数据的最近年度：{year} 年。"
    if level == "city":
        counters = {"year": year, "now": quotas.counters(store, code, year),
                    "before": quotas.counters(store, code, year - 1)}
        city = quotas.city_view(code, children, counters, as_of)
        out.update(quotas=city["rows"], ranking=city["ranking"])
    elif level == "district":
        district = {"code": code, "name": found["name"], "city": parent_of(code)}
        out["report"] = report_page(store, district, year, today) if levels.report_fields(district["city"]) else None
        out["own"] = own_rows(sources, district, year, as_of)
    else:
        out["children"] = [city_summary(store, c, year, as_of) for c in children]
    return out


def city_summary(store, city, year, as_of):
    counters = {"year": year, "now": quotas.counters(store, city["code"], year),
                "before": quotas.counters(store, city["code"], year - 1)}
    rows = quotas.city_view(city["code"], [], counters, as_of)["rows"]
    return {"code": city["code"], "name": city["name"], "indicators": len(rows),
            "achieved": sum(1 for r in rows if r["status"] == "achieved"),
            "reported": len((counters["now"] or {}).get("parts") or {})}


def _latest(store, code, level, today):
    for year in range(today.year, today.year - LOOK_BACK, -1):
        if level == "city":
            if store.city_reports(code, year):
                return year
        elif level == "district" and store.area_report(quotas.report_id(code, year)):
            return year
    return today.year


def own_rows(sources, district, year, as_of):
    """The district-level indicators of the district's own plans, from its offices' read-model documents."""
    indicators = levels.own_indicators(district["code"])
    if not indicators:
        return []
    names = sources.assignment.district_offices(district["code"])["offices"]
    offices = [sources.assignment.get_office(n) for n in names]
    years = {y for y in {year} | {i["baseline_year"] or year - 1 for i in indicators if i["kind"] == "growth_percent"}
             if y >= 2000}  # the read model keeps no year before 2000
    docs = {}
    for y in sorted(years):
        found = sources.reporting.indicator_figures({"year": y, "offices": names})["offices"] if names else {}
        docs[y] = summed(found.values())
    centres, reports = standing.aggregates(docs, standing.level_counts(offices))
    rows = evaluation.district_statuses(centres, reports, as_of, indicators)
    for r in rows:
        r.update(subject=district["code"], subject_name=district["name"])
    return rows


def summed(docs):
    """One document whose monthly figures per level are the sums of ``docs``' (the read model's office documents)."""
    months = {}
    for doc in docs:
        for mm, by_level in ((doc or {}).get("months") or {}).items():
            for lvl, figures in by_level.items():
                if lvl not in LEVELS:
                    continue
                into = months.setdefault(mm, {}).setdefault(lvl, {})
                for key, value in figures.items():
                    if (key in METRICS or key in ("reports", "staff_total")) and isinstance(value, (int, float)):
                        into[key] = into.get(key, 0) + value
    return {"months": months}


def recount(store, assignment, city, year):
    if level_of(city) != "city":
        raise InvalidInput("请指定市（4 位代码）", {"city": ["4 位代码"]})
    _, children = area(assignment, city)
    out = quotas.recount(store, city, year, [c["code"] for c in children if c["level"] == "district"])
    return {"city": city, "year": year, "districts": sorted(out["parts"]), "total": out["total"]}
