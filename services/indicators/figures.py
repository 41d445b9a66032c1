"""What the read model keeps of a centre's monthly reports: the centre-year payload.

``monthly_report_submitted`` carries the centre's whole year (at most twelve months of figures, each the
current version) and the centre's *scores*: for each month-end of the year, how the centre's own
indicators stand then (rows judged, summed attainment, rows by status). The read model adds these up
per office and for the district, so a ranking or a district status reads one document per office instead
of a year of reports. ``revision`` (the sum of the versions of the year's months) orders the payloads of
one centre and year: every accepted report or correction raises it by one, and a submission reads the
year after its own insert, so a later state always has the higher revision.
"""
from datetime import date

from services.indicators import evaluation, tracking

SCORE_KEYS = ("rows", "attained", "achieved", "on_track", "at_risk", "missed")


def month_scores(rows):
    """{rows, attained, achieved, on_track, at_risk, missed} of a centre's rows at one date (no_data left out)."""
    from services.indicators.plans import indicator as find

    judged = [r for r in rows if r["status"] != "no_data"]
    out = {"rows": len(judged), "attained": round(sum(tracking.attainment(find(r["indicator_id"]), r)
                                                      for r in judged), 4)}
    for status in SCORE_KEYS[2:]:
        out[status] = sum(1 for r in judged if r["status"] == status)
    return out


def scores(centre, year, months, indicators=None):
    """{"MM": month_scores} at each month-end of ``year``, for the centre-scope indicators of ``centre``."""
    indicators = [i for i in (indicators or evaluation.tracked()) if i["applies_to"]["scope"] == "centre"]
    reports = {centre["id"]: months}
    out = {}
    for month in range(1, 13):
        as_of = date.fromordinal(tracking.month_end(year, month))
        rows = evaluation.office_statuses(centre["office"], tracking.Figures([centre], reports, {}), as_of, indicators)
        out[f"{month:02d}"] = month_scores(rows)
    return out


def centre_year(centre, year, docs):
    """The payload for ``centre`` (id, office, level) and ``year`` from its current reports ``docs``."""
    months = {d["month"]: d["figures"] for d in docs if d["year"] == year}
    return {"centre_id": centre["id"], "office": centre["office"], "level": centre["level"], "year": year,
            "revision": sum(d["version"] for d in docs if d["year"] == year), "months": months,
            "scores": scores(centre, year, months)}


def office_page(docs, after, limit):
    """(payloads, next) of the (centre, year) groups of one office's current reports ``docs`` after the key
    ``after`` ("<centre id>:<year>"), at most ``limit``; office and level as the latest month reported them."""
    groups = {}
    for d in docs:
        groups.setdefault((d["centre_id"], d["year"]), []).append(d)
    start = None
    if after:
        centre_id, _, year = after.rpartition(":")
        start = (centre_id, int(year)) if year.isdigit() else (after, 0)
    keys = sorted(k for k in groups if start is None or k > start)
    out = []
    for centre_id, year in keys[:limit]:
        group = groups[(centre_id, year)]
        last = max(group, key=lambda d: d["month"])
        centre = {"id": centre_id, "name": last.get("centre_name"), "office": last["office"], "level": last["level"],
                  "district": last.get("district")}  # the plans tracked for it (evaluation.applies_in), as live
        out.append(centre_year(centre, year, group))
    more = len(keys) > limit
    return out, ("{}:{}".format(*keys[limit - 1]) if more else None)
