"""Areas (docs/areas.md) at unit level: codes, the authorization rule's area part, the area table import and offices
placed into districts (assignment, on mongomock), and the read model's roll-ups at each level (live and rebuilt)."""
import base64
from datetime import UTC, date, datetime

import mongomock
import pytest

from services.assignment import areas, commands
from services.assignment.store import AssignmentStore
from services.reporting import areas as rollups
from services.reporting import colour_days
from services.reporting.projection import set_centre, set_milestone
from services.reporting.rebuild import apply_page
from services.reporting.store import ReportingStore
from shared.areas import ancestors, contains, level_of, parent_of, short_code
from shared.authz import area_filter, area_scope, authorize, office_filter
from shared.errors import Forbidden, InvalidInput, NotFound
from tests.support.paths import JINSHUI_CSV
from tests.unit.test_reporting_model import PLAN, milestone, run

NOW = datetime(2017, 3, 1, tzinfo=UTC)
ADMIN = {"role": "admin", "office": None, "name": "t"}
TREE = """名称,区划代码
河南省,410000000000
郑州市,410100000000
金水区,410105000000
新密市,410183000000
甘肃省,62
兰州市,6201
城关区,620102
"""


# --- codes -------------------------------------------------------------------------------------------------------

def test_codes_short_and_long_and_their_levels():
    assert short_code("410105000000") == "410105" and short_code("410100000000") == "4101" and short_code("41") == "41"
    assert short_code("410105001000") == "410105001" and short_code("410105.0") == "410105"
    assert [level_of(c) for c in ("41", "4101", "410105", "410105001", "410105001001")] == [
        "province", "city", "district", "subdistrict", "village"]
    assert parent_of("410105") == "4101" and parent_of("41") is None and parent_of("410105001") == "410105"
    assert ancestors("410183") == {"province": "41", "city": "4101", "district": "410183"}
    assert ancestors("4101") == {"province": "41", "city": "4101", "district": None}
    assert contains("4101", "410105") and contains("41", "410183") and not contains("4101", "620102")
    assert contains(None, None) and not contains("4101", None)
    for bad in ("41a", "4101055", "", "00", "4100"):
        with pytest.raises(ValueError):
            short_code(bad)


# --- the rule ------------------------------------------------------------------------------------------------------

class Caller(dict):
    """A principal whose offices are placed by a lookup, as the gateway's (services/gateway/area_scope.py)."""

    PLACES = {"丰庆路街道": "410105", "青屏街街道": "410183", "张掖路街道": "620102", "无归属街道": None}

    def district_of(self, office):
        return self.PLACES[office]


def test_a_district_bureau_acts_in_its_district_only():
    bureau = Caller(role="admin", office=None, name="金水", area="410105")
    assert area_scope(bureau) == ("410105",)
    authorize(bureau, "summaries.read", "丰庆路街道")
    authorize(bureau, "milestones.reopen", district="410105")
    for office in ("青屏街街道", "张掖路街道", "无归属街道"):
        with pytest.raises(Forbidden) as refused:
            authorize(bureau, "summaries.read", office)
        assert refused.value.message == "只能查看和处理本辖区的数据" and "area" in refused.value.details
    with pytest.raises(Forbidden):
        authorize(bureau, "progress.report", "丰庆路街道", district="410183")  # the service names the district
    with pytest.raises(Forbidden):  # a list of the whole installation is not for it
        office_filter(bureau, "centres.read")
    assert office_filter(bureau, "centres.read", "丰庆路街道") == "丰庆路街道"
    assert area_filter(bureau, "rollups.read") == "410105"
    with pytest.raises(Forbidden):
        area_filter(bureau, "rollups.read", "4101")  # its city is above it
    with pytest.raises(Forbidden):
        authorize(bureau, "areas.manage")  # the tree is the installation's


def test_a_city_bureau_sees_its_districts_and_not_another_city():
    city = Caller(role="admin", office=None, name="郑州", area="4101")
    authorize(city, "summaries.read", "丰庆路街道")
    authorize(city, "summaries.read", "青屏街街道")
    with pytest.raises(Forbidden):
        authorize(city, "summaries.read", "张掖路街道")
    assert area_filter(city, "rollups.read", "410183") == "410183"
    with pytest.raises(Forbidden):
        area_filter(city, "rollups.read", "6201")


def test_an_inspector_of_several_districts_and_the_unconfined():
    inspector = Caller(role="inspector", office=None, name="验收", districts=["410105", "410183"])
    authorize(inspector, "inspections.record.district_acceptance", "青屏街街道")
    with pytest.raises(Forbidden):
        authorize(inspector, "inspections.record.district_acceptance", "张掖路街道")
    whole = {"role": "admin", "office": None, "name": "省外"}  # no area: the whole installation, as before
    assert area_scope(whole) is None and area_filter(whole, "rollups.read") is None
    authorize(whole, "summaries.read", "张掖路街道")
    authorize({"role": "admin", "area": "410105"}, "summaries.read", "丰庆路街道", district="410105")
    with pytest.raises(Forbidden):  # an office given and no way to place it: refused (fail closed)
        authorize({"role": "admin", "area": "410105"}, "summaries.read", "丰庆路街道")


