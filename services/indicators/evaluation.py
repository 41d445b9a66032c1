"""Indicators applied to subjects (centres, offices, the district); rankings of offices per period.

Plain Python over data the service loads: ``centres`` (``{"id", "name", "level", "office"}``),
``reports`` (``{centre_id: {"YYYY-MM": figures}}``) and ``satisfaction`` (``{year: (good, total)}``).
"""
from datetime import date
from typing import NamedTuple

from services.indicators import levels, tracking
from services.indicators.plans import all_indicators, load_plans
from shared.areas import contains

SATISFACTION_WEIGHT = 20  # of 100: third-party satisfaction counts in the ranking (003 四(四); 002)


class Subject(NamedTuple):
    """What a row judges: a centre, an office or the district (``kind``), its id and name, and its office."""

    kind: str
    id: str
    name: str
    office: str | None


class Period(NamedTuple):
    """A ranking period: ``kind`` month, quarter or year, its ``year``, and ``number`` (the month 1-12 or the
    quarter 1-4; None for a year)."""

    kind: str
    year: int
    number: int | None


def tracked(area_type="district", documents=None):
    """The indicators tracked from the centres' monthly reports. A city's quotas and its standards for each district
    are not among them: they are evaluated from what the districts report (``quotas``, docs/areas.md)."""
    return [i for i in all_indicators()
            if i["applies_to"]["scope"] != "city_venue" and i["applies_to"]["area_type"] == area_type
            and not levels.reported(i) and (not documents or i["document"] in documents)]


def applies_in(indicator, district):
    """True when ``indicator`` is tracked for a centre or an office of ``district``: its document's area contains the
    district (003's in Jinshui, 001's in Xinmi ...). Data of no district (an installation from before areas, or an
    office not yet placed) is tracked against every plan, as before areas existed."""
    return district is None or contains(load_plans()[indicator["document"]]["area"]["code"], district)


def for_level(indicator, level):
    return level in indicator["applies_to"]["levels"]


def _row(indicator, subject, result):
    return {"indicator_id": indicator["id"], "document": indicator["document"], "title": indicator["title"],
            "kind": indicator["kind"], "unit": indicator["unit"], "subject_kind": subject.kind, "subject": subject.id,
            "subject_name": subject.name, "office": subject.office, "clause": indicator["source"]["clause"], **result}


def office_statuses(office, figures, as_of, indicators):
    """Rows for each centre-scope indicator of each centre, and each office-scope indicator of the office, from
    the office's ``figures`` (``tracking.Figures``: its centres, their reports, its satisfaction)."""
    centres, reports, satisfaction = figures
    district = next((c.get("district") for c in centres if c.get("district")), None)
    rows = []
    for indicator in indicators:
        scope = indicator["applies_to"]["scope"]
        if scope == "centre":
            for centre in centres:
                if for_level(indicator, centre["level"]) and applies_in(indicator, centre.get("district")):
                    result = tracking.evaluate(indicator, [centre], reports, as_of)
                    rows.append(_row(indicator, Subject("centre", centre["id"], centre["name"], office), result))
        elif scope == "office" and applies_in(indicator, district):
            members = [c for c in centres if for_level(indicator, c["level"])]
            result = tracking.evaluate(indicator, members, reports, as_of, satisfaction)
            rows.append(_row(indicator, Subject("office", office, office, office), result))
    return rows


def district_statuses(centres, reports, as_of, indicators):
    """Rows of the district-scope indicators; ``centres`` may be per-level aggregates (see ``tracking``)."""
    rows = []
    for indicator in indicators:
        if indicator["applies_to"]["scope"] == "district":
            members = [c for c in centres if for_level(indicator, c["level"])]
            rows.append(_row(indicator, Subject("district", "district", "全区", None),
                             tracking.evaluate(indicator, members, reports, as_of)))
    return rows


def period_end(period, year, number):
    if period == "year":
        return date(year, 12, 31)
    month = number * 3 if period == "quarter" else number
    return date.fromordinal(tracking.month_end(year, month))


def attained(rows):
    """Summed attainment (0..1 each) of judged rows."""
    from services.indicators.plans import indicator as find

    return sum(tracking.attainment(find(r["indicator_id"]), r) for r in rows)


def office_score(attained_sum, count, survey_summary):
    """(score 0..100, attainment 0..1, satisfaction 0..1 or None) of an office: ``count`` judged rows whose
    attainments add up to ``attained_sum``, and its survey summary for the period."""
    attained = attained_sum / count if count else 0.0
    mean = (survey_summary or {}).get("average", {}).get("overall")
    satisfied = (mean - 1) / 4 if mean is not None else None
    score = (100 - SATISFACTION_WEIGHT) * attained + SATISFACTION_WEIGHT * (satisfied or 0.0)
    return round(score, 2), round(attained, 4), (round(satisfied, 4) if satisfied is not None else None)


def rank(entries):
    """Entries ({"office", "score", ...}) sorted best first with rank 1..n (ties share a rank)."""
    ordered = sorted(entries, key=lambda e: (-e["score"], e["office"]))
    for i, entry in enumerate(ordered):
        same = i and ordered[i - 1]["score"] == entry["score"]
        entry["rank"] = ordered[i - 1]["rank"] if same else i + 1
    return ordered


def warnings(rows, as_of, due):
    """Open items for notifications: each at-risk centre or office indicator whose period ends this year.

    ``due`` is the reporting deadline of the last closed month (when its figures are all in), so the item
    (and its key) stays the same for a month: the notifications scan sends each step once, and a new
    month that is still behind starts a new series.
    """
    year = as_of.year
    items = []
    for r in rows:
        if r["status"] != "at_risk" or r["subject_kind"] not in ("centre", "office"):
            continue
        if date.fromisoformat(r["period_end"]).year != year:
            continue
        title = "指标进度落后：{}（已完成 {}{}，按当前进度预计 {}，目标 {}）".format(
            r["title"], _num(r["value"]), r["unit"], _num(r["projection"]), _num(r["target"]))
        items.append({"kind": "indicator", "ref": "{}/{}".format(r["indicator_id"], r["subject"]),
                      "centre_id": r["subject"], "centre_name": r["subject_name"], "office": r["office"],
                      "title": title, "due": due.isoformat()})
    return items


def _num(value):
    if value is None:
        return "-"
    return int(value) if float(value).is_integer() else value
