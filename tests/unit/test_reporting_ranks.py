"""The district's ranking in the read model: every office's rank from the district's count of offices per
percent done (not within a page), pages in rank order read by equality, and the one-off placement of a
read model from before the ranking was kept."""
from datetime import date

import mongomock
import pytest

from services.reporting import figures
from services.reporting.model import RANK_SLOT, set_rank
from services.reporting.projection import apply_once, set_centre, set_milestone
from services.reporting.store import ReportingStore
from shared.errors import InvalidInput

NOW = "2017-03-01T09:00:00+08:00"
TODAY = date(2017, 9, 1)
OFFICES = 230  # three office buckets of 100


def office_name(i):
    return f"第{i:03d}街道"


def load(offices=OFFICES):
    """Office i has one centre with 4 milestones, ``i % 5`` of them done (a few places, many ties)."""
    s = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    for i in range(offices):
        centre = {"id": f"c{i:03d}", "name": f"中心{i}", "level": "community", "office": office_name(i),
                  "pilot": False, "deadline": date(2017, 12, 31), "remark": "", "version": 1}
        done = i % 5

        def change(m, centre=centre, done=done):
            set_centre(m, centre)
            for k in range(4):
                set_milestone(m, centre["id"], {"key": f"k{k}", "phase": 1 + k % 2, "title": "k", "owner": "office",
                                                "order": k, "status": "done" if k < done else "not_started",
                                                "version": 1, "due": date(2017, 6, 30), "phase_end": date(2017, 6, 30),
                                                "office": centre["office"], "level": "community"})
        apply_once(s, f"load:{i}", "2017-03-01", change, NOW)
    return s


def brute_force(offices=OFFICES):
    """(office, percent done, rank) of every office with milestones, in rank order (ties in table order)."""
    percents = [(office_name(i), figures.percent(min(i % 5, 4), 4)) for i in range(offices)]
    ranked = sorted(percents, key=lambda p: -p[1])  # stable: ties keep table order
    return [(name, pct, 1 + sum(1 for _, other in percents if other > pct)) for name, pct in ranked]


def test_ranks_on_a_page_in_table_order_are_the_districts():
    s = load()
    expected = {name: rank for name, _, rank in brute_force()}
    page = figures.rollup(s, {"offset": 100, "limit": 30}, TODAY)
    assert len(page["offices"]) == 30 and page["offices_total"] == OFFICES
    assert {o["office"]: o["rank"] for o in page["offices"]} == {
        office_name(i): expected[office_name(i)] for i in range(100, 130)}
    one = figures.rollup(s, {"office": office_name(7)}, TODAY)
    assert one["offices"][0]["rank"] == expected[office_name(7)]


@pytest.mark.parametrize("limit", [40, 7, 1000])
def test_pages_in_rank_order_join_into_the_whole_ranking(limit):
    s = load()
    joined = []
    for offset in range(0, OFFICES, limit):
        page = figures.rollup(s, {"order": "rank", "offset": offset, "limit": limit}, TODAY)
        assert page["offices_total"] == OFFICES
        joined.extend((o["office"], o["percent_done"], o["rank"]) for o in page["offices"])
    assert joined == brute_force()
    rows = figures.rollup(s, {"order": "rank", "offset": 0, "limit": 3}, TODAY)["rows"]
    assert {r["office"] for r in rows} == {office_name(4), office_name(9), office_name(14)}


def _office_reads(s, monkeypatch):
    """Count the office documents a ranking page reads (by place or by slot) and the places' slot counts."""
    reads = {"offices": 0, "places": 0}
    ranked, in_slot, get = s.offices_ranked, s.offices_ranked_in_slot, s.get

    def counted(docs):
        reads["offices"] += len(docs)
        return docs

    def get_counted(collection, doc_id):
        reads["places"] += collection == "rank_places"
        return get(collection, doc_id)
    monkeypatch.setattr(s, "offices_ranked", lambda *a: counted(ranked(*a)))
    monkeypatch.setattr(s, "offices_ranked_in_slot", lambda *a: counted(in_slot(*a)))
    monkeypatch.setattr(s, "get", get_counted)
    return reads


