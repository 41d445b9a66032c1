"""序时进度 (the share of the work that should be done by now) and the four status colours.

A milestone's window runs from its phase's first day to its due day. Its expected share by day D is the
working days of the window up to and including D over the working days of the whole window (China's
calendar, ``shared.workdays``: holidays and make-up working Saturdays count as the State Council sets
them); before the window it is 0, from its due day on it is 1.

A group of milestones (a centre, an office's phase, an office, the district) has ``expected_percent``,
the mean of its milestones' expected shares (a milestone with no window counts 0), ``percent_done``, and
``lag_percent`` = expected - done (positive: behind). Its colour on day D, most severe first:

- ``red``: an open milestone is overdue (due before D);
- ``yellow``: ``lag_percent`` above the margin (``PACE_MARGIN_PERCENT``);
- ``blue``: an open milestone is due within ``PACE_DUE_SOON_WORKDAYS`` working days (D itself included);
- ``green``: on or ahead of 序时进度.

With its milestones unchanged, a group's colour only grows more severe as days pass (overdue stays
overdue, the expected share only grows, a due day only comes nearer), so the day its colour next
changes is found by bisection (``next_change``): the read model files each centre under that day and
moves only those centres when the day comes.

The figures come from the read model's counters: ``win`` {"start|due": milestones} (every milestone with a
window, done or not), ``open_due`` {due day: open milestones}, ``total`` and ``done``.
"""
from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from shared.workdays import workdays_between

COLOURS = ("red", "yellow", "blue", "green")
SEVERITY = {"green": 0, "blue": 1, "yellow": 2, "red": 3}
ONE_DAY = timedelta(days=1)


class Rules(NamedTuple):
    margin: float  # percentage points behind 序时进度 beyond which a group is yellow
    soon: int  # working days before a due day from which an open milestone makes its group blue

    @classmethod
    def of(cls, settings):
        return cls(settings.pace_margin_percent, settings.pace_due_soon_workdays)


class Figures(NamedTuple):
    total: int
    done: int
    windows: Mapping[str, int]  # {"start|due": milestones}
    open_due: Mapping[str, int]  # {due day: open milestones}

    @classmethod
    def merged(cls, cells):
        """The figures of several cells of the read model (dicts with total, done, win, open_due)."""
        total = done = 0
        windows: dict[str, int] = {}
        open_due: dict[str, int] = {}
        for cell in cells:
            total += cell.get("total", 0)
            done += cell.get("done", 0)
            for key, n in (cell.get("win") or {}).items():
                windows[key] = windows.get(key, 0) + n
            for key, n in (cell.get("open_due") or {}).items():
                open_due[key] = open_due.get(key, 0) + n
        return cls(total, done, windows, open_due)


def window_key(start, due):
    """The ``win`` counter key of a window, or None when either end is unknown."""
    return f"{start}|{due}" if start and due else None


@lru_cache(maxsize=65536)
def share(start: date, due: date, today: date) -> float:
    """The expected share of a milestone with window [start, due] by the end of ``today`` (0..1)."""
    if today >= due:
        return 1.0
    if today < start:
        return 0.0
    length = workdays_between(start - ONE_DAY, due)
    return workdays_between(start - ONE_DAY, today) / length if length > 0 else 0.0


@lru_cache(maxsize=65536)
def _window(key):
    start, due = key.split("|")
    return date.fromisoformat(start), date.fromisoformat(due)


def expected_percent(figures: Figures, today: date) -> float:
    if not figures.total:
        return 0.0
    expected = sum(n * share(*_window(key), today) for key, n in figures.windows.items())
    return round(100.0 * expected / figures.total, 1)


def lag_percent(figures: Figures, today: date) -> float:
    if not figures.total:
        return 0.0
    return round(expected_percent(figures, today) - 100.0 * figures.done / figures.total, 1)


def colour(figures: Figures, today: date, rules: Rules) -> str:
    day = today.isoformat()
    if any(due < day and n for due, n in figures.open_due.items()):
        return "red"
    if lag_percent(figures, today) > rules.margin:
        return "yellow"
    if any(n and due >= day and workdays_between(today, date.fromisoformat(due)) <= rules.soon
           for due, n in figures.open_due.items()):
        return "blue"
    return "green"


def status(figures: Figures, today: date, rules: Rules) -> dict:
    """The API's fields: ``colour``, ``expected_percent`` (序时进度) and ``lag_percent``."""
    return {"colour": colour(figures, today, rules), "expected_percent": expected_percent(figures, today),
            "lag_percent": lag_percent(figures, today)}


def next_change(figures: Figures, today: date, rules: Rules) -> date | None:
    """The first day after ``today`` on which the colour differs from today's (None: it never will,
    unless the milestones change). Bisection: the colour only grows more severe with the days."""
    now = colour(figures, today, rules)
    if now == "red":
        return None
    last = max([date.fromisoformat(d) for d in figures.open_due]
               + [_window(key)[1] for key in figures.windows], default=None)
    if last is None or last < today:
        return None
    high = last + ONE_DAY  # from then on every open item is overdue and every share is 1: the colour is final
    if colour(figures, high, rules) == now:
        return None
    low = today  # colour(low) == now, colour(high) != now
    while (high - low).days > 1:
        middle = low + timedelta(days=(high - low).days // 2)
        if colour(figures, middle, rules) == now:
            low = middle
        else:
            high = middle
    return high
