"""Which notice steps apply to an open item on a given day.

A series of steps per item and due date:
- ``remind_7`` / ``remind_3`` / ``remind_1``: N working days or fewer before the due date;
- ``overdue_1`` .. ``overdue_5``: the first working day after the due date, then every 3 working days;
- ``escalate_head`` from 5 and ``escalate_bureau`` from 10 working days overdue.

Only the *current* step of each series is returned (the latest whose day has
come). A daily scan therefore meets every step on its own day, and a scan after
downtime sends one notice for where each series stands, not one per missed tick
nor a burst of stale reminders for an item that is already overdue.

``due_window`` says which due days a scan reads: from the first reminder ahead to the
last step behind (the overdue notice or escalation reached last), plus ``catch_up``
working days for a scan after downtime. An item further behind has had every step
(or was never scanned for ``catch_up`` working days) and is not read at all.
"""
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from shared import workdays
from shared.settings import settings

ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=8192)
def is_workday(day):
    # chinesecalendar validates every call (~75 us); a scan asks about the same few hundred days thousands of times.
    return workdays.is_workday(day)


def count_workdays(start, end, cap=None):
    """Working days in (start, end], as ``shared.workdays.workdays_between`` for start <= end (0 otherwise),
    whose cost does not depend on the distance; ``cap``: at most cap + 1 ("more than N" is enough)."""
    count = max(0, workdays.workdays_between(start, end))
    return count if cap is None else min(count, cap + 1)


@dataclass(frozen=True)
class Rules:
    remind_before: tuple = (7, 3, 1)
    overdue_every: int = 3
    overdue_max: int = 5
    escalate_head: int = 5
    escalate_bureau: int = 10
    catch_up: int = 10

    @property
    def last_step(self):
        """Working days overdue on which the last step of an item's series is reached."""
        overdue = 1 + (self.overdue_max - 1) * self.overdue_every if self.overdue_max > 0 else 0
        return max(overdue, self.escalate_head, self.escalate_bureau)

    @classmethod
    def from_settings(cls):
        current = settings()
        return cls(remind_before=tuple(sorted(set(current.notify_remind_before), reverse=True)),
                   overdue_every=current.notify_overdue_every, overdue_max=current.notify_overdue_max,
                   escalate_head=current.notify_escalate_head, escalate_bureau=current.notify_escalate_bureau,
                   catch_up=current.notify_catch_up_days)


@dataclass(frozen=True)
class Step:
    key: str        # remind_3, overdue_2, escalate_head, ...
    kind: str       # remind | overdue | escalate_head | escalate_bureau
    days: int       # working days left (remind) or overdue (others)
    number: int = 0  # which reminder (days before) or which overdue notice


def current_steps(due, as_of, rules):
    """The steps due for an item with ``due`` on ``as_of``, one per series."""
    if as_of <= due:
        # Working days in [as_of, due): on the last working day before a due date that falls on a
        # holiday, one working day is left, not zero.
        horizon = max(rules.remind_before, default=0)
        left = count_workdays(as_of - ONE_DAY, due - ONE_DAY, cap=horizon)
        within = [n for n in rules.remind_before if left <= n]
        if not within:
            return []
        n = min(within)
        return [Step(f"remind_{n}", "remind", left, n)]
    late = count_workdays(due, as_of)
    steps = []
    if late >= 1 and rules.overdue_max > 0:
        number = min(1 + (late - 1) // rules.overdue_every, rules.overdue_max)
        steps.append(Step(f"overdue_{number}", "overdue", late, number))
    if late >= rules.escalate_head:
        steps.append(Step("escalate_head", "escalate_head", late))
    if late >= rules.escalate_bureau:
        steps.append(Step("escalate_bureau", "escalate_bureau", late))
    return steps


def due_window(as_of, rules, longest=400):
    """The due days (earliest first) of items that can have a step on ``as_of`` that a daily scan would
    not have issued already: reminders ahead (working days left within the first reminder's lead) and,
    behind, up to ``rules.last_step`` + ``rules.catch_up`` working days overdue. At most ``longest`` days
    each way (a guard against absurd settings)."""
    ahead, horizon = [], max(rules.remind_before, default=-1)
    day = as_of
    while len(ahead) < longest and count_workdays(as_of - ONE_DAY, day - ONE_DAY, cap=horizon) <= horizon:
        ahead.append(day)
        day += ONE_DAY
    behind, reach = [], rules.last_step + rules.catch_up
    day = as_of - ONE_DAY
    while len(behind) < longest and count_workdays(day, as_of, cap=reach) <= reach:
        behind.append(day)
        day -= ONE_DAY
    return behind[::-1] + ahead
