"""An injectable clock.

Real time by default; ``CLOCK_NOW`` (nameko config or environment) freezes it,
which back-filled reports and the 2017-2019 time-travel tests need. Dates are
calendar dates in ``TIMEZONE`` (Asia/Shanghai), because deadlines in the
programme are Chinese calendar days, not UTC days.
"""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from nameko.extensions import DependencyProvider

from shared.settings import settings


def parse_instant(text):
    """An aware datetime from ISO text; a bare date means 09:00 local time."""
    if isinstance(text, datetime):
        value = text
    elif isinstance(text, date):
        value = datetime(text.year, text.month, text.day, 9, 0)
    else:
        value = datetime.fromisoformat(str(text))
        if len(str(text)) == 10:
            value = value.replace(hour=9)
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return value


def local_zone() -> ZoneInfo:
    return settings().zone


def now() -> datetime:
    frozen = settings().clock_now
    if frozen:
        return parse_instant(frozen).astimezone(UTC)
    return datetime.now(UTC)


def today():
    return local_date(now())


def local_date(instant):
    return instant.astimezone(local_zone()).date()


class Clock(DependencyProvider):
    """Gives workers ``now()`` / ``today()`` that honour ``CLOCK_NOW``."""

    class _Clock:
        now = staticmethod(now)
        today = staticmethod(today)

    def get_dependency(self, worker_ctx):
        return self._Clock