# --- the area tree and the offices in it (assignment) ----------------------------------------------------------------

@pytest.fixture
def store():
    s = AssignmentStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    return s


def upload(text, filename="areas.csv", **kw):
    return {"filename": filename, "content_b64": base64.b64encode(text.encode("utf-8")).decode(), "actor": ADMIN, **kw}


def test_the_area_table_is_imported_whole_and_again_the_same(store):
    report = commands.import_areas(store, upload(TREE))
    assert report["status"] == "applied" and report["added"] == 7 and report["updated"] == 0
    assert [a["code"] for a in store.area_children(None)] == ["41", "62"]
    assert [(a["code"], a["name"]) for a in store.area_children("4101")] == [("410105", "金水区"), ("410183", "新密市")]
    assert store.area("410105") == {"code": "410105", "name": "金水区", "level": "district", "parent": "4101"}
    again = commands.import_areas(store, upload(TREE))
    assert again["added"] == 0 and again["updated"] == 7


def test_a_bad_area_table_says_each_row_and_writes_nothing(store):
    bad = "名称,区划代码\n河南省,41\n,4101\n金水区,41010x\n新密市,410183\n新密市,410183\n二七区,410103\n湖南省,430\n"
    with pytest.raises(InvalidInput) as refused:
        commands.import_areas(store, upload(bad))
    rows = {(e["line"], e["field"]) for e in refused.value.details}
    assert rows == {(3, "name"), (4, "code"), (6, "code"), (8, "code")}
    assert all(e["message"] and e["message"].isascii() is False for e in refused.value.details)  # said in Chinese
    assert store.area("41") is None  # nothing half-written
    with pytest.raises(InvalidInput) as orphan:  # a parent neither in the file nor stored
        commands.import_areas(store, upload("名称,区划代码\n金水区,410105\n"))
    assert orphan.value.details == [{"line": 2, "field": "code", "message": "上级区划（市）不在本文件中，也尚未导入；请先导入上级区划"}]
    with pytest.raises(InvalidInput):
        commands.import_areas(store, upload("名称\n河南省\n"))
    with pytest.raises(Forbidden):
        commands.import_areas(store, upload(TREE, actor={"role": "admin", "office": None, "name": "t", "area": "4101"}))


def allocation(**kw):
    with open(JINSHUI_CSV, "rb") as fh:
        content = fh.read()
    return {"filename": "jinshui_2017.csv", "content_b64": base64.b64encode(content).decode(), "dry_run": False,
            "actor": ADMIN, **kw}


def test_an_allocation_table_goes_into_its_district(store):
    commands.import_areas(store, upload(TREE))
    with pytest.raises(NotFound):
        commands.import_allocation(store, allocation(district="430902"), NOW, lambda events: None)
    with pytest.raises(InvalidInput):
        commands.import_allocation(store, allocation(district="4101"), NOW, lambda events: None)  # a city
    events = []
    report = commands.import_allocation(store, allocation(district="410105000000"), NOW, events.extend)
    assert report["status"] == "applied" and len(report["added"]) == 105
    registered = [c for name, p in events if name == "centres_registered" for c in p["centres"]]
    assert {(c["province"], c["city"], c["district"]) for c in registered} == {("41", "4101", "410105")}
    assert len(store.offices_of_district("410105")) == 17
    assert len(list(store.centres.find({"district": "410105"}))) == 105 == len(list(store.centres.find({"city": "4101"})))
    assert store.office(store.offices_of_district("410105")[0])["district"] == "410105"
    with pytest.raises(InvalidInput) as elsewhere:  # the same offices cannot go to another district
        commands.import_allocation(store, allocation(district="410183"), NOW, lambda events: None)
    assert len(elsewhere.value.details["office"]) == 17


def test_existing_offices_are_placed_in_batches(store, monkeypatch):
    commands.import_allocation(store, allocation(), NOW, lambda events: None)  # before areas existed
    commands.import_areas(store, upload(TREE))
    assert len(store.unplaced_offices(100)) == 17
    monkeypatch.setattr(areas, "PLACE_BATCH", 5)
    batches = []
    while True:
        placed = commands.place_offices(store, {"district": "410105", "unplaced": True, "actor": ADMIN})
        batches.append(len(placed["offices"]))
        if not placed["more"]:
            break
    assert batches == [5, 5, 5, 2] and store.unplaced_offices(100) == []
    assert len(list(store.centres.find({"district": "410105"}))) == 105
    saved = store.save({**store.get("js01-c01"), "remark": "改"}, 1, ADMIN, "t", NOW)  # a later change keeps them
    assert saved["district"] == "410105" and store.get("js01-c01")["district"] == "410105"


