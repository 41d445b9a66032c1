"""The read model's projection and reads on mongomock: counters, once-only application, moves,
snapshots for as_of, open items by due day in pages, and a rebuild equal to the live model."""
from datetime import date

import mongomock
import pytest

from services.reporting import due_items, figures
from services.reporting.colour_days import start_rebuild
from services.reporting.projection import Model, apply_once, set_acceptance, set_centre, set_milestone, set_rectification
from services.reporting.rebuild import apply_page
from services.reporting.store import ReportingStore

NOW = "2017-03-01T09:00:00+08:00"
CENTRES = [{"id": "js01-c01", "name": "四月天社区", "level": "community", "office": "丰庆路街道", "pilot": True,
            "deadline": date(2017, 6, 30), "remark": "", "version": 1},
           {"id": "js01-s", "name": "丰庆路街道综合文化站", "level": "subdistrict", "office": "丰庆路街道", "pilot": False,
            "deadline": date(2017, 12, 31), "remark": "", "version": 1},
           {"id": "js02-s", "name": "国基路街道综合文化站", "level": "subdistrict", "office": "国基路街道", "pilot": True,
            "deadline": date(2017, 6, 30), "remark": "", "version": 1}]
PLAN = [("p1_plan", 1, date(2017, 4, 30)), ("p3_construction", 3, None), ("p4_acceptance", 4, date(2019, 9, 30))]


def milestone(centre, key, phase, due, status="not_started", version=1):
    return {"key": key, "phase": phase, "title": key, "owner": "office", "order": phase, "status": status,
            "version": version, "due": due or centre["deadline"], "phase_end": due or centre["deadline"],
            "office": centre["office"]}


def store():
    return ReportingStore(mongomock.MongoClient(tz_aware=True).db)


def run(s, key, day, change):
    return apply_once(s, key, day, change, NOW)


def live_history(s):
    """Registration on 2017-03-01, progress on 2017-06-10, a move and an inspection on 2019-07-15."""
    for c in CENTRES:
        run(s, "centre:{}:1".format(c["id"]), "2017-03-01", lambda m, c=c: set_centre(m, c))
        run(s, "planned:" + c["id"], "2017-03-01", lambda m, c=c: [
            set_milestone(m, c["id"], milestone(c, *spec)) for spec in PLAN])
    run(s, "ms:js01-c01:p1_plan:2", "2017-06-10", lambda m: set_milestone(
        m, "js01-c01", {"key": "p1_plan", "phase": 1, "due": date(2017, 4, 30), "status": "done", "version": 2,
                        "office": "丰庆路街道"}))
    moved = {**CENTRES[1], "office": "国基路街道", "version": 2}
    run(s, "centre:js01-s:2", "2019-07-15", lambda m: set_centre(m, moved))
    run(s, "failed:i1", "2019-07-15", lambda m: set_acceptance(m, "js01-c01", "丰庆路街道", failed_inspection="i1"))
    run(s, "rect:r1:opened", "2019-07-15", lambda m: set_rectification(m, {
        "id": "r1", "centre_id": "js01-c01", "office": "丰庆路街道", "item_id": "area", "title": "建筑面积",
        "due": date(2019, 8, 12), "open": True, "opened_on": date(2019, 7, 15)}))
    run(s, "accepted:js02-s", "2019-07-15", lambda m: set_acceptance(m, "js02-s", "国基路街道", accepted=True))
    return moved


def state(s):
    out = {name: {d["_id"]: d for d in getattr(s, name).find({})} for name in ("milestones", "centres", "rectifications")}
    out["offices"] = {d["_id"]: (d["fig"], d["first_centre"]) for d in s.offices.find({})}
    out["district"] = s.district_doc()["fig"]
    out["due_days"] = {d["_id"]: (d["offices"], d["total"]) for d in s.due_days.find({})}
    out["office_buckets"] = {d["_id"]: d["fig"] for d in s.office_buckets.find({})}
    return out


