"""Lists of a whole area, the pure parts and the read model's pages on an in-memory store (docs/areas.md, "Lists of
an area"): the overdue page of an area equals its offices' pages merged, at every offset, without reading offices the
page does not reach; the colour pages equal the centres' colours; where an account lies; which list a caller gets."""
from datetime import date

import pytest

from services.gateway.account_store import place_of
from services.reporting import colour_lists, due_items
from shared.authz import list_filter
from shared.errors import Forbidden
from tests.unit.test_areas import CENTRES, PLACES, live, reporting

DAY = date(2019, 7, 16)


@pytest.fixture(scope="module")
def model():
    s = reporting()
    live(s)
    return s


def page(s, offset, limit, **query):
    return due_items.overdue_page(s, {"as_of": DAY, "offset": offset, "limit": limit, **query})


def items_of(answer):
    """The page's items in the list's order (its groups' order, then centre and key), from ``skip``."""
    place = {(g["due"], g["office"]): n for n, g in enumerate(answer["groups"])}
    rows = sorted(answer["milestones"], key=lambda r: (place[(r["due"], r["office"])], r["centre_id"], r["key"]))
    return rows[answer["skip"]:]


def test_an_areas_overdue_pages_are_its_offices_pages_merged_in_order(model):
    offices = sorted((PLACES[o], o) for o in PLACES if PLACES[o].startswith("4101"))
    per_office = {o: items_of(page(model, 0, 1000, office=o)) for _, o in offices}
    want = sorted((r for _, o in offices for r in per_office[o]),
                  key=lambda r: (r["due"], PLACES[r["office"]], r["office"], r["centre_id"], r["key"]))
    whole = page(model, 0, 1000, area="4101")
    assert whole["total"] == len(want) > 5 and items_of(whole) == want
    for limit in (1, 3, 7):
        got = []
        for offset in range(0, len(want), limit):
            answer = page(model, offset, limit, area="4101")
            assert answer["total"] == len(want)
            got.extend(items_of(answer)[:limit])
        assert got == want, limit
    assert page(model, 0, 1000, area="410105")["total"] == sum(len(per_office[o]) for o in ("丰庆路街道", "国基路街道"))
    assert page(model, 0, 10, area="43")["total"] == 0  # an area with no offices


def test_an_areas_page_counts_extra_items_of_its_own_offices_only(model):
    extra = {"2017-05-01|青屏街街道": 2, "2017-05-01|张掖路街道": 5, "2030-01-01|丰庆路街道": 1}
    plain, with_extra = page(model, 0, 1000, area="4101"), page(model, 0, 1000, area="4101", extra=extra)
    assert with_extra["total"] == plain["total"] + 2  # 张掖路街道 lies in Lanzhou; 2030 is not overdue
    assert {"due": date(2017, 5, 1), "office": "青屏街街道"} in with_extra["groups"]


def test_a_deep_page_reads_only_the_offices_it_reaches(model, monkeypatch):
    reads = []
    find_one = model.db.offices.find_one
    monkeypatch.setattr(model.db.offices, "find_one", lambda q, *a, **k: reads.append(q["_id"]) or find_one(q, *a, **k))
    total = page(model, 0, 1, area="41")["total"]
    reads.clear()
    page(model, total - 1, 1, area="41")  # the last item: 410105's offices are skipped from their district's counts
    assert "丰庆路街道" not in reads and "国基路街道" not in reads


def test_centres_of_a_colour_page_by_the_counters(model):
    colours = {c["_id"]: c.get("colour") for c in model.db.centres.find({})}
    for colour in set(colours.values()):
        area_ids = sorted((PLACES[model.db.centres.find_one({"_id": cid})["office"]],
                           model.db.centres.find_one({"_id": cid})["office"], cid)
                          for cid, c in colours.items() if c == colour and PLACES[
                              model.db.centres.find_one({"_id": cid})["office"]].startswith("41"))
        want = [cid for _, _, cid in area_ids]
        got = []
        for offset in range(0, max(len(want), 1), 2):
            answer = colour_lists.colour_page(model, {"colour": colour, "area": "41", "offset": offset, "limit": 2}, DAY)
            assert answer["total"] == len(want)
            got.extend(r["centre_id"] for r in answer["items"])
        assert got == want, colour
        everywhere = colour_lists.colour_page(model, {"colour": colour, "offset": 0, "limit": 100}, DAY)
        assert sorted(r["centre_id"] for r in everywhere["items"]) == sorted(c for c, v in colours.items() if v == colour)
    assert len(CENTRES) == len(colours)
    assert colour_lists.centre_colours(model, ["c0", "nope"]) == {"c0": colours["c0"]}


def test_an_account_lies_in_the_area_all_its_places_share():
    nowhere = {"in_province": None, "in_city": None, "in_district": None}
    assert place_of({"role": "admin", "area": "4101"}, None) == {"in_province": "41", "in_city": "4101", "in_district": None}
    assert place_of({"role": "admin"}, None) == nowhere
    assert place_of({"role": "inspector", "districts": ["410105", "410183"]}, None) == {
        "in_province": "41", "in_city": "4101", "in_district": None}
    assert place_of({"role": "inspector", "districts": ["410105", "620102"]}, None) == nowhere
    assert place_of({"role": "office", "office": "丰庆路街道"}, PLACES.get) == {
        "in_province": "41", "in_city": "4101", "in_district": "410105"}
    assert place_of({"role": "office", "office": "无名街道"}, PLACES.get) == nowhere


class Principal(dict):
    def district_of(self, office):
        return PLACES.get(office)


def test_which_list_a_caller_reads():
    city = Principal(role="admin", area="4101")
    assert list_filter(city, "overdue.read") == (None, "4101")
    assert list_filter(city, "overdue.read", area="410183") == (None, "410183")
    assert list_filter(city, "overdue.read", office="青屏街街道") == ("青屏街街道", None)
    for office, area in ((None, "6201"), (None, "41"), ("张掖路街道", None), ("青屏街街道", "6201")):
        with pytest.raises(Forbidden):
            list_filter(city, "overdue.read", office, area)
    assert list_filter(Principal(role="admin"), "overdue.read") == (None, None)
    assert list_filter(Principal(role="admin"), "overdue.read", area="62") == (None, "62")
    assert list_filter(Principal(role="office", office="丰庆路街道"), "overdue.read", area="62") == ("丰庆路街道", None)
