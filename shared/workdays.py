"""China's working-day calendar (工作日), shared by inspections (rectification
due dates) and notifications (reminders and escalation).

Statutory holidays and make-up working days (调休) come from ``chinesecalendar``,
which covers 2004-2026. Outside those years it falls back to Monday-Friday and
logs that once per year, so a reminder is never silently skipped.
"""
import logging
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
import chinese_calendar.constants

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("no holiday data for %s; using Monday-Friday as working days", day.year)
        return day.weekday() < 5


def add_workdays(start: date, count: int) -> date:
    """The date ``count`` working days after ``start`` (before it when negative).

    ``add_workdays(d, 0)`` is ``d`` itself, whether or not ``d`` is a working day.
    """
    step = 1 if count >= 0 else -1
    day, left = start, abs(count)
    while left:
        day += timedelta(days=step)
        if is_workday(day):
            left -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end]: how many working days ``end`` is after ``start``.

    Negative when ``end`` is before ``start``; 0 when equal. The cost does not grow with
    the distance: inside the years the holiday data covers, a prefix sum built once; outside
    them, Monday-Friday counted in closed form (a date in 2143 answers as fast as tomorrow).
    """
    if end == start:
        return 0
    if end < start:
        return -workdays_between(end, start)
    return _through(end) - _through(start)


def _covered() -> tuple[date, date]:
    """First and last day of the years the holiday data covers."""
    years = sorted({d.year for d in chinese_calendar.constants.holidays})
    return date(years[0], 1, 1), date(years[-1], 12, 31)


@lru_cache(maxsize=1)
def _prefix() -> tuple[date, date, list[int]]:
    """Working days in [first covered day, d] for every covered day d (about 8,400 entries, built once)."""
    first, last = _covered()
    counts, total, day = [], 0, first
    while day <= last:
        total += 1 if is_workday(day) else 0
        counts.append(total)
        day += timedelta(days=1)
    return first, last, counts


def _weekdays_upto(day: date) -> int:
    """Monday-Friday days in [0001-01-01, day], in closed form."""
    n = day.toordinal()  # 0001-01-01 (ordinal 1) is a Monday
    weeks, rest = divmod(n, 7)
    return weeks * 5 + min(rest, 5)


def _through(day: date) -> int:
    """Working days from a fixed origin up to and including ``day`` (only differences matter)."""
    first, last, counts = _prefix()
    if day < first:
        return _weekdays_upto(day) - _weekdays_upto(first - timedelta(days=1))
    if day <= last:
        return counts[(day - first).days]
    return counts[-1] + _weekdays_upto(day) - _weekdays_upto(last)