def test_counters_follow_the_events():
    s = store()
    live_history(s)
    fql = figures.office_summary(s, "丰庆路街道", date(2019, 7, 16))
    assert (fql["centres"], fql["total"], fql["done"], fql["failed"], fql["accepted"], fql["open_rectifications"]) == (
        1, 3, 1, 1, 0, 1)
    gjl = figures.office_summary(s, "国基路街道", date(2019, 7, 16))
    assert (gjl["centres"], gjl["total"], gjl["accepted"]) == (2, 6, 1)
    assert gjl["overdue"] == 4  # p1_plan and p3_construction of both centres
    rollup = figures.rollup(s, {}, date(2019, 7, 16))
    assert rollup["totals"]["total"] == 9 and rollup["totals"]["done"] == 1 and rollup["totals"]["percent_done"] == 11.1


def test_an_event_applies_once_and_an_older_version_changes_nothing():
    s = store()
    live_history(s)
    before = state(s)
    done = {"key": "p1_plan", "phase": 1, "due": date(2017, 4, 30), "status": "done", "version": 2,
            "office": "丰庆路街道"}
    assert not run(s, "ms:js01-c01:p1_plan:2", "2019-07-16", lambda m: set_milestone(m, "js01-c01", done))
    assert run(s, "ms:js01-c01:p1_plan:1", "2019-07-16", lambda m: set_milestone(
        m, "js01-c01", {**done, "status": "not_started", "version": 1}))
    assert not run(s, "rect:r1:opened", "2019-07-16", lambda m: None)
    assert not run(s, "centre:js01-s:1", "2019-07-16", lambda m: None)  # applied before
    assert run(s, "replayed:js01-s:1", "2019-07-16", lambda m: set_centre(m, CENTRES[1]))  # the older office
    assert dict(state(s).items()) == before


def test_snapshots_answer_as_of_with_the_office_of_the_day():
    s = store()
    live_history(s)
    assert {d["_id"] for d in s.snapshots.find({})} >= {"丰庆路街道:2017-03-01", "丰庆路街道:2017-06-10"}
    early = figures.rollup(s, {"as_of": date(2017, 6, 9), "office": "丰庆路街道"}, date(2019, 7, 16))
    assert (early["totals"]["total"], early["totals"]["done"], early["totals"]["overdue"]) == (6, 0, 2)
    later = figures.rollup(s, {"as_of": date(2018, 1, 5), "office": "丰庆路街道"}, date(2019, 7, 16))
    assert (later["totals"]["total"], later["totals"]["done"], later["totals"]["overdue"]) == (6, 1, 3)
    assert figures.rollup(s, {"as_of": date(2017, 1, 1)}, date(2019, 7, 16))["totals"]["total"] == 0


def test_open_items_by_due_day_in_pages():
    s = store()
    live_history(s)
    got, cursor = [], None
    while True:
        page = due_items.open_items(s, {"kind": "milestone", "before": date(2019, 10, 1), "cursor": cursor, "limit": 2})
        assert len(page["items"]) <= 2
        got += page["items"]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert [(i["due"].isoformat(), i["centre_id"], i["key"]) for i in got] == [
        ("2017-04-30", "js01-s", "p1_plan"), ("2017-04-30", "js02-s", "p1_plan"),
        ("2017-06-30", "js01-c01", "p3_construction"), ("2017-06-30", "js02-s", "p3_construction"),
        ("2017-12-31", "js01-s", "p3_construction"), ("2019-09-30", "js01-c01", "p4_acceptance"),
        ("2019-09-30", "js01-s", "p4_acceptance"), ("2019-09-30", "js02-s", "p4_acceptance")]
    assert got[4]["office"] == "国基路街道" and got[0]["centre_name"] == "丰庆路街道综合文化站"
    rects = due_items.open_items(s, {"kind": "rectification", "before": date(2020, 1, 1), "limit": 10})["items"]
    assert [r["rectification_id"] for r in rects] == ["r1"]


def test_centre_summaries_sorted_by_urgency():
    s = store()
    live_history(s)
    page = figures.centre_summaries(s, {"office": "国基路街道", "level": None, "limit": 10, "offset": 0},
                                    date(2017, 7, 1))
    assert [i["centre_id"] for i in page["items"]] == ["js02-s", "js01-s"]  # 2 overdue vs 1
    assert page["items"][1]["next_due"] == date(2017, 12, 31)


