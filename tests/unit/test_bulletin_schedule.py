"""When a scheduled 通报 is due: the period that ended last, from the chosen day of the month after it."""
from datetime import UTC, date, datetime

import mongomock

from services.gateway.bulletins.schedule import ScheduleStore, due, recent_periods

EVERY = {"enabled": True, "kinds": ["month", "quarter", "year"], "day": 3, "contact_ids": ["c1"]}


def keys(schedule, today):
    return [p.key for p in due(schedule, today)]


def test_each_period_is_due_from_its_day_after_it_ends():
    # until it is claimed (sent), the period that ended last stays due: a missed day still sends it later
    assert keys(EVERY, date(2018, 4, 2)) == ["2017"]
    assert keys(EVERY, date(2018, 4, 3)) == ["2018-03", "2018-Q1", "2017"]
    assert keys(EVERY, date(2018, 4, 30)) == ["2018-03", "2018-Q1", "2017"]
    assert keys(EVERY, date(2018, 5, 3)) == ["2018-04", "2018-Q1", "2017"]
    assert keys(EVERY, date(2019, 1, 2)) == []
    assert keys(EVERY, date(2019, 1, 3)) == ["2018-12", "2018-Q4", "2018"]
    assert keys({**EVERY, "kinds": ["quarter"]}, date(2018, 2, 10)) == ["2017-Q4"]
    assert keys({**EVERY, "enabled": False}, date(2018, 4, 3)) == []


def test_a_period_is_claimed_once_and_a_failed_send_is_released():
    store = ScheduleStore(mongomock.MongoClient().gateway)
    now = datetime(2018, 4, 3, 1, tzinfo=UTC)
    assert store.claim("2018-03", now) and not store.claim("2018-03", now)
    assert store.sent(["2018-03", "2018-02"]) == ["2018-03"]
    store.release("2018-03")
    assert store.sent(["2018-03"]) == [] and store.claim("2018-03", now)
    assert not store.get()["enabled"]  # nothing is sent before the bureau says so


def test_recent_periods_go_back_a_year():
    found = [p.key for p in recent_periods(date(2018, 4, 3))]
    assert found[:3] == ["2018-03", "2018-02", "2018-01"] and "2017-04" in found and "2017-03" not in found
    assert found[12:] == ["2018-Q1", "2017-Q4", "2017-Q3", "2017-Q2", "2017", "2016"]


def test_periods_whose_day_came_before_the_schedule_was_saved_are_not_sent():
    saved = {**EVERY, "since": "2018-03-20"}
    assert keys(saved, date(2018, 3, 20)) == []  # not February, nor 2017-Q4, nor 2017
    assert keys(saved, date(2018, 4, 3)) == ["2018-03", "2018-Q1"]
