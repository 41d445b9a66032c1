"""An injectable clock, and the date and UTC helpers every service uses.

Real time by default; ``CLOCK_NOW`` (nameko config or environment) freezes it,
which back-filled reports and the 2017-2019 time-travel tests need. Dates are
calendar dates in ``TIMEZONE`` (Asia/Shanghai), because deadlines in the
programme are Chinese calendar days, not UTC days. Instants are always aware
(UTC): the store clients are built with ``tz_aware=True``, and so are the
mongomock clients of the unit tests, so no service converts naive times.
"""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from nameko.extensions import DependencyProvider

from shared.settings import settings


def parse_instant(text: str | date | datetime) -> datetime:
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


def utcnow() -> datetime:
    """The real time, aware (UTC), even when ``CLOCK_NOW`` freezes the service clock: for ordering
    entries that share a back-filled ``at``."""
    return datetime.now(UTC)


def as_date(value: date | str | None) -> date | None:
    """A calendar date from a date or ISO text (``YYYY-MM-DD``, or the day of a longer ISO timestamp); None stays None."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    return date.fromisoformat(str(value)[:10])


def iso(day: date | None) -> str | None:
    """A calendar date as ``YYYY-MM-DD`` text; None stays None."""
    return None if day is None else day.isoformat()


def local_zone() -> ZoneInfo:
    return settings().zone


def now() -> datetime:
    frozen = settings().clock_now
    if frozen:
        return parse_instant(frozen).astimezone(UTC)
    return datetime.now(UTC)


def today() -> date:
    return local_date(now())


def local_date(instant: datetime) -> date:
    return instant.astimezone(local_zone()).date()


class Clock(DependencyProvider):
    """Gives workers ``now()`` / ``today()`` that honour ``CLOCK_NOW``."""

    class _Clock:
        now = staticmethod(now)
        today = staticmethod(today)

    def get_dependency(self, worker_ctx: object) -> type:
        return self._Clock
