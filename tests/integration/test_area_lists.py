"""Lists of a whole area against the real broker and store (docs/areas.md, "Lists of an area"): the overdue list of
a province, a city or a district, in pages found from the areas' counters, equal to the offices' own lists; bureaus
confined to their areas (refusals audited); the Excel export of the same area."""
import io

import pytest
from openpyxl import load_workbook

from tests.support.paths import JINSHUI_CSV
from tests.support.reporting import move_colours, report
from tests.support.waiting import wait_for

DEMO_TREE = JINSHUI_CSV.replace("jinshui_2017.csv", "areas_demo.csv")
HEAD = "编号,中心名称,级别,街道办事处,完成时限,试点,备注\n"
XINMI = HEAD + "".join(f"xm01-c{n:02d},青屏社区{n},社区,青屏街道,2017.06,否,\n" for n in range(1, 4)) + \
    "xm02-c01,西大社区,社区,西大街街道,2017.12,否,\n"
LANZHOU = HEAD + "lz01-c01,张掖路社区,社区,张掖路街道,2017.06,否,\n"


def bureau(stack, area):
    token = stack.rpc.gateway.create_token("admin", None, f"bureau {area}", area)["token"]
    return {"Authorization": "Bearer " + token}


def rollup(stack, code):
    response = stack.http.get(f"/api/areas/{code}/rollup", headers=stack.headers("admin"))
    assert response.status_code == 200, response.text
    return response.json()