@pytest.mark.parametrize("page_size", [1, 2, 10])
def test_a_rebuild_from_the_sources_equals_the_live_model(page_size):
    live = store()
    moved = live_history(live)
    rebuilt = store()
    start_rebuild(rebuilt, date(2017, 3, 1))  # rebuild_start: colours on the live model's pace day
    centres = [CENTRES[0], moved, CENTRES[2]]
    states = [{**milestone(c, *spec), "centre_id": c["id"]} for c in centres for spec in PLAN]
    states[0] = {**states[0], "status": "done", "version": 2}
    results = [{"centre_id": "js01-c01", "office": "丰庆路街道", "accepted": False, "failed": ["i1"],
                "rectifications": [{"id": "r1", "office": "丰庆路街道", "item_id": "area", "title": "建筑面积",
                                    "due": date(2019, 8, 12), "open": True, "opened_on": "2019-07-15"}]},
               {"centre_id": "js01-s", "office": "国基路街道", "accepted": False, "failed": [], "rectifications": []},
               {"centre_id": "js02-s", "office": "国基路街道", "accepted": True, "failed": [], "rectifications": []}]
    for start in range(0, 3, page_size):
        ids = {c["id"] for c in centres[start:start + page_size]}
        apply_page(rebuilt, [c for c in centres if c["id"] in ids], [x for x in states if x["centre_id"] in ids],
                   [r for r in results if r["centre_id"] in ids])
    assert state(rebuilt) == state(live)


def test_a_change_before_the_centre_is_known_is_placed_when_it_registers():
    s = store()
    c = CENTRES[0]
    run(s, "planned:js01-c01", "2017-03-01", lambda m: [set_milestone(m, c["id"], milestone(c, *spec)) for spec in PLAN])
    run(s, "centre:js01-c01:1", "2017-03-01", lambda m: set_centre(m, c))
    fresh = store()
    start_rebuild(fresh, date(2017, 3, 1))  # colours on the live model's pace day
    model = Model(fresh, None)
    set_centre(model, c)
    for spec in PLAN:
        set_milestone(model, c["id"], milestone(c, *spec))
    model.flush()
    assert state(s) == state(model.store)


def test_district_totals_are_the_sum_of_the_offices_now_and_as_of():
    s = store()
    live_history(s)
    offices = list(s.offices.find({}))
    for as_of in (None, date(2017, 6, 9), date(2018, 1, 5), date(2019, 7, 16)):
        district = figures.rollup(s, {"as_of": as_of}, date(2019, 7, 16))["totals"]
        summed = [figures.rollup(s, {"as_of": as_of, "office": o["_id"]}, date(2019, 7, 16))["totals"] for o in offices]
        pace_keys = ("colour", "expected_percent", "lag_percent", "colours")  # not sums (test_reporting_pace.py)
        counts = {k: v for k, v in district.items() if k not in pace_keys}
        assert counts == {k: (round(100.0 * sum(t["done"] for t in summed) / sum(t["total"] for t in summed), 1)
                              if k == "percent_done" else sum(t[k] for t in summed)) for k in counts}
        assert district["colours"] == {c: sum(t["colours"][c] for t in summed) for c in district["colours"]}
    assert s.district_doc()["fig"]["centres"] == 3 and s.district_doc()["fig"]["levels"] == {
        "community": 1, "subdistrict": 2}
    assert {d["_id"] for d in s.district.find({})} >= {"district", "district:2017-03-01", "district:2017-06-10"}


def test_the_roll_up_pages_offices_and_keeps_district_totals():
    s = store()
    live_history(s)
    whole = figures.rollup(s, {}, date(2019, 7, 16))
    assert [o["office"] for o in sorted(whole["offices"], key=lambda o: o["office"])] == ["丰庆路街道", "国基路街道"]
    second = figures.rollup(s, {"offset": 1, "limit": 1}, date(2019, 7, 16))
    assert [o["office"] for o in second["offices"]] == ["国基路街道"] and {r["office"] for r in second["rows"]} == {
        "国基路街道"}
    assert second["offices"][0]["rank"] == 2 and second["totals"] == whole["totals"]  # the district's rank
    assert figures.rollup(s, {"offset": 2, "limit": 5}, date(2019, 7, 16))["rows"] == []


