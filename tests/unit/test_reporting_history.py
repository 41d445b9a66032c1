"""A past day the read model kept no snapshot of (services/reporting/history.py): which days are replayed, the
district summed from its offices, a day before the programme refused, and the overdue page of a past day."""
from datetime import date

import pytest

from services.reporting import due_items, history
from services.reporting.figures import fig_as_of
from shared.errors import InvalidInput

PLAN = {"start": "2017-03-01"}


class FakeStore:
    """Only what the functions under test read: office and district documents, no open items now."""

    def __init__(self, offices):
        self.offices = offices

    def get(self, collection, doc_id):
        return self.offices.get(doc_id) if collection == "offices" else None

    def district_doc(self):
        return {"_id": "district", "fig": {}, "day": None, "snap_days": [], "offices": len(self.offices)}

    def due_day_counts(self, kind, day):
        return {}

    def open_group(self, collection, day, office):
        raise AssertionError("a past day's milestones are not read from the open items")


def test_a_day_before_the_programme_is_refused_with_the_day_to_choose():
    history.check_day(date(2017, 3, 1), PLAN)
    with pytest.raises(InvalidInput) as refused:
        history.check_day(date(2017, 2, 28), PLAN)
    assert "早于建设计划开始日期 2017-03-01" in refused.value.message
    assert refused.value.details == {"as_of": ["请选择 2017-03-01 及以后的日期"]}


def test_days_from_a_past_report_on_are_replayed_not_read_from_outdated_snapshots():
    doc = {"_id": "甲街道", "fig": {"now": 1}, "day": "2018-03-05", "snap_days": ["2018-03-01"], "revised_from": "2017-08-10"}

    class Snapshots:
        @staticmethod
        def get(collection, doc_id):
            return {"fig": {"snap": doc_id}}
    assert fig_as_of(Snapshots, doc, date(2018, 3, 5)) == {"now": 1}  # the day of the last change: current
    assert fig_as_of(Snapshots, doc, date(2018, 3, 2)) is None  # snapshotted, then revised: replayed
    assert fig_as_of(Snapshots, doc, date(2017, 8, 9)) is None  # before any snapshot: replayed
    assert fig_as_of(Snapshots, {**doc, "revised_from": None}, date(2018, 3, 2)) == {"snap": "甲街道:2018-03-01"}


def test_the_district_of_a_replayed_day_is_the_sum_of_its_offices():
    cells = {"甲": {"1|community": {"total": 2, "done": 1, "open_due": {"2017-04-30": 1}}},
             "乙": {"1|community": {"total": 3, "not_started": 3, "open_due": {"2017-04-30": 3}},
                   "2|village": {"total": 1, "blocked": 1}}}

    class Milestones:
        calls = []

        def offices_as_of(self, query):
            self.calls.append(query["offices"])
            return [{"office": o, "cells": cells[o], "overdue": []} for o in query["offices"]]
    past = history.PastDay(Milestones(), date(2017, 5, 2))
    total = past.district([{"_id": "甲"}, {"_id": "乙"}, {"_id": "丙"}],
                          lambda doc: {"cells": {"1|village": {"total": 4, "done": 4}}} if doc["_id"] == "丙" else None)
    assert total == {"cells": {"1|community": {"total": 5, "done": 1, "not_started": 3, "open_due": {"2017-04-30": 4}},
                               "2|village": {"total": 1, "blocked": 1}, "1|village": {"total": 4, "done": 4}}}
    assert Milestones.calls == [["甲", "乙"]]  # only the offices without a snapshot, in one call
    past.fill([({"_id": "甲"}, None)])
    assert Milestones.calls == [["甲", "乙"]]  # each office replayed once per request


def test_the_overdue_page_of_a_past_day_takes_the_replayed_milestones():
    def row(centre, office, due):
        return {"centre_id": centre, "centre_name": centre, "office": office, "level": "community", "key": "p1",
                "title": "t", "phase": 1, "owner": "office", "due": date.fromisoformat(due), "status": "not_started",
                "phase_end": date.fromisoformat(due)}
    past = [row("c3", "乙", "2017-04-30"), row("c1", "甲", "2017-04-30"), row("c2", "甲", "2017-06-30")]
    store = FakeStore({"甲": {"fig": {}}, "乙": {"fig": {}}})
    query = {"as_of": date(2017, 7, 3), "office": None, "offset": 0, "limit": 2, "extra": {}}
    page = due_items.overdue_page(store, query, past)
    assert page["total"] == 3 and page["skip"] == 0
    assert [(g["due"].isoformat(), g["office"]) for g in page["groups"]] == [("2017-04-30", "乙"), ("2017-04-30", "甲")]
    assert {m["centre_id"] for m in page["milestones"]} == {"c1", "c3"}
    second = due_items.overdue_page(store, {**query, "offset": 2}, past)
    assert [m["centre_id"] for m in second["milestones"]] == ["c2"]
    own = due_items.overdue_page(store, {**query, "office": "甲", "limit": 10}, past)
    assert own["total"] == 2 and {m["centre_id"] for m in own["milestones"]} == {"c1", "c2"}
