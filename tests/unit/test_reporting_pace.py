"""序时进度 and its colours (services/reporting/pace.py) against working days counted by hand, and the colour
counters of the read model moved by the pace timer (colour_days.py) equal to a rebuild made on the same day."""
import contextlib
from datetime import date

import mongomock
import pytest

from services.reporting import colour_days, figures, pace
from services.reporting.projection import apply_once, set_centre, set_milestone
from services.reporting.rebuild import apply_page
from services.reporting.store import ReportingStore

RULES = pace.Rules(margin=10.0, soon=5)
# Phase 5 of the Jinshui plan, 2019-10-01 .. 2019-12-31, counted by hand on the 2019 calendar:
# October: 23 weekdays - National Day 1-4 and 7 (Tue-Fri, Mon) + the make-up Saturday 12th = 19;
# November: 21 weekdays; December: 22 weekdays. 62 working days.
P5 = (date(2019, 10, 1), date(2019, 12, 31))
# Phase 2, 2017-04-01 .. 2017-06-30: April 20 weekdays - 清明 3rd, 4th + the make-up Saturday 1st = 19;
# May 23 - Labour Day 1st, 端午 29th, 30th + the make-up Saturday 27th = 21; June 22. 62 working days.
P2 = (date(2017, 4, 1), date(2017, 6, 30))


@pytest.mark.parametrize(("window", "day", "elapsed"), [
    (P5, date(2019, 9, 30), 0),     # before the window
    (P5, date(2019, 10, 7), 0),     # the National Day week: no working day yet
    (P5, date(2019, 10, 8), 1),     # the first working day of the window
    (P5, date(2019, 10, 11), 4),
    (P5, date(2019, 10, 12), 5),    # the make-up working Saturday counts
    (P5, date(2019, 10, 13), 5),    # an ordinary Sunday does not
    (P5, date(2019, 10, 15), 7),
    (P5, date(2019, 10, 31), 19),
    (P5, date(2019, 12, 30), 61),
    (P2, date(2017, 4, 1), 1),      # a make-up working Saturday opens the window
    (P2, date(2017, 4, 4), 1),      # 清明
    (P2, date(2017, 4, 5), 2),
    (P2, date(2017, 5, 27), 19 + 19 + 1),  # April; May 2-5, 8-12, 15-19, 22-26; the make-up Saturday 27th
])
def test_share_is_working_days_elapsed_over_working_days_of_the_window(window, day, elapsed):
    assert pace.share(*window, day) == pytest.approx(elapsed / 62)


def test_share_is_whole_from_the_due_day():
    assert pace.share(*P5, date(2019, 12, 31)) == 1.0 and pace.share(*P5, date(2020, 3, 1)) == 1.0


def one(status_done=0, total=1, due=P5[1], start=P5[0], open_due=None):
    """``total`` milestones of one window, ``status_done`` of them done, the others open on ``due``."""
    key = pace.window_key(start.isoformat(), due.isoformat())
    opened = {due.isoformat(): total - status_done} if total > status_done else {}
    return pace.Figures(total, status_done, {key: total}, opened if open_due is None else open_due)


def test_expected_and_lag_of_a_group():
    # 4 milestones of phase 5, 1 done: on the make-up Saturday 12 October 2019 5/62 of the time is gone
    figs = one(status_done=1, total=4)
    assert pace.expected_percent(figs, date(2019, 10, 12)) == 8.1
    assert pace.lag_percent(figs, date(2019, 10, 12)) == round(100 * 5 / 62 - 25, 1)  # ahead: negative
    mixed = pace.Figures(2, 0, {pace.window_key("2019-10-01", "2019-12-31"): 1}, {"2019-12-31": 2})  # one without a window
    assert pace.expected_percent(mixed, date(2019, 10, 12)) == round(100 * 5 / 62 / 2, 1)


def test_the_four_colours():
    open_one = one()
    assert pace.colour(open_one, date(2019, 10, 12), RULES) == "green"    # 8.1 behind: within the margin
    assert pace.colour(open_one, date(2019, 10, 15), RULES) == "yellow"   # 7/62 = 11.3 behind
    assert pace.colour(open_one, date(2020, 1, 1), RULES) == "red"        # overdue
    nearly = one(status_done=9, total=10)  # 90 done; 2019-12-25: 95.2 expected, 4 working days to go
    assert pace.lag_percent(nearly, date(2019, 12, 25)) == round(100 * 58 / 62 - 90, 1)
    assert pace.colour(nearly, date(2019, 12, 25), RULES) == "blue"
    assert pace.colour(nearly, date(2019, 12, 23), RULES) == "green"      # 6 working days to go
    assert pace.colour(nearly, date(2019, 12, 31), RULES) == "blue"       # due today: not yet overdue
    assert pace.colour(one(status_done=1), date(2020, 6, 1), RULES) == "green"  # done: never overdue


