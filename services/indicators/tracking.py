"""Progress, year-end projection and status of one indicator for one subject, on a chosen date.

Pure functions. A subject is a centre, an office or the district: a list of centres
(``{"id", "level"}``) whose figures add up, or aggregates of centres (``{"id", "level", "count"}`` whose
figures are already summed, ``latest`` ones carried forward month by month, as the read model keeps them).
``reports`` is ``{centre_id: {"YYYY-MM": figures}}``.
Only *closed* months count (the month has ended on ``as_of``): figures arrive after the month.

- ``sum`` metrics add up over the closed months of the period; the projection is the pace so far
  (value / closed months) times the months of the period.
- ``latest`` metrics (stocks: staff, troupes, a branch library 0/1) take the last reported value;
  their projection is that value.
- ``ratio_at_least`` divides two such values (times ``scale``: per 10,000 people, percent ...).
- ``growth_percent`` compares this year's value, projected to the year end, with the baseline year.

Status: ``achieved`` (target reached), ``on_track`` (projection reaches it), ``at_risk`` (it does not),
``missed`` (period over, or a count_at_most already exceeded), ``no_data`` (nothing reported yet).
"""
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from shared.schemas.indicators import METRICS


class Figures(NamedTuple):
    """What a subject is judged from: its centres (or aggregates), their ``reports`` and, for the
    satisfaction indicators, ``satisfaction`` ``{year: (good, total)}``."""

    centres: list[dict[str, Any]]
    reports: dict[str, dict[str, dict[str, Any]]]
    satisfaction: dict[int, tuple[int, int]] | None = None


@lru_cache(maxsize=4096)
def month_key(year, month):
    return f"{year:04d}-{month:02d}"


