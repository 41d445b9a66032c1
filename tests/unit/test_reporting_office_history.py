"""Where centres and rectifications stood on a past day (services/reporting/office_history.py): the pure rules
of a stint, then the stints the read model's own changes keep (on mongomock), the centres an office held on a
day, and a past day's overdue rectifications paged from their counters."""
from datetime import date

import mongomock

from services.reporting import due_items, history, office_history
from services.reporting.projection import apply_once, set_centre, set_rectification
from services.reporting.store import ReportingStore
from tests.unit.test_reporting_model import CENTRES, NOW, live_history

FQL, GJL = "丰庆路街道", "国基路街道"


def store():
    return ReportingStore(mongomock.MongoClient(tz_aware=True).db)


def run(s, key, day, change):
    return apply_once(s, key, day, change, NOW)


def test_a_stint_holds_at_the_end_of_each_day_from_its_start_to_the_day_before_its_end():
    stint = {"since": "2018-01-10", "until": "2019-05-06"}
    assert not office_history.covers(stint, "2018-01-09")
    assert office_history.covers(stint, "2018-01-10") and office_history.covers(stint, "2019-05-05")
    assert not office_history.covers(stint, "2019-05-06")  # moved that day: the end of it is elsewhere
    assert office_history.covers({"since": None, "until": None}, "2017-03-01")


def test_a_centre_registered_on_the_first_day_counts_from_the_start_a_later_one_from_its_day():
    assert office_history.registered_since({"day": None, "snap_days": []}, "2018-03-01") is None  # the first change
    assert office_history.registered_since({"day": "2018-03-01", "snap_days": []}, "2018-03-01") is None
    later = {"day": "2018-03-05", "snap_days": ["2018-03-01"]}
    assert office_history.registered_since(later, "2018-03-05") == "2018-03-05"


def test_an_office_holds_its_stints_of_the_day_and_its_centres_from_before_stints():
    stints = [{"centre_id": "a", "since": None, "until": "2019-05-06"},
              {"centre_id": "b", "since": "2019-01-02", "until": None}]
    assert office_history.members_on(stints, ["b", "old"], "2018-06-01") == ["a", "old"]
    assert office_history.members_on(stints, ["b", "old"], "2019-05-06") == ["b", "old"]
    assert office_history.members_on([], ["b"], "2019-05-06") is None  # nothing recorded: its present centres


def test_open_counts_take_what_was_open_that_day_and_due_before_it():
    spans = {"2018-05-01|2018-04-01|2019-02-01": 2, "2018-05-01|2018-06-02|": 1, "2018-07-01|2018-04-01|": 1,
             "2018-04-20|2018-04-01|2018-05-30": 1}
    assert office_history.open_counts(spans, "2018-06-01") == {"2018-05-01": 2}
    assert office_history.open_counts(spans, "2018-06-02") == {"2018-05-01": 3}


def test_a_moved_centre_counts_under_its_old_office_before_the_move():
    s = store()
    live_history(s)  # js01-s registered 2017-03-01 under 丰庆路, moved to 国基路 on 2019-07-15
    assert history.centres_as_of(s, [FQL, GJL], date(2019, 7, 14)) == {FQL: ["js01-c01", "js01-s"], GJL: ["js02-s"]}
    # from the day of the move on, each holds its present centres (None: replayed as they are)
    assert history.centres_as_of(s, [FQL, GJL], date(2019, 7, 15)) == {FQL: None, GJL: None}
    # a centre registered after the first day is not counted before its registration
    new = {**CENTRES[0], "id": "js01-c09", "name": "新社区", "version": 1}
    run(s, "centre:js01-c09:1", "2019-08-01", lambda m: set_centre(m, new))
    assert history.centres_as_of(s, [FQL], date(2019, 7, 31))[FQL] == ["js01-c01"]
    assert history.centres_as_of(s, [FQL], date(2019, 8, 1))[FQL] is None  # its present centres
    # a read model from before stints: an office with none is replayed with its present centres
    s.db[office_history.CENTRES].delete_many({"office": FQL})
    assert history.centres_as_of(s, [FQL], date(2018, 1, 1))[FQL] is None


def _rect(rect_id, due, opened_on, centre="js01-c01", office=FQL):
    return {"id": rect_id, "centre_id": centre, "office": office, "item_id": "area", "title": "建筑面积",
            "due": due, "open": True, "opened_on": opened_on}


def _page(s, day, office=None, offset=0, limit=100):
    query = {"as_of": day, "office": office, "offset": offset, "limit": limit, "kinds": ("rectification",)}
    offices = [office] if office else [FQL, GJL]
    return due_items.overdue_page(s, query, [], history.PastRects(s.db, day, offices))


def test_a_past_day_lists_the_rectifications_open_that_day_closed_later_or_not():
    s = store()
    live_history(s)  # r1 of js01-c01, opened 2019-07-15, due 2019-08-12
    run(s, "rect:r1:closed", "2019-10-08", lambda m: set_rectification(m, {**_rect("r1", date(2019, 8, 12), None),
                                                                           "open": False}))
    # r2: due before it was opened (a backdated order): not overdue on a day before its opening
    run(s, "rect:r2:opened", "2019-09-02", lambda m: set_rectification(m, _rect("r2", date(2019, 8, 20),
                                                                                date(2019, 9, 2))))
    assert s.rectifications.find_one({"_id": "r1"})["open"] is False  # closed now
    page = _page(s, date(2019, 8, 30))
    assert page["total"] == 1 and [r["rectification_id"] for r in page["rectifications"]] == ["r1"]
    assert page["rectifications"][0]["office"] == FQL and page["rectifications"][0]["status"] == "open"
    both = _page(s, date(2019, 9, 2))
    assert both["total"] == 2 and [r["rectification_id"] for r in both["rectifications"]] == ["r1", "r2"]
    assert [r["rectification_id"] for r in _page(s, date(2019, 9, 2), offset=1, limit=1)["rectifications"]] == ["r2"]
    assert _page(s, date(2019, 10, 9))["total"] == 1  # r1 closed on 2019-10-08, r2 still open
    assert _page(s, date(2019, 8, 12))["total"] == 0  # due that day: not yet overdue
    assert _page(s, date(2019, 8, 30), office=GJL)["total"] == 0


def test_an_open_rectification_follows_its_centre_from_the_day_it_moves():
    s = store()
    live_history(s)
    moved = {**CENTRES[0], "office": GJL, "version": 2}
    run(s, "centre:js01-c01:2", "2019-09-02", lambda m: set_centre(m, moved))
    before, after = _page(s, date(2019, 8, 30)), _page(s, date(2019, 9, 3))
    assert [(r["rectification_id"], r["office"]) for r in before["rectifications"]] == [("r1", FQL)]
    assert [(r["rectification_id"], r["office"]) for r in after["rectifications"]] == [("r1", GJL)]
    assert _page(s, date(2019, 8, 30), office=GJL)["total"] == 0 and _page(s, date(2019, 9, 3), office=FQL)["total"] == 0
    assert history.centres_as_of(s, [FQL, GJL], date(2019, 9, 1)) == {FQL: ["js01-c01"], GJL: ["js01-s", "js02-s"]}