def test_next_change_is_the_first_day_of_another_colour():
    # yellow from the 7th working day (7/62 > 10%): Tuesday 15 October, after the make-up Saturday
    assert pace.next_change(one(), date(2019, 10, 12), RULES) == date(2019, 10, 15)
    assert pace.next_change(one(), date(2019, 10, 15), RULES) == date(2020, 1, 1)  # then red
    assert pace.next_change(one(), date(2020, 1, 1), RULES) is None
    # blue from 5 working days before 31 December: the 24th (25, 26, 27, 30, 31 are left)
    assert pace.next_change(one(status_done=9, total=10), date(2019, 12, 20), RULES) == date(2019, 12, 24)
    assert pace.next_change(one(status_done=1), date(2019, 10, 12), RULES) is None  # all done: green for good


# --- the counters in the read model -----------------------------------------------------------

OFFICE = "丰庆路街道"
CENTRES = [{"id": f"js01-c0{i}", "name": f"社区{i}", "level": "community", "office": OFFICE, "pilot": False,
            "deadline": date(2019, 12, 31), "remark": "", "version": 1} for i in range(1, 4)]
PLAN = [("p4_self_check", 4, "2019-07-01", date(2019, 9, 30)), ("p5_rectification", 5, "2019-10-01", date(2019, 12, 31))]


def planned(centre_id, key, phase, start, due, status="not_started", version=1):
    return {"centre_id": centre_id, "key": key, "phase": phase, "title": key, "owner": "office", "order": phase,
            "status": status, "version": version, "due": due, "phase_end": due, "phase_start": start, "office": OFFICE}


def store():
    return ReportingStore(mongomock.MongoClient(tz_aware=True).db)


def state(s):
    out = {"centres": {d["_id"]: d for d in s.centres.find({})}}
    out["offices"] = {d["_id"]: d["fig"] for d in s.offices.find({})}
    out["district"] = s.district_doc()["fig"]
    out["office_buckets"] = {d["_id"]: d["fig"] for d in s.office_buckets.find({})}
    return out


DAYS = {  # hand-counted: phase 4's window (2019-07-01 .. 09-30) has 66 working days (July 23, August 22,
    # September 21: 中秋 the 13th off, the make-up Sunday the 29th on); phase 5's has 62 (above)
    date(2019, 7, 10): {"green": 3},                 # 8/66 of p4 gone: 6.1 behind
    date(2019, 7, 18): {"yellow": 2, "green": 1},    # 14/66: 10.6 behind; js01-c01 did its p4: ahead
    date(2019, 9, 24): {"yellow": 2, "green": 1},    # yellow before blue (p4 due in 5 working days)
    date(2019, 10, 1): {"red": 2, "green": 1},       # p4 overdue; js01-c01 exactly on 序时进度
    date(2019, 10, 22): {"red": 2, "green": 1},      # js01-c01: 12/62 of p5 gone: 9.7 behind
    date(2019, 10, 23): {"red": 2, "yellow": 1},     # 13/62 (the make-up Saturday 12th counted): 10.5 behind
    date(2020, 1, 2): {"red": 3},
}


def test_colour_counters_move_with_the_days_and_equal_a_rebuild():
    live, writer = store(), contextlib.nullcontext()
    for c in CENTRES:
        apply_once(live, "centre:" + c["id"], "2019-07-01", lambda m, c=c: set_centre(m, c), "t")
        apply_once(live, "planned:" + c["id"], "2019-07-01", lambda m, c=c: [
            set_milestone(m, c["id"], planned(c["id"], *spec)) for spec in PLAN], "t")
    done = planned("js01-c01", "p4_self_check", 4, "2019-07-01", date(2019, 9, 30), status="done", version=2)
    apply_once(live, "ms:js01-c01:p4:2", "2019-07-01", lambda m: set_milestone(m, "js01-c01", done), "t")
    assert live.district_doc()["fig"]["colours"] == {"green": 3}
    for today, colours in DAYS.items():
        filed = {d["_id"]: d["pace_next"] for d in live.centres.find({})}
        moved = colour_days.move_colours(live, writer, today)
        assert moved == sum(1 for day in filed.values() if day and day <= today.isoformat())  # only those filed
        assert live.district_doc()["fig"]["colours"] == colours, today
        rebuilt = store()
        colour_days.start_rebuild(rebuilt, today)
        apply_page(rebuilt, CENTRES, [{**planned(c["id"], *spec), **({"status": "done", "version": 2} if
                                       (c["id"], spec[0]) == ("js01-c01", "p4_self_check") else {})}
                                      for c in CENTRES for spec in PLAN], [])
        assert state(live) == state(rebuilt), today
        summaries = figures.centre_summaries(live, {"office": OFFICE, "level": None, "offset": 0, "limit": 10}, today)
        assert {c: sum(1 for s in summaries["items"] if s["colour"] == c) for c in colours} == colours
        totals = figures.rollup(live, {}, today)["totals"]
        assert totals["colours"] == {c: colours.get(c, 0) for c in pace.COLOURS}
    assert live.district_doc()["pace_swept"] == "2020-01-02"