# --- roll-ups in the read model ---------------------------------------------------------------------------------------

PLACES = {"丰庆路街道": "410105", "国基路街道": "410105", "青屏街街道": "410183", "张掖路街道": "620102"}
CENTRES = [{"id": f"c{i}", "name": f"中心{i}", "level": "community", "office": office, "pilot": False,
            "deadline": date(2017, 6, 30), "remark": "", "version": 1, **ancestors(PLACES[office])}
           for i, office in enumerate(["丰庆路街道", "丰庆路街道", "国基路街道", "青屏街街道", "青屏街街道", "张掖路街道"])]


def reporting():
    s = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    return s


def live(s):
    for c in CENTRES:
        run(s, "centre:{}:1".format(c["id"]), "2017-03-01", lambda m, c=c: set_centre(m, c))
        rollups.after_change(s.db, {"centres": [c]})
        run(s, "planned:" + c["id"], "2017-03-01", lambda m, c=c: [
            set_milestone(m, c["id"], milestone(c, *spec)) for spec in PLAN])
        rollups.after_change(s.db, {"planned": [{"centre_id": c["id"], "office": c["office"]}]})
    for c in CENTRES[::2]:  # progress in every other centre
        run(s, "ms:{}:p1_plan:2".format(c["id"]), "2017-06-10", lambda m, c=c: set_milestone(
            m, c["id"], {"key": "p1_plan", "phase": 1, "due": date(2017, 4, 30), "status": "done", "version": 2,
                         "office": c["office"]}))
        rollups.after_change(s.db, {"centre_id": c["id"], "office": c["office"]})


def figures_of(s, code):
    return rollups.rollup(s.db, code, date(2019, 7, 16))


def check_sums(s):
    """Each level equals the sum of its children, down to the offices; returns every area's totals."""
    seen = {}
    for code in ("41", "62", "4101", "6201", "410105", "410183", "620102"):
        answer = figures_of(s, code)
        for key in ("total", "done", "overdue", "centres"):
            assert answer["area"][key] == sum(child[key] for child in answer["children"]), (code, key)
        seen[code] = answer
    assert [c["code"] for c in seen["4101"]["children"]] == ["410105", "410183"]  # ranked: 410105 has more done
    assert seen["4101"]["children"][0]["rank"] == 1 and seen["410105"]["area"]["offices"] == 2
    assert seen["41"]["area"]["centres"] == 5 and seen["62"]["area"]["centres"] == 1
    return {code: answer["area"] for code, answer in seen.items()}


def test_roll_ups_are_the_sums_of_their_children_live_and_after_a_rebuild():
    s = reporting()
    live(s)
    live_areas = check_sums(s)
    assert live_areas["410105"]["done"] == 2 and live_areas["410183"]["done"] == 1 and live_areas["6201"]["done"] == 0
    redelivered = reporting()  # events applied again (a redelivery) change nothing
    live(redelivered)
    live(redelivered)
    assert check_sums(redelivered) == live_areas

    rebuilt = reporting()
    colour_days.start_rebuild(rebuilt, date.fromisoformat(s.district_doc()["pace_day"]))  # as the service's rebuild does
    states = [{**milestone(c, *spec), "centre_id": c["id"]} for c in CENTRES for spec in PLAN]
    for st in states:
        if st["key"] == "p1_plan" and CENTRES.index(next(c for c in CENTRES if c["id"] == st["centre_id"])) % 2 == 0:
            st.update(status="done", version=2)
    apply_page(rebuilt, CENTRES, states, [])
    rollups.place_offices(rebuilt.db, [{"name": o, "district": d} for o, d in PLACES.items()])
    assert check_sums(rebuilt) == live_areas


def test_an_office_moved_to_another_district_leaves_its_old_one():
    s = reporting()
    live(s)
    rollups.place_offices(s.db, [{"name": "国基路街道", "district": "410183"}])
    assert figures_of(s, "410105")["area"]["centres"] == 2 and figures_of(s, "410183")["area"]["centres"] == 3
    for code in ("4101", "410105", "410183", "41"):
        answer = figures_of(s, code)
        assert answer["area"]["total"] == sum(c["total"] for c in answer["children"])


def test_the_milestones_service_learns_an_office_s_district_from_a_sync():
    """Centres synced before areas existed carry no district there: the sync reconciles them (docs/areas.md)."""
    from services.milestones import sync

    listed = {"id": "js01-c01", "name": "四月天社区", "level": "community", "office": "丰庆路街道", "version": 1,
              "deadline": date(2017, 6, 30), "pilot": True, "lat": None, "lng": None, "district": "410105"}
    stored = {**listed, "assignment_version": 1, "district": None}
    assert sync.differs(listed, stored) and not sync.differs(listed, {**stored, "district": "410105"})