def test_district_centre_summaries_read_only_the_offices_of_the_page():
    s = store()
    live_history(s)  # 丰庆路街道 (arrived first): js01-c01; 国基路街道: js01-s (moved there), js02-s
    read = []
    centres_of = s.centres_of
    s.centres_of = lambda office: read.append(office) or centres_of(office)
    page = figures.centre_summaries(s, {"level": None, "limit": 2, "offset": 1}, date(2017, 7, 1))
    assert [i["centre_id"] for i in page["items"]] == ["js02-s", "js01-s"] and page["total"] == 3
    assert read == ["国基路街道"]
    read.clear()
    first = figures.centre_summaries(s, {"level": None, "limit": 1, "offset": 0}, date(2017, 7, 1))
    assert [i["centre_id"] for i in first["items"]] == ["js01-c01"] and read == ["丰庆路街道"]
    subdistricts = figures.centre_summaries(s, {"level": "subdistrict", "limit": 10, "offset": 0}, date(2017, 7, 1))
    assert subdistricts["total"] == 2 and {i["centre_id"] for i in subdistricts["items"]} == {"js01-s", "js02-s"}


def test_due_day_counters_and_groups_follow_moves_and_closes():
    s = store()
    live_history(s)
    assert s.due_day_counts("milestone", "2017-12-31") == {"国基路街道": 1}  # js01-s moved with its milestones
    assert s.due_day_counts("milestone", "2017-04-30") == {"国基路街道": 2}  # js01-c01's p1_plan is done
    assert s.due_day_counts("rectification", "2019-08-12") == {"丰庆路街道": 1}
    assert [d["_id"] for d in s.open_group("milestones", "2017-04-30", "国基路街道")] in (
        ["js01-s:p1_plan", "js02-s:p1_plan"], ["js02-s:p1_plan", "js01-s:p1_plan"])
    run(s, "rect:r1:closed", "2019-08-01", lambda m: set_rectification(m, {"id": "r1", "centre_id": "js01-c01",
                                                                          "office": "丰庆路街道", "open": False}))
    assert s.due_day_counts("rectification", "2019-08-12") == {} and s.due_days.count_documents(
        {"kind": "rectification"}) == 0
    assert s.get("rectifications", "r1")["due_office"] is None


@pytest.mark.parametrize("day_read", [1, due_items.DAY_READ])
def test_due_items_read_the_given_days_whole_or_by_office_groups(monkeypatch, day_read):
    monkeypatch.setattr(due_items, "DAY_READ", day_read)  # 1: every day by (day, office) groups
    reads = []
    s = store()
    live_history(s)
    original = s.open_day
    monkeypatch.setattr(s, "open_day", lambda *a: reads.append(a) or original(*a))
    got, cursor = [], None
    while True:
        page = due_items.due_items(s, {"kind": "milestone", "days": [date(2017, 4, 30), date(2017, 6, 30),
                                                                     date(2018, 1, 1)], "cursor": cursor, "limit": 1})
        got.append([(i["due"].isoformat(), i["office"], i["centre_id"]) for i in page["items"]])
        cursor = page["cursor"]
        if cursor is None:
            break
    april = [("2017-04-30", "国基路街道", "js01-s"), ("2017-04-30", "国基路街道", "js02-s")]
    june = [("2017-06-30", "丰庆路街道", "js01-c01"), ("2017-06-30", "国基路街道", "js02-s")]
    assert [sorted(g) for g in got] == ([april, june[:1], june[1:]] if day_read == 1 else [april, june])
    assert bool(reads) == (day_read > 1)  # whole days are one read each


@pytest.mark.parametrize("office", [None, "国基路街道"])
def test_an_overdue_page_is_found_from_the_counters(office):
    s = store()
    live_history(s)
    everything = due_items.overdue_page(s, {"as_of": date(2019, 10, 1), "office": office, "offset": 0, "limit": 100,
                                            "extra": {"2017-05-01|国基路街道": 2, "2030-01-01|国基路街道": 1}})

    def merged(page):
        items = sorted([(i["due"], i["office"], i["centre_id"], i["key"]) for i in page["milestones"]]
                       + [(i["due"], i["office"], i["centre_id"], i["rectification_id"]) for i in page["rectifications"]]
                       + [(g["due"], g["office"], "~extra", str(n)) for g in page["groups"] for n in range(
                           2 if (g["due"].isoformat(), g["office"]) == ("2017-05-01", "国基路街道") else 0)])
        return items[page["skip"]:]

    full = merged(everything)
    assert everything["total"] == len(full) == (11 if office is None else 8)
    assert [i[:2] for i in full] == sorted(i[:2] for i in full)
    for limit in (1, 2, 3):
        for offset in range(0, everything["total"]):
            page = due_items.overdue_page(s, {"as_of": date(2019, 10, 1), "office": office, "offset": offset,
                                              "limit": limit, "extra": {"2017-05-01|国基路街道": 2}})
            assert page["total"] == everything["total"]
            assert merged(page)[:limit] == full[offset:offset + limit]
    late = due_items.overdue_page(s, {"as_of": date(2017, 7, 1), "office": None, "offset": 0, "limit": 100, "extra": {}})
    assert late["total"] == 4  # p1_plan of js01-s and js02-s, p3_construction of js01-c01 and js02-s


