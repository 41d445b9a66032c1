"""The notice schedule on China's 2017-2018 working-day calendar, checked by hand.

2017-06-30 (Fri, pilots): reminders 06-21 / 06-27 / 06-29; overdue 07-03, 07-06, 07-11, 07-14, 07-19;
head 07-07, bureau 07-14.
2017-12-31 (Sun, New Year holiday 12-30..01-01): reminders 12-21 / 12-27 / 12-29; overdue 01-02 (first
working day of 2018), 01-05, 01-10, 01-15, 01-18; head 01-08, bureau 01-15.
2018-02-12 (Mon; Spring Festival 02-15..21, make-up days Sun 02-11 and Sat 02-24): reminders 02-02 /
02-08 / 02-11 (a Sunday worked); overdue 02-13, 02-23, 02-27, 03-02, 03-07; head 02-24 (a Saturday worked),
bureau 03-02.
"""
from datetime import date, timedelta

import pytest

from services.notifications.rules import Rules, current_steps
from shared.workdays import is_workday

RULES = Rules()


def schedule(due, start, end):
    """{day: [step keys]} for the days a step first becomes current, scanning every working day (as the
    service does: nothing is issued on a non-working day)."""
    seen, out, day = set(), {}, start
    while day <= end:
        for step in current_steps(due, day, RULES) if is_workday(day) else ():
            if step.key not in seen:
                seen.add(step.key)
                out.setdefault(day.isoformat(), []).append(step.key)
        day += timedelta(days=1)
    return out


def test_pilot_deadline_2017_06_30():
    assert schedule(date(2017, 6, 30), date(2017, 6, 1), date(2017, 8, 31)) == {
        "2017-06-21": ["remind_7"], "2017-06-27": ["remind_3"], "2017-06-29": ["remind_1"],
        "2017-07-03": ["overdue_1"], "2017-07-06": ["overdue_2"], "2017-07-07": ["escalate_head"],
        "2017-07-11": ["overdue_3"], "2017-07-14": ["overdue_4", "escalate_bureau"], "2017-07-19": ["overdue_5"]}


def test_year_end_deadline_skips_the_new_year_holiday():
    assert schedule(date(2017, 12, 31), date(2017, 12, 1), date(2018, 2, 28)) == {
        "2017-12-21": ["remind_7"], "2017-12-27": ["remind_3"], "2017-12-29": ["remind_1"],
        "2018-01-02": ["overdue_1"], "2018-01-05": ["overdue_2"], "2018-01-08": ["escalate_head"],
        "2018-01-10": ["overdue_3"], "2018-01-15": ["overdue_4", "escalate_bureau"], "2018-01-18": ["overdue_5"]}


def test_spring_festival_is_skipped_and_make_up_days_count():
    assert schedule(date(2018, 2, 12), date(2018, 1, 20), date(2018, 3, 31)) == {
        "2018-02-02": ["remind_7"], "2018-02-08": ["remind_3"], "2018-02-11": ["remind_1"],
        "2018-02-13": ["overdue_1"], "2018-02-23": ["overdue_2"], "2018-02-24": ["escalate_head"],
        "2018-02-27": ["overdue_3"], "2018-03-02": ["overdue_4", "escalate_bureau"], "2018-03-07": ["overdue_5"]}


def test_after_downtime_only_the_current_step_of_each_series():
    steps = current_steps(date(2017, 6, 30), date(2018, 1, 5), RULES)
    assert [s.key for s in steps] == ["overdue_5", "escalate_head", "escalate_bureau"]
    late = current_steps(date(2017, 12, 31), date(2018, 1, 5), RULES)
    assert [(s.key, s.days) for s in late] == [("overdue_2", 4)]
    assert [s.key for s in current_steps(date(2017, 12, 31), date(2017, 12, 31), RULES)] == ["remind_1"]
    assert current_steps(date(2017, 12, 31), date(2017, 12, 1), RULES) == []


@pytest.mark.parametrize("text,expected", [("7,3,1", (7, 3, 1)), ("1, 5", (5, 1))])
def test_rules_from_settings(text, expected):
    from nameko import config

    with config.patch({"NOTIFY_REMIND_BEFORE": text, "NOTIFY_ESCALATE_HEAD": "4"}):
        rules = Rules.from_settings()
    assert rules.remind_before == expected and rules.escalate_head == 4 and rules.escalate_bureau == 10


@pytest.mark.parametrize("start,end", [(date(2017, 12, 31), date(2018, 1, 5)), (date(2018, 2, 12), date(2018, 3, 2)),
                                       (date(2017, 4, 30), date(2018, 1, 5)), (date(2018, 1, 5), date(2018, 1, 5))])
def test_cached_count_matches_the_shared_calendar(start, end):
    from services.notifications.rules import count_workdays
    from shared.workdays import workdays_between

    assert count_workdays(start, end) == workdays_between(start, end)


def test_the_scan_window_runs_from_the_first_reminder_to_the_last_step_and_its_catch_up():
    from services.notifications.rules import count_workdays, due_window

    as_of = date(2018, 1, 5)
    window = due_window(as_of, RULES)
    assert window == sorted(window) and len(window) == len(set(window))
    assert window[-1] == date(2018, 1, 16)  # 7 working days left: remind_7; 01-17 has 8
    assert count_workdays(window[0], as_of) == RULES.last_step + RULES.catch_up == 13 + 10
    assert count_workdays(window[0] - timedelta(days=1), as_of) > 23
    # every step a scan on as_of can issue for a due day outside the window was current on an earlier working
    # day within the catch-up: no due day outside the window has a reminder or a step before its last one
    for offset in range(-120, 60):
        due = as_of + timedelta(days=offset)
        if due not in window:
            steps = current_steps(due, as_of, RULES)
            assert not steps or (count_workdays(due, as_of) > RULES.last_step and "remind" not in steps[0].key)
    assert due_window(as_of, Rules(remind_before=(), catch_up=0))[-1] == as_of - timedelta(days=1)
