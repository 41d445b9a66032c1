"""A district's yearly report toward its city's indicators, the city's figures from them, and the evaluation of an
area's indicators at its own level (docs/areas.md).

A report is versioned like a monthly report: version n+1 of ``district:year`` is an insert guarded by its unique
``_id`` (of two corrections based on the same version exactly one wins, the other gets 409); a resend of the same
request (its request id) finds its stored write and answers it again. The current version of each district and year
(``area_reports``, moved forward only, ``shared/revisions.py``) is that district's counter toward its city: how many
of its venues were 评审/评选 this year, a yes/no, a count. The city's figure is their sum, read by one equality read on
``city`` + ``year`` (a city has tens of districts), so any number of replicas may write: no read-modify-write of a
shared document. ``recount`` repairs a district's current version left behind by a crash between its revision and
its projection (walking the revisions forward by ``_id``); the figures after it equal the live ones.
"""
from datetime import date
from typing import Any, NamedTuple

from services.indicators import levels, tracking
from shared.authz import authorize
from shared.errors import Conflict, InvalidInput
from shared.schemas.indicators import METRICS

LIMIT = 10 ** 9
NOT_REPORTED = "未报送"


class AreaSubmission(NamedTuple):
    """A district's report as sent: the validated ``request`` (``AreaReportSchema``), the ``actor``, when, and the
    gateway's request id (its Idempotency-Key)."""

    request: dict[str, Any]
    actor: dict[str, Any]
    now: Any
    today: date
    request_id: str | None = None


def report_id(district, year):
    return f"{district}:{year}"


def clean(figures, fields):
    """The figures as whole numbers, or InvalidInput naming every bad field (``figures.<key>``)."""
    known = {f["key"]: f for f in fields}
    errors, out = {}, {}
    if not figures:
        errors["figures"] = ["至少填写一项数据"]
    for key, raw in (figures or {}).items():
        where = f"figures.{key}"
        if key not in known:
            errors[where] = ["不是本市指标的报送项"]
            continue
        name = known[key]["label"]
        if raw is None or raw == "":
            continue  # left empty: not reported
        if isinstance(raw, bool):
            errors[where] = [f"{name}必须填写数字"]
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            errors[where] = [f"{name}必须是数字，收到“{raw}”"]
            continue
        if value != value or value < 0 or value > LIMIT:
            errors[where] = [f"{name}必须在 0 到 {LIMIT} 之间"]
        elif value != int(value):
            errors[where] = [f"{name}必须是整数"]
        else:
            out[key] = int(value)
    if not errors and not out:
        errors["figures"] = ["至少填写一项数据"]
    if errors:
        raise InvalidInput("报送数据有误", errors)
    for a, b in (("branch_library", "branch_library_of"), ("culture_coop", "culture_coop_of"),
                 ("satisfaction_good", "satisfaction_total")):
        if a in out and b in out and out[a] > out[b]:
            raise InvalidInput("报送数据有误", {f"figures.{a}": [f"{known[a]['label']}不能大于{known[b]['label']}"]})
    return out


def submit(store, district, submission):
    """Store a district's report (``district``: {code, name, city}); returns (doc, new: False for a resend)."""
    data, actor = submission.request, submission.actor
    authorize(actor, "quotas.submit", message="当前角色无权报送指标数据", district=district["code"])
    fields = levels.report_fields(district["city"])
    if not fields:
        raise InvalidInput("所属市没有需要区县报送的指标", {"district": ["该区县所属的市没有需由区县报送的指标"]})
    if data["year"] > submission.today.year:
        raise InvalidInput("不能报送尚未开始的年度", {"year": ["{} 年尚未开始".format(data["year"])]})
    figures = clean(data["figures"], fields)
    key = report_id(district["code"], data["year"])
    current = store.area_report(key)
    latest = current["version"] if current else 0
    based_on = latest if data.get("based_on_version") is None else data["based_on_version"]
    if based_on != latest:
        mine = own_write(store, key, based_on, submission.request_id)
        if mine is not None:
            return mine, False
        raise Conflict(f"报送数据已被他人修改（当前版本 {latest}），请刷新后再提交",
                       {"based_on_version": [f"current version is {latest}"]})
    doc = {"district": district["code"], "district_name": district["name"], "city": district["city"],
           "province": district["city"][:2], "year": data["year"], "figures": figures, "note": data.get("note") or "",
           "version": latest + 1, "actor": actor, "at": submission.now, "request_id": submission.request_id}
    try:
        store.insert_area_report(doc)
    except Conflict:
        mine = own_write(store, key, latest, submission.request_id)
        if mine is not None:
            return mine, False
        raise
    return doc, True


