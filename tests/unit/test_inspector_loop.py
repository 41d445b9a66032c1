"""The inspector's loop without retyping, on mongomock: a re-inspection starts from the latest inspection,
an item not filled in is 未填 (never failed), photos per item, the district-wide queue of what waits for a
re-check, search by an office's name, and the 验收单 / 整改通知书 documents."""
import io
import zipfile
from datetime import UTC, date, datetime

import mongomock
import pytest

from services.assignment.store import AssignmentStore
from services.gateway import inspection_documents
from services.inspections import commands, evaluator, standards
from services.inspections.store import InspectionStore
from shared.errors import Forbidden, InvalidInput, PayloadTooLarge
from tests.support.inspections import JPEG, at_threshold
from tests.support.uploads import upload

STANDARDS = standards.load_directory()
STANDARD = STANDARDS.get("zhengzhou-2017-v1")
NOW = datetime(2019, 7, 15, 2, 0, tzinfo=UTC)
INSPECTOR = {"role": "inspector", "office": None, "name": "王验收"}
OFFICE = {"role": "office", "office": "丰庆路街道", "name": "丰庆路"}


def centre(cid="js01-c01", office="丰庆路街道", name="四月天社区"):
    return {"id": cid, "name": name, "level": "community", "office": office}


@pytest.fixture
def store():
    s = InspectionStore(mongomock.MongoClient().db)
    s.ensure_indexes()
    return s


def record(store, kind="district_acceptance", actor=INSPECTOR, where=None, photos=None, **changes):
    request = {"kind": kind, "inspected_on": None, "note": "", "corrects": None, "photos": photos or {},
               "measurements": {**at_threshold("community"), **changes}}
    return commands.record_inspection(store, STANDARDS, commands.RecordInspection(where or centre(), request, actor, NOW))[0]


def photo(name="现场.jpg", content=JPEG):
    return upload(name, content)


# untouched items are 未填, never failed

def test_an_item_not_filled_in_is_unfilled_not_failed():
    item = next(i for i in standards.items_for(STANDARD, "community") if i["kind"] == "required_set")
    assert evaluator.judge_measurement(item, None) == {"status": "unfilled", "reason": "未填"}
    assert evaluator.judge_measurement(item, [])["status"] == "fail"  # ticked nothing, on purpose: lacking all
    assert evaluator.judge_measurement(item, list(item["required"]))["status"] == "pass"


def test_a_null_measurement_is_missing_named_in_chinese_and_nothing_is_judged():
    with pytest.raises(InvalidInput) as exc:
        evaluator.parse_measurements(STANDARD, "community", {**at_threshold("community"), "rooms": None})
    assert exc.value.details["missing_items"] == ["rooms"] and "measurements.rooms" not in exc.value.details
    assert "未填检查项 功能用房" in exc.value.message and "rooms" not in exc.value.message


# the latest inspection a re-inspection starts from

def test_the_latest_inspection_by_inspectors_is_what_a_reinspection_starts_from(store):
    assert commands.latest_inspection(store, centre(), "re_inspection", INSPECTOR) is None
    first = record(store, building_area=80)
    record(store, kind="self_check", actor=OFFICE, building_area=50)  # the office's own view: not a starting point
    latest = commands.latest_inspection(store, centre(), "re_inspection", INSPECTOR)
    assert latest["id"] == first["id"] and latest["measurements"]["building_area"] == "80"
    assert latest["failed_items"] == ["building_area"]
    second = record(store, kind="re_inspection", building_area=120)
    assert commands.latest_inspection(store, centre(), "re_inspection", INSPECTOR)["id"] == second["id"]
    own = commands.latest_inspection(store, centre(), "self_check", OFFICE)
    assert own["kind"] == "self_check" and own["measurements"]["building_area"] == "50"
    with pytest.raises(Forbidden):
        commands.latest_inspection(store, centre(), "self_check", {**OFFICE, "office": "国基路街道"})


def test_latest_reads_one_centre_by_equality_then_by_id(store):
    record(store, building_area=80)
    queries = []
    original = store.inspections.find

    def spy(query=None, *args, **kwargs):
        queries.append(query)
        return original(query, *args, **kwargs)
    store.inspections.find = spy
    store.latest_inspection("js01-c01", ("district_acceptance",))
    assert queries == [{"centre_id": "js01-c01"}, {"_id": "js01-c01-i1"}]  # (mongomock's find_one is a find)


# photos per item

def test_photos_are_kept_per_item_and_their_bytes_once(store):
    inspection = record(store, building_area=80, photos={"building_area": [photo(), photo("再拍.jpg")],
                                                         "rooms": [photo("功能室.jpg", JPEG + b"1")]})
    assert [f["filename"] for f in inspection["photos"]["building_area"]] == ["现场.jpg", "再拍.jpg"]
    assert inspection["photos"]["rooms"][0]["content_type"] == "image/jpeg"
    assert store.evidence.count_documents({}) == 2  # the same picture twice is stored once
    stored = store.get_inspection(inspection["id"])
    assert set(stored["photos"]) == {"building_area", "rooms"}