@lru_cache(maxsize=4096)
def month_end(year, month):
    return date(year + month // 12, month % 12 + 1, 1).toordinal() - 1


def period_months(indicator, as_of):
    """The months (as (year, month)) of the period of ``indicator`` that contains ``as_of``."""
    period = indicator["period"]
    if period == "month":
        return [(as_of.year, as_of.month)]
    if period == "quarter":
        first = 3 * ((as_of.month - 1) // 3) + 1
        return [(as_of.year, m) for m in range(first, first + 3)]
    if period == "target_date":
        target = indicator["target_date"]
        return [(target.year, m) for m in range(1, target.month + 1)]
    return [(as_of.year, m) for m in range(1, 13)]


def closed(months, as_of):
    return _closed(tuple(months), as_of)


@lru_cache(maxsize=1024)
def _closed(months, as_of):
    return [(y, m) for y, m in months if month_end(y, m) <= as_of.toordinal()]


@lru_cache(maxsize=1024)
def _keys(months):
    return [month_key(y, m) for y, m in months]


def _figure(figures, metric):
    if metric == "staff_total" and "staff_total" in figures:  # an aggregate carries it (read model)
        return figures["staff_total"]
    if metric == "staff_total":
        return (figures.get("staff_full_time") or 0) + (figures.get("staff_part_time") or 0)
    return figures.get(metric)


def centre_value(metric, months_of_centre, months):
    """One centre's value of ``metric`` over ``months`` (closed months of the period)."""
    if metric == "centres":
        return 1
    keys = _keys(tuple(months))
    if metric != "staff_total" and METRICS[metric][2] == "sum":
        return sum(_figure(months_of_centre.get(k, {}), metric) or 0 for k in keys)
    for k in sorted((k for k in months_of_centre if k <= (keys[-1] if keys else "")), reverse=True):
        value = _figure(months_of_centre[k], metric)
        if value is not None:
            return value
    return 0


def subject_value(metric, centres, reports, months):
    """The sum over ``centres``; an aggregate (all centres of a level in an office or the district, from the
    read model) stands for ``count`` centres."""
    if metric == "centres":
        return sum(c.get("count", 1) for c in centres)
    return sum(centre_value(metric, reports.get(c["id"], {}), months) for c in centres)


def _is_sum(metric):
    return metric in METRICS and METRICS[metric][2] == "sum"


def _measure(indicator, figures, months, total_months, year=None):
    """(value so far, projection at the period end) of the indicator's quantity over ``months``."""
    centres, reports, satisfaction = figures
    metric = indicator["metric"]
    if metric == "satisfaction_rate":
        good, total = (satisfaction or {}).get(year, (0, 0))
        rate = 100.0 * good / total if total else None
        return rate, rate
    value = subject_value(metric, centres, reports, months)
    pace = total_months / len(months) if months else 0
    projection = value * pace if _is_sum(metric) else value
    denominator = indicator.get("denominator")
    if not denominator:
        return value, projection
    den = subject_value(denominator, centres, reports, months)
    den_projection = den * pace if _is_sum(denominator) else den
    scale = indicator.get("scale") or 1.0
    ratio = value / den * scale if den else None
    return ratio, (projection / den_projection * scale if den_projection else None)


def _reported(centres, reports, months):
    keys = {month_key(y, m) for y, m in months}
    return any(keys & set(reports.get(c["id"], {})) for c in centres)


def evaluate(indicator, centres, reports, as_of, satisfaction=None):
    """{"value", "projection", "target", "status", "months_closed", "months_total", "period_end"}."""
    figures = Figures(centres, reports, satisfaction)
    months = period_months(indicator, as_of)
    done = closed(months, as_of)
    end = date.fromordinal(month_end(*months[-1]))
    if indicator["period"] == "target_date":
        end = indicator["target_date"]
    result = {"target": indicator["target"], "months_closed": len(done), "months_total": len(months),
              "period_end": end.isoformat(), "value": None, "projection": None, "baseline": None}
    if indicator["kind"] == "growth_percent":
        return _growth(indicator, figures, as_of, result)
    if indicator["metric"] != "satisfaction_rate" and not _reported(centres, reports, done):
        result["status"] = "missed" if as_of >= end else "no_data"
        return result
    value, projection = _measure(indicator, figures, done, len(months), as_of.year)
    result.update(value=_round(value), projection=_round(projection))
    result["status"] = judge(indicator["kind"], value, projection, indicator["target"], as_of >= end)
    return result


def judge(kind, value, projection, target, over):
    if value is None:
        return "missed" if over else "no_data"
    if kind == "count_at_most":
        if value > target:
            return "missed"
        return "achieved" if over else "on_track"
    if value >= target:
        return "achieved"
    if over:
        return "missed"
    return "on_track" if projection is not None and projection >= target else "at_risk"


def _growth(indicator, figures, as_of, result):
    """Growth of the current year's (projected) value over the baseline year's full-year value.

    Before the target year the expected growth grows linearly from the baseline year to the target year.
    """
    base_year = indicator.get("baseline_year") or as_of.year - 1
    target_year = indicator["target_date"].year if indicator.get("target_date") else as_of.year
    year = min(as_of.year, target_year)
    this_year = closed([(year, m) for m in range(1, 13)], as_of)
    base, _ = _measure(indicator, figures, [(base_year, m) for m in range(1, 13)], 12, base_year)
    now, projection = _measure(indicator, figures, this_year, 12, year)
    over = as_of >= date(target_year, 12, 31) if not indicator.get("target_date") else as_of >= indicator["target_date"]
    result["baseline"] = _round(base)
    if not base or projection is None or (indicator["metric"] != "satisfaction_rate" and not this_year):
        result["status"] = "missed" if over else "no_data"
        return result
    growth = (now / base - 1) * 100 if now is not None and len(this_year) == 12 else None
    projected = (projection / base - 1) * 100
    result.update(value=_round(growth), projection=_round(projected))
    span = max(target_year - base_year, 1)
    expected = indicator["target"] * min(max(year - base_year, 0), span) / span
    if over:
        result["status"] = "achieved" if growth is not None and growth >= indicator["target"] and growth > 0 \
            else "missed"
    elif projected >= expected and projected > 0:
        result["status"] = "achieved" if year == target_year and growth is not None and growth >= expected \
            else "on_track"
    else:
        result["status"] = "at_risk"
    return result


def attainment(indicator, evaluation):
    """0..1: how much of the (pro-rated) target is reached at the evaluation date, for rankings."""
    value, target = evaluation["value"], indicator["target"]
    if evaluation["status"] in ("achieved",):
        return 1.0
    if value is None or evaluation["status"] in ("no_data",):
        return 0.0
    if indicator["kind"] == "count_at_most":
        return 1.0 if value <= target else 0.0
    if indicator["kind"] == "growth_percent":
        return 1.0 if value >= target else 0.0
    share = 1.0
    if _is_sum(indicator["metric"]) and not indicator.get("denominator") and evaluation["months_total"]:
        share = evaluation["months_closed"] / evaluation["months_total"]
    expected = target * share
    return 1.0 if expected <= 0 else max(0.0, min(1.0, value / expected))


def _round(value):
    return None if value is None else round(float(value), 2)