def own_write(store, key, based_on, request_id):
    if not request_id or not isinstance(based_on, int):
        return None
    mine = store.area_report_revision(key, based_on + 1)
    return mine if mine is not None and mine.get("request_id") == request_id else None


def total(parts):
    out = {}
    for part in parts.values():
        for key, value in part["figures"].items():
            out[key] = out.get(key, 0) + value
    return out


def counters(store, city, year):
    """{"parts": {district: {version, figures}}, "total"}: the city's districts' current reports of ``year`` and their
    sum (one equality read on ``city`` + ``year``)."""
    parts = {d["district"]: {"version": d["version"], "figures": d["figures"]} for d in store.city_reports(city, year)}
    return {"parts": parts, "total": total(parts)}


def recount(store, city, year, districts):
    """Bring each of ``districts``' (codes) current report of ``year`` up to its last revision (a projection left
    behind by a crash), then the city's figures as ``counters`` reads them."""
    for district in districts:
        key = report_id(district, year)
        current = store.area_report(key)
        version = current["version"] if current else 0
        latest = None
        while (found := store.area_report_revision(key, version + 1)) is not None:
            latest, version = found, version + 1
        if latest is not None:
            store.project_area_report({**latest, "_id": key})
    return counters(store, city, year)


def report_out(doc):
    if doc is None:
        return None
    out = {k: doc.get(k) for k in ("district", "district_name", "city", "year", "figures", "note", "version", "actor")}
    at = doc.get("at")
    out["at"] = at.isoformat() if hasattr(at, "isoformat") else at
    return out


# --- evaluation --------------------------------------------------------------------------------------------


def period_end(indicator, year):
    return indicator["target_date"] if indicator["period"] == "target_date" else date(year, 12, 31)


def value_of(indicator, figures, previous=None):
    """The indicator's value from summed report ``figures`` (None when a needed field was not reported)."""
    names = levels.keys(indicator)
    if any(k not in figures for k in names):
        return None
    if indicator["metric"] == "satisfaction_rate":
        rate = _rate(figures)
        base = _rate(previous or {})
        if rate is None or base is None or not base:
            return None
        return (rate / base - 1) * 100
    if len(names) == 2:
        den = figures[names[1]]
        return figures[names[0]] / den * (indicator.get("scale") or 1.0) if den else None
    return figures[names[0]]


def _rate(figures):
    total_ = figures.get("satisfaction_total")
    return 100.0 * figures["satisfaction_good"] / total_ if total_ else None


def judge(indicator, value, year, as_of):
    """(status, projection) on ``as_of`` of a value reported for ``year``."""
    end = period_end(indicator, year)
    over = as_of >= end
    if value is None:
        return ("missed" if over else "no_data"), None
    projection = value
    metric = indicator["metric"]
    if indicator["period"] == "year" and metric in METRICS and METRICS[metric][2] == "sum" and not over:
        elapsed = (as_of - date(year, 1, 1)).days + 1
        projection = value * 365 / max(elapsed, 1)
    if indicator["kind"] == "growth_percent":
        if over:
            return ("achieved" if value > 0 and value >= indicator["target"] else "missed"), projection
        return ("on_track" if value > 0 and value >= indicator["target"] else "at_risk"), projection
    return tracking.judge(indicator["kind"], value, projection, indicator["target"], over), projection


def row(indicator, figures, year, as_of, previous=None):
    value = value_of(indicator, figures, previous)
    status, projection = judge(indicator, value, year, as_of)
    return {"indicator_id": indicator["id"], "document": indicator["document"], "title": indicator["title"],
            "clause": indicator["source"]["clause"], "kind": indicator["kind"], "unit": indicator["unit"],
            "level": indicator["applies_to"]["level"], "target": indicator["target"],
            "period_end": period_end(indicator, year).isoformat(), "value": _round(value),
            "projection": _round(projection), "status": status}


