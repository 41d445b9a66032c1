"""The Excel report's pieces kept in reports.py: colour names, the centre pages it reads, the ranking across pages
(the workbook itself: test_progress_export.py)."""
from services.gateway.reports import colour_name


def test_colour_names():
    assert [colour_name(c) for c in ("red", "yellow", "blue", "green", "绿", None, "", "purple")] == [
        "红", "黄", "蓝", "绿", "绿", "", "", ""]


def _reporting_with(counts):
    """The reporting service's ``centres_after`` on a mongomock read model holding ``counts`` centres per office."""
    import mongomock
    from nameko.testing.services import worker_factory

    from services.reporting.service import ReportingService
    from services.reporting.store import ReportingStore

    store = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    for number, (office, count) in enumerate(counts.items()):
        for i in reversed(range(count)):  # stored out of order: the answer is sorted by id
            store.centres.insert_one({"_id": f"o{number}-c{i:02d}", "name": f"中心{i}", "level": "village",
                                      "office": office, "pilot": False, "deadline": "2018-06-30", "version": 1})
    store.centres.insert_one({"_id": "o0-zz", "office": "甲街道"})  # known by a milestone only: no name, not listed
    service = worker_factory(ReportingService, store=store)
    calls = []

    class Client:
        def centres_after(self, query):
            calls.append(query)
            return service.centres_after(query)
    return Client(), calls


def test_centres_after_continues_inside_an_office_and_refuses_bad_queries():
    import pytest

    from shared.errors import InvalidInput

    reporting, _ = _reporting_with({"甲街道": 3, "乙街道": 2})
    first = reporting.centres_after({"offices": ["甲街道", "乙街道"], "limit": 4})
    assert [c["id"] for c in first["items"]] == ["o0-c00", "o0-c01", "o0-c02", "o1-c00"]
    assert first["next"] == {"offset": 1, "after": "o1-c00"}
    rest = reporting.centres_after({"offices": ["乙街道"], "after": "o1-c00", "limit": 4})
    assert [c["id"] for c in rest["items"]] == ["o1-c01"] and rest["next"] is None
    full = reporting.centres_after({"offices": ["甲街道", "乙街道"], "limit": 3})
    assert full["next"] == {"offset": 1, "after": None}
    for bad in ({"offices": []}, {"offices": ["甲街道"], "limit": 0}, {"office": "甲街道"}):
        with pytest.raises(InvalidInput):
            reporting.centres_after(bad)


def test_the_report_ranks_every_office_across_the_rollup_pages():
    from services.gateway.reports import district_rollup

    offices = [{"office": name, "centres": 1} for name in ("甲", "乙", "丙", "丁", "戊")]
    figures = {"甲": (10.0, 2), "乙": (50.0, 0), "丙": (10.0, 1), "丁": (80.0, 5), "戊": (50.0, 0)}
    calls = []

    class Reporting:
        def progress_rollup(self, query):
            calls.append(query)
            names = [o["office"] for o in offices][query["offset"]:query["offset"] + query["limit"]]
            return {"as_of": query["as_of"], "totals": {"total": 5},
                    "rows": [{"office": n, "phase": 1} for n in names],
                    "offices": [{"office": n, "percent_done": figures[n][0], "overdue": figures[n][1], "rank": 1}
                                for n in names]}
    rollup = district_rollup(Reporting(), "2018-01-05", offices, page=2)
    assert [q["offset"] for q in calls] == [0, 2, 4] and rollup["totals"] == {"total": 5}
    assert [r["office"] for r in rollup["rows"]] == ["甲", "乙", "丙", "丁", "戊"]
    assert [(o["office"], o["rank"]) for o in rollup["offices"]] == [("丁", 1), ("乙", 2), ("戊", 2), ("丙", 4), ("甲", 4)]