def _centre_reads(s, monkeypatch):
    """Count the store's reads of centres (by ``_id`` or by office)."""
    reads = []
    get, of_office = s.get, s.centres_of
    monkeypatch.setattr(s, "get", lambda collection, doc_id: (reads.append(doc_id) if collection == "centres" else None)
                        or get(collection, doc_id))
    monkeypatch.setattr(s, "centres_of", lambda office: reads.append(office) or of_office(office))
    return reads


def test_item_rows_carry_centre_names_without_reading_centres_and_a_rename_reaches_them(monkeypatch):
    s = store()
    moved = live_history(s)
    renamed = {**moved, "name": "国基路街道新文化站", "version": 3}
    run(s, "centre:js01-s:3", "2019-07-16", lambda m: set_centre(m, renamed))
    reads = _centre_reads(s, monkeypatch)
    items = due_items.open_items(s, {"kind": "milestone", "before": date(2020, 1, 1), "limit": 20})["items"]
    rects = due_items.open_items(s, {"kind": "rectification", "before": date(2020, 1, 1), "limit": 20})["items"]
    overdue = due_items.overdue_page(s, {"as_of": date(2019, 10, 1), "offset": 0, "limit": 20})
    due = due_items.due_items(s, {"kind": "milestone", "days": [date(2019, 9, 30)], "limit": 20})["items"]
    assert reads == []
    names = {i["centre_id"]: i["centre_name"] for i in items + rects + overdue["milestones"] + due}
    assert names == {"js01-c01": "四月天社区", "js01-s": "国基路街道新文化站", "js02-s": "国基路街道综合文化站"}
    # every item of the renamed centre (open or done) carries the new name
    assert {m["centre_name"] for m in s.of_centre("milestones", "js01-s")} == {"国基路街道新文化站"}


def test_items_written_before_names_were_kept_read_their_centre_once(monkeypatch):
    s = store()
    live_history(s)
    for collection in (s.milestones, s.rectifications):
        collection.update_many({}, {"$unset": {"centre_name": ""}})  # a read model from before
    reads = _centre_reads(s, monkeypatch)
    items = due_items.open_items(s, {"kind": "milestone", "before": date(2020, 1, 1), "limit": 20})["items"]
    assert sorted(reads) == sorted({i["centre_id"] for i in items})  # one read per centre, not per item
    assert {i["centre_id"]: i["centre_name"] for i in items}["js01-s"] == "丰庆路街道综合文化站"


def test_a_rebuild_after_a_rename_equals_the_live_model():
    live = store()
    moved = live_history(live)
    renamed = {**moved, "name": "国基路街道新文化站", "version": 3}
    run(live, "centre:js01-s:3", "2019-07-15", lambda m: set_centre(m, renamed))
    rebuilt = store()
    start_rebuild(rebuilt, date(2017, 3, 1))
    centres = [CENTRES[0], renamed, CENTRES[2]]
    states = [{**milestone(c, *spec), "centre_id": c["id"]} for c in centres for spec in PLAN]
    states[0] = {**states[0], "status": "done", "version": 2}
    results = [{"centre_id": "js01-c01", "office": "丰庆路街道", "accepted": False, "failed": ["i1"],
                "rectifications": [{"id": "r1", "office": "丰庆路街道", "item_id": "area", "title": "建筑面积",
                                    "due": date(2019, 8, 12), "open": True, "opened_on": "2019-07-15"}]},
               {"centre_id": "js02-s", "office": "国基路街道", "accepted": True, "failed": [], "rectifications": []}]
    apply_page(rebuilt, centres, states, results)
    assert state(rebuilt) == state(live)
    assert {m["centre_name"] for m in rebuilt.of_centre("milestones", "js01-s")} == {"国基路街道新文化站"}