def overdue(stack, headers, **params):
    response = stack.http.get("/api/overdue", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def every_page(stack, headers, limit, **params):
    """Every item of a list, read page by page; the total each page gave."""
    items, totals, offset = [], set(), 0
    while True:
        page = overdue(stack, headers, offset=offset, limit=limit, **params)
        totals.add(page["total"])
        items.extend(page["items"])
        offset += limit
        if offset >= page["total"]:
            return items, totals


def keys(items):
    return [i["item_key"] for i in items]


@pytest.fixture
def two_cities(stack, run_cli):
    return install(stack, run_cli)


def install(stack, run_cli):
    code, out, err = run_cli("areas", "import", DEMO_TREE)
    assert code == 0, err
    for content, district, name in ((None, "410105", None), (XINMI.encode(), "410183", "xinmi.csv"),
                                    (LANZHOU.encode(), "620102", "lanzhou.csv")):
        kwargs = {} if content is None else {"content": content, "name": name}
        response = stack.upload_allocation(district=district, **kwargs)
        assert response.status_code == 200, response.text
    wait_for(lambda: rollup(stack, "41")["area"]["centres"] == 109 and rollup(stack, "62")["area"]["centres"] == 1,
             timeout=120)
    return stack


def test_an_areas_overdue_list_is_its_offices_lists_in_pages_from_the_counters(two_cities):
    stack = two_cities
    zhengzhou, admin = bureau(stack, "4101"), stack.headers("admin")
    offices = {"410105": [c["name"] for c in rollup(stack, "410105")["children"]],
               "410183": sorted(c["name"] for c in rollup(stack, "410183")["children"])}
    assert offices["410183"] == ["西大街街道", "青屏街道"]
    per_office = {name: overdue(stack, admin, office=name, limit=1000)["items"]
                  for names in offices.values() for name in names}
    # the city's list, page by page: every office's items once, district by district, office by office
    items, totals = every_page(stack, zhengzhou, 37)
    expected = [i for district in ("410105", "410183") for name in sorted(offices[district]) for i in per_office[name]]
    assert totals == {len(expected)} and len(expected) > 100
    assert sorted(keys(items)) == sorted(keys(expected)) and len(set(keys(items))) == len(items)
    assert [i["due"] for i in items] == sorted(i["due"] for i in items)  # due first, then district and office
    first_day = [i for i in items if i["due"] == items[0]["due"]]
    assert [i["office"] for i in first_day] == sorted((i["office"] for i in first_day),
                                                     key=lambda o: (o not in offices["410105"], o))
    # the milestones of the list are the roll-up's overdue milestones (the same counters)
    milestones = overdue(stack, zhengzhou, kind="milestone", limit=1)
    assert milestones["total"] == rollup(stack, "4101")["area"]["overdue"]
    # the province and the installation's bureau naming the city read the same list; a district its own part
    assert overdue(stack, bureau(stack, "41"), area="4101", limit=1)["total"] == len(expected)
    assert overdue(stack, admin, area="4101", limit=1)["total"] == len(expected)
    xinmi = every_page(stack, bureau(stack, "410183"), 2)[0]
    # in (due, office) order: the offices' own lists merged by due day (a stable sort keeps the office order)
    assert keys(xinmi) == keys(sorted(per_office["西大街街道"] + per_office["青屏街道"], key=lambda i: i["due"]))
    assert overdue(stack, bureau(stack, "410183"), limit=1)["area"] == {"code": "410183", "name": "新密市"}
    # filters: one phase, one office of the area
    phase1 = overdue(stack, zhengzhou, phase=1, limit=1000)
    phase1_offices = [overdue(stack, admin, office=name, phase=1, limit=1000) for name in per_office]
    assert phase1["total"] == sum(p["total"] for p in phase1_offices) == len(phase1["items"]) > 0
    assert sorted(keys(phase1["items"])) == sorted(k for p in phase1_offices for k in keys(p["items"]))
    # a past day: the area's offices' revisions, the same as each office's list of that day
    past = overdue(stack, zhengzhou, as_of="2018-01-02", limit=1000)
    past_offices = [overdue(stack, admin, office=name, as_of="2018-01-02", limit=1000) for name in per_office]
    assert past["total"] == sum(p["total"] for p in past_offices) == len(past["items"]) > 0
    assert sorted(keys(past["items"])) == sorted(k for p in past_offices for k in keys(p["items"]))
    one = overdue(stack, zhengzhou, office="青屏街道", limit=1000)
    assert keys(one["items"]) == keys(per_office["青屏街道"]) and one["area"] is None
    # the other province's list holds only its own office
    lanzhou = overdue(stack, bureau(stack, "62"), limit=1000)
    assert {i["office"] for i in lanzhou["items"]} == {"张掖路街道"} and lanzhou["area"]["name"] == "甘肃省"


def test_bureaus_read_only_their_own_areas_lists_and_refusals_are_audited(two_cities):
    stack = two_cities
    jinshui, xinmi, lanzhou = bureau(stack, "410105"), bureau(stack, "410183"), bureau(stack, "6201")
    own = overdue(stack, jinshui, limit=5)
    assert own["area"] == {"code": "410105", "name": "金水区"} and {i["office"] for i in own["items"]} <= {
        c["name"] for c in rollup(stack, "410105")["children"]}
    for headers, params in ((xinmi, {"area": "410105"}), (lanzhou, {"area": "4101"}), (jinshui, {"area": "4101"}),
                            (xinmi, {"area": "410105", "office": "青屏街道"}), (lanzhou, {"office": "青屏街道"})):
        refused = stack.http.get("/api/overdue", headers=headers, params=params)
        assert refused.status_code == 403 and refused.json()["message"] == "只能查看和处理本辖区的数据", params
        export = stack.http.get("/api/overdue/export.xlsx", headers=headers, params=params)
        assert export.status_code == 403, params
    bad = stack.http.get("/api/overdue", headers=stack.headers("admin"), params={"area": "41010"})
    assert bad.status_code == 400 and "area" in bad.json()["details"]
    audit = stack.get("/api/audit", params={"kind": "area_refused", "limit": 100}).json()["items"]
    assert {e["target"] for e in audit} >= {"GET /api/overdue", "GET /api/overdue/export.xlsx"}
    assert {e["detail"]["area"] for e in audit} >= {"410183", "6201", "410105"}


def test_the_excel_export_follows_the_area(two_cities):
    stack = two_cities
    xinmi = bureau(stack, "410183")
    response = stack.http.get("/api/overdue/export.xlsx", headers=xinmi)
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert {r[1] for r in rows} == {"青屏街道", "西大街街道"}
    assert len(rows) == overdue(stack, xinmi, limit=1)["total"]
    assert "新密市" in sheet["A1"].value and "辖区：新密市" in sheet["G2"].value


@pytest.fixture
def in_may_2017(stack, run_cli, clock):
    """The two cities on 26 May 2017: centres of every colour (the Xinmi table's are due in June)."""
    clock.set("2017-05-26")
    install(stack, run_cli)
    report(stack, "js01-c01", "p1_plan", status="done")
    report(stack, "xm01-c01", "p1_plan", office="青屏街道", status="done")
    wait_for(lambda: rollup(stack, "41")["area"]["done"] == 2, timeout=60)
    move_colours(stack)
    return stack


def centres_of(stack, office):
    items = stack.get("/api/centre-summaries", params={"office": office, "limit": 200}).json()["items"]
    return {i["centre_id"]: i for i in items}


def test_the_colour_filter_lists_an_areas_centres_of_one_colour_from_the_counters(in_may_2017):
    stack = in_may_2017
    zhengzhou, admin = bureau(stack, "4101"), stack.headers("admin")
    offices = {"410105": sorted(c["name"] for c in rollup(stack, "410105")["children"]),
               "410183": sorted(c["name"] for c in rollup(stack, "410183")["children"])}
    summaries = {name: centres_of(stack, name) for names in offices.values() for name in names}
    counts = rollup(stack, "4101")["area"]
    seen = set()
    for colour in ("yellow", "blue", "green"):
        want = [cid for district in ("410105", "410183") for name in offices[district]
                for cid in sorted(summaries[name]) if summaries[name][cid]["colour"] == colour]
        seen |= {colour} if want else set()
        centres, totals, offset = [], set(), 0
        while True:  # small pages: the offsets are resolved from the colour counters
            page = overdue(stack, zhengzhou, colour=colour, offset=offset, limit=4)
            totals.add(page["total"])
            centres.extend(page["centres"])
            offset += 4
            if offset >= page["total"]:
                break
        assert totals == {len(want)} and [c["centre_id"] for c in centres] == want, colour
        assert {c["colour"] for c in centres} <= {colour} and page["items"] == []
        assert all("lag_percent" in c and "expected_percent" in c for c in centres)
        # an office's list and the installation's hold the same centres of that office
        for name in ("丰庆路街道", "青屏街道"):
            own = overdue(stack, admin, colour=colour, office=name, limit=1000)["centres"]
            assert [c["centre_id"] for c in own] == [cid for cid in want if summaries[name].get(cid)]
        everywhere = overdue(stack, admin, colour=colour, limit=1000)
        assert {c["centre_id"] for c in everywhere["centres"]} >= set(want)
        assert counts["colours"][colour] == len(want)  # the roll-up's colour counters
    assert len(seen) >= 2, "the day should hold centres of several colours"
    # red: what is overdue, each row with its centre's colour
    red = overdue(stack, zhengzhou, colour="red", limit=1000)
    assert red["total"] == overdue(stack, zhengzhou, limit=1)["total"] and red["items"]
    assert {r["colour"] for r in red["items"]} <= {"red", "yellow", "blue", "green"}
    assert all(r["colour"] == summaries[r["office"]][r["centre_id"]]["colour"] for r in red["items"])
    # a past day has no list of colours; a bad colour is refused with its field
    past = stack.http.get("/api/overdue", headers=zhengzhou, params={"colour": "yellow", "as_of": "2017-05-01"})
    assert past.status_code == 400 and "as_of" in past.json()["details"]
    bad = stack.http.get("/api/overdue", headers=zhengzhou, params={"colour": "purple"})
    assert bad.status_code == 400 and "colour" in bad.json()["details"]
    # the export honours the colour
    colour = sorted(seen)[0]
    sheet = load_workbook(io.BytesIO(stack.http.get("/api/overdue/export.xlsx", headers=zhengzhou,
                                                    params={"colour": colour}).content)).active
    names = [r[2] for r in sheet.iter_rows(min_row=5, values_only=True)]
    assert len(names) == overdue(stack, zhengzhou, colour=colour, limit=1)["total"] and "颜色：" in sheet["G2"].value


def test_the_rollups_count_centres_per_colour_and_rank_on_lag(in_may_2017):
    stack = in_may_2017
    for code in ("41", "4101", "410105", "410183"):
        answer = rollup(stack, code)
        area, children = answer["area"], answer["children"]
        assert sum(area["colours"].values()) == area["centres"] > 0, code
        for colour in ("red", "yellow", "blue", "green"):
            assert area["colours"][colour] == sum(c["colours"][colour] for c in children), (code, colour)
        assert area["colour"] in ("red", "yellow", "blue", "green") and "lag_percent" in area
    # each office's colours are its centres' colours
    for child in rollup(stack, "410183")["children"]:
        centres = centres_of(stack, child["name"]).values()
        assert child["colours"] == {c: sum(1 for x in centres if x["colour"] == c) for c in ("red", "yellow", "blue", "green")}
    by_lag = stack.http.get("/api/areas/410105/rollup", headers=bureau(stack, "4101"), params={"rank": "lag"}).json()
    lags = [c["lag_percent"] for c in by_lag["children"]]
    assert lags == sorted(lags, reverse=True) and by_lag["children"][0]["rank"] == 1
    assert [c["rank"] for c in by_lag["children"]] == [1 + lags.index(lag) for lag in lags]  # ties share a place
    bad = stack.http.get("/api/areas/410105/rollup", headers=bureau(stack, "4101"), params={"rank": "x"})
    assert bad.status_code == 400 and "rank" in bad.json()["details"]


def test_an_areas_bureau_lists_the_accounts_of_its_area_with_their_areas_names(two_cities):
    stack = two_cities
    accounts = {"zz": {"role": "admin", "area": "4101"}, "js": {"role": "admin", "area": "410105"},
                "xm": {"role": "admin", "area": "410183"}, "lz": {"role": "admin", "area": "6201"},
                "hn": {"role": "admin", "area": "41"}, "all": {"role": "admin"},
                "insp": {"role": "inspector", "districts": ["410105", "410183"]},
                "insp2": {"role": "inspector", "districts": ["410105", "620102"]},
                "fq": {"role": "office", "office": "丰庆路街道"}, "qp": {"role": "office", "office": "青屏街道"},
                "zy": {"role": "office", "office": "张掖路街道"}}
    for login, fields in accounts.items():
        made = stack.post("/api/users", json={"login": login, "name": "账号" + login, **fields})
        assert made.status_code == 201, made.text

    def listed(area, **params):
        answer = stack.http.get("/api/users", headers=bureau(stack, area), params={"limit": 1000, **params})
        assert answer.status_code == 200, answer.text
        return answer.json()

    zhengzhou = listed("4101")
    assert {u["login"] for u in zhengzhou["items"]} == {"zz", "js", "xm", "insp", "fq", "qp"} == {
        u["login"] for u in zhengzhou["items"]} and zhengzhou["total"] == 6
    names = {u["login"]: u for u in zhengzhou["items"]}
    assert names["zz"]["area_name"] == "郑州市" and names["js"]["area_name"] == "金水区"
    assert names["insp"]["district_names"] == ["金水区", "新密市"] and names["fq"]["area_name"] is None
    assert {u["login"] for u in listed("410105")["items"]} == {"js", "fq"}
    assert {u["login"] for u in listed("41")["items"]} == {"zz", "js", "xm", "hn", "insp", "fq", "qp"}
    assert {u["login"] for u in listed("62")["items"]} == {"lz", "zy"}
    assert {u["login"] for u in listed("4101", role="office")["items"]} == {"fq", "qp"}
    # pages: the total of every page is the area's, the pages together the area's accounts once each
    pages = [listed("4101", limit=4, offset=o) for o in (0, 4)]
    assert [p["total"] for p in pages] == [6, 6]
    assert sorted(u["login"] for p in pages for u in p["items"]) == sorted(u["login"] for u in zhengzhou["items"])
    # the installation's bureau sees every account, with the names of their areas
    everyone = {u["login"]: u for u in stack.get("/api/users", params={"limit": 1000}).json()["items"]}
    assert set(accounts) <= set(everyone) and everyone["lz"]["area_name"] == "兰州市"
    assert everyone["insp2"]["district_names"] == ["金水区", "城关区"]
    # another area's office is refused to a city bureau (and audited)
    refused = stack.http.get("/api/users", headers=bureau(stack, "4101"), params={"office": "张掖路街道"})
    assert refused.status_code == 403
    # an account moved to another district moves between the areas' lists
    moved = stack.http.patch(f"/api/users/{names['js']['id']}", headers=stack.headers("admin"),
                             json={"area": "620102"})
    assert moved.status_code == 200, moved.text
    assert "js" not in {u["login"] for u in listed("4101")["items"]} and "js" in {u["login"] for u in listed("62")["items"]}
