"""China's working-day calendar (工作日), shared by inspections (rectification
due dates) and notifications (reminders and escalation).

Statutory holidays and make-up working days (调休) come from ``chinesecalendar``,
which covers 2004-2026. Outside those years it falls back to Monday-Friday and
logs that once per year, so a reminder is never silently skipped.
"""
import logging
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)
_warned_years = set()


def is_workday(day):
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("no holiday data for %s; using Monday-Friday as working days", day.year)
        return day.weekday() < 5


def add_workdays(start, count):
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


def workdays_between(start, end):
    """Working days in (start, end]: how many working days ``end`` is after ``start``.

    Negative when ``end`` is before ``start``; 0 when equal.
    """
    if end == start:
        return 0
    if end < start:
        return -workdays_between(end, start)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def next_workday(day, inclusive=True):
    """``day`` itself if it is a working day (and ``inclusive``), else the next one."""
    if inclusive and is_workday(day):
        return day
    return add_workdays(day, 1)


def as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