def attainment(indicator, result):
    value = result["value"]
    if result["status"] == "achieved":
        return 1.0
    if value is None:
        return 0.0
    if indicator["kind"] == "count_at_most":
        return 1.0 if value <= indicator["target"] else 0.0
    if indicator["kind"] == "growth_percent":
        return 1.0 if value > 0 and value >= indicator["target"] else 0.0
    target = indicator["target"]
    return 1.0 if target <= 0 else max(0.0, min(1.0, value / target))


def city_view(city, districts, counters, as_of):
    """A city's indicators against their targets from its districts' reports, and its districts ranked.

    ``districts`` [{code, name}] (the area tree's children of the city), ``counters`` {"now": counter of the year,
    "before": the previous year's} (None when nothing was reported)."""
    year = counters["year"]
    now = counters.get("now") or {"parts": {}, "total": {}}
    before = counters.get("before") or {"parts": {}, "total": {}}
    parts = now.get("parts") or {}
    names = {d["code"]: d["name"] for d in districts}
    rows = []
    for indicator in levels.city_indicators(city):
        r = row(indicator, now.get("total") or {}, year, as_of, before.get("total") or {})
        contributing = [c for c in parts if all(k in parts[c]["figures"] for k in levels.keys(indicator))]
        r["reported"] = len(contributing)
        r["districts"] = len(districts)
        r["by_district"] = [{"code": d["code"], "name": d["name"],
                             "value": _round(value_of(indicator, parts[d["code"]]["figures"],
                                                      ((before.get("parts") or {}).get(d["code"]) or {})
                                                      .get("figures")))
                             if d["code"] in parts else None,
                             "reported": d["code"] in parts} for d in districts]
        rows.append(r)
    ranking = rank_districts(city, districts, parts, year, as_of)
    unknown = sorted(set(parts) - set(names))  # reports of districts no longer in the tree stay in the sum
    return {"rows": rows, "ranking": ranking, "unlisted": unknown}


def district_rows(city, district, figures, year, as_of):
    """The rows of ``city``'s each-district indicators for one ``district`` ({code, name}) from its report."""
    return [row(i, figures, year, as_of) for i in levels.each_district_indicators(city)
            if levels.applies_to_district(i, district["name"])]


def rank_districts(city, districts, parts, year, as_of):
    """Districts ranked on the city's indicators: the mean attainment of the city's each-district indicators
    (their own standards) and, beside it, how much each contributes to the city's quotas; a district that has not
    reported is listed last as 未报送, without a rank."""
    entries, missing = [], []
    quotas = levels.city_indicators(city)
    for d in districts:
        if d["code"] not in parts:
            missing.append({"code": d["code"], "name": d["name"], "reported": False, "status": NOT_REPORTED,
                            "rank": None, "score": None, "rows": [], "contributions": []})
            continue
        figures = parts[d["code"]]["figures"]
        own = district_rows(city, d, figures, year, as_of)
        judged = [(levels_indicator(r), r) for r in own if r["status"] != "no_data"]
        score = round(100 * sum(attainment(i, r) for i, r in judged) / len(judged), 2) if judged else 0.0
        contributions = [{"indicator_id": i["id"], "title": i["title"], "unit": i["unit"],
                          "value": figures.get(i["metric"])} for i in quotas
                         if i["metric"] in figures and len(levels.keys(i)) == 1]
        entries.append({"code": d["code"], "name": d["name"], "reported": True, "status": "已报送", "score": score,
                        "version": parts[d["code"]]["version"], "rows": own, "contributions": contributions,
                        "quota_total": sum(c["value"] or 0 for c in contributions)})
    entries.sort(key=lambda e: (-e["score"], -e["quota_total"], e["code"]))
    for n, e in enumerate(entries):
        same = n and (entries[n - 1]["score"], entries[n - 1]["quota_total"]) == (e["score"], e["quota_total"])
        e["rank"] = entries[n - 1]["rank"] if same else n + 1
    return entries + missing


def levels_indicator(r):
    from services.indicators.plans import indicator

    return indicator(r["indicator_id"])


def _round(value):
    return None if value is None else round(float(value), 2)