def test_a_bad_photo_or_an_unknown_item_refuses_the_inspection_and_stores_nothing(store):
    with pytest.raises(InvalidInput) as exc:
        record(store, photos={"building_area": [photo("现场.jpg", b"MZ\x90\x00")]})
    assert "建筑面积" in exc.value.message and list(exc.value.details) == ["photos.building_area.evidence[0]"]
    with pytest.raises(InvalidInput) as exc:
        record(store, photos={"sauna_area": [photo()]})
    assert "sauna_area" not in exc.value.message
    from nameko import config
    with config.patch({"EVIDENCE_MAX_BYTES": 8}), pytest.raises(PayloadTooLarge):
        record(store, photos={"building_area": [photo()]})
    assert store.inspections.count_documents({}) == 0 and store.evidence.count_documents({}) == 0


# the district-wide queue

def _submitted(store, where):
    record(store, where=where, building_area=80)
    rect = store.find_rectifications(centre_id=where["id"])[0][0]
    commands.submit_rectification(store, rect["id"], {"note": "已扩建", "files": [photo()]},
                                  {**OFFICE, "office": where["office"]}, NOW)
    return rect


def test_the_queue_lists_every_office_a_page_at_a_time_sorted_by_due_date(store):
    offices = [("js01-c01", "丰庆路街道"), ("js02-c01", "国基路街道"), ("js03-c01", "花园路街道"), ("js04-c01", "杜岭街道")]
    for cid, office in offices:
        _submitted(store, centre(cid, office, office[:3] + "社区"))
    record(store, where=centre("js05-c01", "文化路街道"), building_area=80)  # open, not submitted: not waiting
    store.rectifications.update_one({"_id": "js04-c01-building_area-1"}, {"$set": {"due": "2019-08-01"}})
    first, following = store.queue_page("submitted", limit=3)
    assert [r["office"] for r in first] == ["丰庆路街道", "国基路街道", "花园路街道"] and following
    assert [str(r["due"]) for r in first] == ["2019-08-12"] * 3
    rest, end = store.queue_page("submitted", after=following, limit=3)
    assert [r["office"] for r in rest] == ["杜岭街道"] and end is None
    whole, _ = store.queue_page("submitted", limit=10)
    assert whole[0]["office"] == "杜岭街道"  # due first
    assert [r["office"] for r in store.queue_page("submitted", office="花园路街道")[0]] == ["花园路街道"]
    assert [r["office"] for r in store.queue_page("open")[0]] == ["文化路街道"]


def test_the_queue_reads_by_equality_on_status(store):
    _submitted(store, centre())
    queries = []
    original = store.rectifications.find

    def spy(query=None, *args, **kwargs):
        queries.append(query)
        return original(query, *args, **kwargs)
    store.rectifications.find = spy
    store.queue_page("submitted", after="a", limit=5)
    assert queries == [{"status": "submitted", "_id": {"$gt": "a"}}]
    assert any(i["key"] == [("status", 1)] for i in store.rectifications.index_information().values())


# search by the office's name

def test_an_office_name_finds_that_office_centres():
    s = AssignmentStore(mongomock.MongoClient().db)
    s.ensure_indexes()
    for cid, name, office in [("js05-c01", "黄河社区", "花园路街道"), ("js05-c02", "东风社区", "花园路街道"),
                              ("js01-c01", "四月天社区", "丰庆路街道"), ("js09-c01", "花园路社区", "丰庆路街道")]:
        s.save({"id": cid, "name": name, "level": "community", "office": office, "deadline": date(2017, 12, 31),
                "pilot": False, "remark": ""}, 0, {"role": "admin"}, "导入", NOW)
    assert {c["id"] for c in s.search("花园路")} == {"js05-c01", "js05-c02", "js09-c01"}
    assert [c["id"] for c in s.search("花园路 黄河")] == ["js05-c01"]
    assert [c["id"] for c in s.search("花园路", office="丰庆路街道")] == ["js09-c01"]
    assert [c["id"] for c in s.search("四月天")] == ["js01-c01"]


# the documents

def _text(docx):
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return z.read("word/document.xml").decode("utf-8")


def test_the_record_lists_each_item_with_standard_measured_and_verdict(store):
    inspection = record(store, building_area=80, rooms=["reading_room"], photos={"building_area": [photo()]})
    described = standards.describe(STANDARD, "community")
    text = _text(inspection_documents.record_docx(inspection, described))
    for words in ("基层综合性文化服务中心检查验收单", "四月天社区", "丰庆路街道", "2019年7月15日", "王验收", "区级验收",
                  "不低于 100 m²", "80 m²", "不合格", "现场照片 1 张", "检查人员（签字）", "街道办事处（盖章）"):
        assert words in text, words
    assert "building_area" not in text and "zhengzhou" not in text and "reading_room" not in text


def test_the_notice_lists_failed_items_what_to_fix_and_the_due_date(store):
    inspection = record(store, building_area=80, training_days=4)
    rects = store.find_rectifications(centre_id="js01-c01")[0]
    described = standards.describe(STANDARD, "community")
    text = _text(inspection_documents.notice_docx(inspection, rects, described, "金水区文化旅游局", date(2019, 7, 16)))
    for words in ("整改通知书", "丰庆路街道：", "四月天社区", "将建筑面积提高到不低于 100 m²（实测 80 m²）",
                  "集中培训时间", "2019年8月12日", "金水区文化旅游局", "2019年7月16日", "签收"):
        assert words in text, words
    assert "building_area" not in text