@pytest.mark.parametrize(("offset", "limit"), [(150, 7), (47, 1), (60, 30), (229, 5)])
def test_a_deep_rank_page_reads_only_its_offices_and_a_few_more(monkeypatch, offset, limit):
    s = load()  # five places of 46 offices each, spread over every office bucket
    reads = _office_reads(s, monkeypatch)
    page = figures.rollup(s, {"order": "rank", "offset": offset, "limit": limit}, TODAY)
    assert [(o["office"], o["percent_done"], o["rank"]) for o in page["offices"]] == \
        brute_force()[offset:offset + limit]
    # the page's offices, at most RANK_SLOT - 1 more on either side of a place it holds part of
    assert reads["offices"] <= len(page["offices"]) + 2 * (RANK_SLOT - 1)
    assert reads["places"] <= 2  # the slot counts of the (at most two) places it holds part of


def test_slot_counts_follow_moves_between_places():
    s = load(30)
    apply_once(s, "done", "2017-03-02", lambda m: [set_milestone(m, "c000", {
        "key": f"k{k}", "phase": 1 + k % 2, "status": "done", "version": 2, "due": date(2017, 6, 30),
        "office": office_name(0), "level": "community"}) for k in range(4)], NOW)
    slots = {}
    for d in s.offices.find({}):
        tenths, slot = d["rank_slot"].split("|")
        slots.setdefault(int(tenths), {}).setdefault(slot, 0)
        slots[int(tenths)][slot] += 1
    assert {d["_id"]: d["slots"] for d in s.rank_places.find({})} == slots
    assert slots[1000] == {"0": 3, "1": 2, "2": 2}  # offices 0, 4, 9 / 14, 19 / 24, 29


def test_ranks_follow_progress():
    s = load(10)
    assert figures.rollup(s, {"office": office_name(0)}, TODAY)["offices"][0]["rank"] == 9  # 0 %: last with office 5
    apply_once(s, "done", "2017-03-02", lambda m: [set_milestone(m, "c000", {
        "key": f"k{k}", "phase": 1 + k % 2, "status": "done", "version": 2, "due": date(2017, 6, 30),
        "office": office_name(0), "level": "community"}) for k in range(4)], NOW)
    ranking = figures.rollup(s, {"order": "rank", "limit": 10}, TODAY)["offices"]
    assert [(o["office"], o["rank"]) for o in ranking[:4]] == [(office_name(0), 1), (office_name(4), 1),
                                                              (office_name(9), 1), (office_name(3), 4)]
    assert s.district_doc()["fig"]["ranks"] == {"1000": 3, "750": 2, "500": 2, "250": 2, "0": 1}


def test_rank_order_is_refused_with_filters_or_a_past_day():
    s = load(5)
    for filters in ({"order": "rank", "phase": 1}, {"order": "rank", "level": "community"},
                    {"order": "rank", "as_of": date(2017, 3, 1)}):
        with pytest.raises(InvalidInput) as refused:
            figures.rollup(s, filters, TODAY)
        assert "order" in refused.value.details


@pytest.mark.parametrize("before", ["ranking", "slots"])
def test_a_read_model_from_before_the_ranking_or_its_slots_is_placed_once(before):
    s = load(20)
    ranked = {d["_id"]: (d["rank_pct"], d["rank_slot"]) for d in s.offices.find({})}
    counts, places = s.district_doc()["fig"]["ranks"], list(s.rank_places.find({}))
    s.rank_places.drop()
    if before == "ranking":
        s.offices.update_many({}, {"$unset": {"rank_pct": "", "rank_slot": ""}})
        s.district.update_one({"_id": "district"}, {"$unset": {"ranked": "", "rank_slots": "", "fig.ranks": ""}})
    else:  # ranks kept, in office buckets (rank_bucket) instead of slots
        s.offices.update_many({}, {"$unset": {"rank_slot": ""}, "$set": {"rank_bucket": "x"}})
        s.district.update_one({"_id": "district"}, {"$unset": {"rank_slots": ""}})
    assert s.rank_offices_once(set_rank) == 20
    assert {d["_id"]: (d["rank_pct"], d["rank_slot"]) for d in s.offices.find({})} == ranked
    assert all("rank_bucket" not in d for d in s.offices.find({}))
    assert s.district_doc()["fig"]["ranks"] == counts
    assert sorted(s.rank_places.find({}), key=lambda d: d["_id"]) == sorted(places, key=lambda d: d["_id"])
    assert s.rank_offices_once(set_rank) == 0  # once
