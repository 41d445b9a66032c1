"""Inspection and rectification use cases on mongomock (no broker, no real store)."""
from datetime import UTC, date, datetime

import pytest

from services.inspections import commands, rectification, standards
from shared.errors import Conflict, Forbidden, InvalidInput, PayloadTooLarge
from tests.support.inspections import at_threshold
from tests.support.uploads import upload
from tests.unit.inspection_support import CENTRE, INSPECTOR, NOW, OFFICE, OTHER_OFFICE, PDF, STANDARDS, inspection_store, record, submit


@pytest.fixture
def store():
    return inspection_store()


def names(events):
    return [name for name, _ in events]


def test_failed_acceptance_opens_one_rectification_per_failed_item(store):
    inspection, events = record(store, building_area=80, training_days=4)
    assert inspection["result"] == "failed" and inspection["standard_version"] == "zhengzhou-2017-v1"
    assert inspection["failed_items"] == ["building_area", "training_days"]
    assert names(events) == ["inspection_recorded", "rectification_opened", "rectification_opened",
                             "centre_failed_acceptance"]
    page, total = store.find_rectifications(office="丰庆路街道", status="open")
    assert total == 2
    assert {r["reason"] for r in page} == {"建筑面积 80 m² 低于标准 100 m²", "集中培训时间 4 天/年 低于标准 5 天/年"}
    # 20 working days after Mon 2019-07-15 is Mon 2019-08-12, well before the end of phase 5
    assert {r["due"] for r in page} == {"2019-08-12"}


def test_full_loop_submission_then_passing_reinspection_accepts(store):
    record(store, building_area=80, training_days=4)
    rects = store.find_rectifications(centre_id="js01-c01")[0]
    for rect in rects:
        saved, _ = submit(store, rect["id"])
        assert saved["status"] == "submitted" and saved["submissions"][0]["files"][0]["size"] == len(PDF)
    inspection, events = record(store, kind="re_inspection")
    assert inspection["result"] == "passed"
    assert names(events) == ["inspection_recorded", "rectification_closed", "rectification_closed",
                             "centre_accepted", "rectification_completed"]
    assert {r["status"] for r in store.find_rectifications(centre_id="js01-c01")[0]} == {"verified"}
    assert [h["status"] for h in store.history(rects[0]["id"])] == ["open", "submitted", "verified"]
    assert store.active_rectifications("js01-c01") == {}


def test_failing_again_after_submission_reopens(store):
    record(store, building_area=80)
    rect = store.find_rectifications(centre_id="js01-c01")[0][0]
    submit(store, rect["id"])
    inspection, events = record(store, kind="re_inspection", building_area=90)
    assert "centre_accepted" not in names(events) and inspection["rectifications"] == [rect["id"]]
    assert store.get_rectification(rect["id"])["status"] == "reopened"
    record(store, kind="re_inspection", building_area=95)  # still failing, not resubmitted: stays reopened
    assert store.get_rectification(rect["id"])["status"] == "reopened"
    assert store.count_for_item("js01-c01", "building_area") == 1


def test_passing_acceptance_with_nothing_to_rectify_completes_phase_5(store):
    _, events = record(store)
    assert names(events) == ["inspection_recorded", "centre_accepted", "rectification_completed"]


def test_reinspection_without_a_failed_acceptance_does_not_accept(store):
    _, events = record(store, kind="re_inspection")
    assert names(events) == ["inspection_recorded"]


def test_self_check_only_records(store):
    inspection, events = record(store, kind="self_check", actor=OFFICE, building_area=50)
    assert inspection["result"] == "failed" and names(events) == ["inspection_recorded"]
    assert store.find_rectifications(centre_id="js01-c01")[1] == 0


def test_later_city_check_failure_after_acceptance_reopens_phase_5_work(store):
    record(store)
    _, events = record(store, kind="city_check", plaza_area=900)
    assert names(events) == ["inspection_recorded", "rectification_opened"]
    _, events = record(store, kind="re_inspection")
    assert names(events) == ["inspection_recorded", "rectification_closed", "rectification_completed"]


@pytest.mark.parametrize("kind,actor", [
    ("district_acceptance", OFFICE), ("re_inspection", OFFICE), ("city_check", OFFICE),
    ("self_check", OTHER_OFFICE), ("self_check", INSPECTOR)])
def test_who_may_post_what(store, kind, actor):
    with pytest.raises(Forbidden):
        record(store, kind=kind, actor=actor)
    assert store.find_inspections("js01-c01")[1] == 0


def test_malformed_inspection_stores_nothing(store):
    with pytest.raises(InvalidInput) as exc:
        record(store, building_area="很大", no_such_item=3)
    assert "measurements.building_area" in exc.value.details and exc.value.details["unexpected_items"] == ["no_such_item"]
    assert store.find_inspections("js01-c01")[1] == 0


def test_future_inspection_date_is_refused(store):
    request = {"kind": "district_acceptance", "inspected_on": date(2019, 8, 1), "note": "", "corrects": None,
               "measurements": at_threshold("community")}
    with pytest.raises(InvalidInput):
        commands.record_inspection(store, STANDARDS, commands.RecordInspection(CENTRE, request, INSPECTOR, NOW))


def test_correction_is_a_new_record_and_only_one_per_inspection(store):
    first, _ = record(store, building_area=80)
    fixed, events = record(store, corrects=first["id"])
    assert fixed["corrects"] == first["id"] and fixed["id"] != first["id"]
    assert store.get_inspection(first["id"])["result"] == "failed"  # the original is untouched
    assert store.corrected_by("js01-c01") == {first["id"]: fixed["id"]}
    assert store.correction_of(first["id"]) == fixed["id"] and store.correction_of(fixed["id"]) is None
    with pytest.raises(Conflict):
        record(store, corrects=first["id"])
    with pytest.raises(InvalidInput):
        record(store, kind="city_check", corrects=fixed["id"])


def test_a_new_standard_version_judges_new_inspections_only(store, tmp_path):
    import shutil

    shutil.copy(standards.DIRECTORY + "/zhengzhou-2017-v1.yaml", tmp_path / "v1.yaml")
    text = (tmp_path / "v1.yaml").read_text(encoding="utf-8")
    text = text.replace("version: zhengzhou-2017-v1", "version: zhengzhou-2019-v2").replace(
        'effective_from: "2017-03-01"', 'effective_from: "2019-07-20"').replace(
        'community: {threshold: "100", text: 建筑不低于100平方米。}', 'community: {threshold: "120", text: 建筑不低于120平方米。}')
    (tmp_path / "v2.yaml").write_text(text, encoding="utf-8")
    both = standards.load_directory(str(tmp_path))
    request = {"kind": "district_acceptance", "inspected_on": None, "note": "", "corrects": None,
               "measurements": {**at_threshold("community"), "building_area": 110}}
    old, _ = commands.record_inspection(store, both, commands.RecordInspection(CENTRE, request, INSPECTOR, NOW))
    later = datetime(2019, 7, 22, 2, 0, tzinfo=UTC)
    new, _ = commands.record_inspection(store, both, commands.RecordInspection(CENTRE, request, INSPECTOR, later))
    assert (old["standard_version"], old["result"]) == ("zhengzhou-2017-v1", "passed")
    assert (new["standard_version"], new["result"]) == ("zhengzhou-2019-v2", "failed")
    assert store.get_inspection(old["id"])["result"] == "passed"


def test_due_date_is_the_earlier_of_phase_end_and_working_days():
    assert rectification.due_date(date(2019, 7, 15), end=date(2019, 12, 31), days=20) == date(2019, 8, 12)
    assert rectification.due_date(date(2019, 12, 20), end=date(2019, 12, 31), days=20) == date(2019, 12, 31)
    # National Day 2019: Sun 09-29 is a make-up working day, 10-01..07 are holidays
    assert rectification.due_date(date(2019, 9, 27), end=date(2019, 12, 31), days=5) == date(2019, 10, 10)
    # after phase 5, the working-day limit alone
    assert rectification.due_date(date(2020, 3, 2), end=date(2019, 12, 31), days=5) == date(2020, 3, 9)


def test_due_date_settings_are_configurable(store):
    from nameko import config

    with config.patch({"RECTIFICATION_WORKING_DAYS": 3, "RECTIFICATION_PHASE_END": "2019-07-16"}):
        record(store, building_area=80)
    assert store.find_rectifications(centre_id="js01-c01")[0][0]["due"] == "2019-07-16"


def test_submission_rules(store):
    record(store, building_area=80)
    rect = store.find_rectifications(centre_id="js01-c01")[0][0]
    with pytest.raises(Forbidden):
        submit(store, rect["id"], actor=OTHER_OFFICE)
    with pytest.raises(Forbidden):
        submit(store, rect["id"], actor=INSPECTOR)
    with pytest.raises(InvalidInput):
        submit(store, rect["id"], files=[])
    with pytest.raises(InvalidInput) as exc:
        submit(store, rect["id"], files=[upload("照片.pdf", b"MZ\x90\x00 not a pdf")])
    assert "evidence[0]" in exc.value.details
    with pytest.raises(InvalidInput):
        submit(store, rect["id"], files=[upload("照片.pdf", b"\x89PNG\r\n\x1a\n....")])
    from nameko import config
    with config.patch({"EVIDENCE_MAX_BYTES": 10}), pytest.raises(PayloadTooLarge):
        submit(store, rect["id"])
    assert store.get_rectification(rect["id"])["status"] == "open"
    assert store.evidence.count_documents({}) == 0  # nothing stored on any refusal
    saved, _ = submit(store, rect["id"])
    assert store.evidence_exists(saved["submissions"][0]["files"][0]["sha256"])
    record(store, kind="re_inspection")
    with pytest.raises(Conflict):
        submit(store, rect["id"])


def test_concurrent_change_is_refused_by_the_revision_guard(store):
    record(store, building_area=80)
    rect = store.find_rectifications(centre_id="js01-c01")[0][0]
    store.save_rectification(rect, rect["version"], {"status": "submitted", "actor": OFFICE, "at": NOW})
    with pytest.raises(Conflict):
        store.save_rectification(rect, rect["version"], {"status": "submitted", "actor": OFFICE, "at": NOW})


def test_reinspection_racing_a_submission_rereads_and_still_verifies(store, monkeypatch):
    record(store, building_area=80)
    rect = store.find_rectifications(centre_id="js01-c01")[0][0]
    real = store.active_rectifications

    def stale(centre_id):  # the inspector read the state just before the office's submission landed
        found = real(centre_id)
        submit(store, rect["id"])
        monkeypatch.setattr(store, "active_rectifications", real)
        return found
    monkeypatch.setattr(store, "active_rectifications", stale)
    record(store, kind="re_inspection")
    assert [h["status"] for h in store.history(rect["id"])] == ["open", "submitted", "verified"]


def test_open_rectifications_follow_a_reassigned_centre(store):
    record(store, building_area=80, plaza_area=10)
    rects = store.find_rectifications(centre_id="js01-c01")[0]
    submit(store, rects[0]["id"])
    record(store, kind="re_inspection", plaza_area=10)  # building_area verified, plaza still open
    moved, _ = commands.follow_centre(store, {**CENTRE, "office": "国基路街道"}, NOW)
    assert moved == ["js01-c01-plaza_area-1"]
    assert store.get_rectification("js01-c01-building_area-1")["office"] == "丰庆路街道"
    assert store.get_rectification("js01-c01-plaza_area-1")["office"] == "国基路街道"
    assert commands.follow_centre(store, {**CENTRE, "office": "国基路街道"}, NOW)[0] == []  # idempotent
    with pytest.raises(Forbidden):
        submit(store, "js01-c01-plaza_area-1", actor=OFFICE)
    submit(store, "js01-c01-plaza_area-1", actor=OTHER_OFFICE)


def test_two_inspections_racing_for_one_number_store_only_one(store, monkeypatch):
    record(store)
    monkeypatch.setattr(store, "next_seq", lambda centre_id: 1)  # both read the count before either wrote
    with pytest.raises(Conflict):
        record(store, kind="city_check", building_area=80)
    assert store.find_inspections("js01-c01")[1] == 1 and store.find_rectifications(centre_id="js01-c01")[1] == 0


def test_rectification_list_is_paginated_and_filtered(store):
    record(store, building_area=80, plaza_area=10, training_days=1)
    page, total = store.find_rectifications(office="丰庆路街道", limit=2, offset=0)
    rest, _ = store.find_rectifications(office="丰庆路街道", limit=2, offset=2)
    assert total == 3 and len(page) == 2 and len(rest) == 1
    assert not {r["id"] for r in page} & {r["id"] for r in rest}
    assert store.find_rectifications(office="国基路街道")[1] == 0
    assert store.find_rectifications(office="丰庆路街道", status="verified")[1] == 0
    with pytest.raises(InvalidInput) as district_wide:  # would read every rectification of the programme
        store.find_rectifications(status="open")
    assert list(district_wide.value.details) == ["office"]


def test_repair_finishes_a_half_applied_inspection_once(store, monkeypatch):
    record(store, building_area=80)
    rect = store.find_rectifications(centre_id="js01-c01")[0][0]
    submit(store, rect["id"])

    def crash(*args, **kwargs):
        raise RuntimeError("process killed")
    monkeypatch.setattr(commands, "_acceptance", crash)  # rectifications written, then the worker dies
    with pytest.raises(RuntimeError):
        record(store, kind="re_inspection")
    monkeypatch.undo()
    assert store.get_rectification(rect["id"])["status"] == "verified"
    later = datetime(2019, 7, 15, 3, 0, tzinfo=UTC)
    repaired = commands.repair(store, later, later)
    assert [i for i, _ in repaired] == ["js01-c01-i1", "js01-c01-i2"]
    assert names(repaired[0][1]) == ["inspection_recorded"]  # superseded: its verdicts were replaced by i2
    assert names(repaired[1][1]) == ["inspection_recorded", "centre_accepted", "rectification_completed"]
    assert [h["status"] for h in store.history(rect["id"])] == ["open", "submitted", "verified"]  # not applied twice
    for inspection_id, _ in repaired:
        store.mark_applied(inspection_id)
    assert commands.repair(store, later, later) == []


def test_repair_leaves_recent_inspections_to_their_worker(store):
    record(store)
    assert commands.repair(store, NOW, NOW) == []  # recorded at NOW: not older than the cut-off


def test_a_resent_inspection_gets_the_stored_one_and_stores_nothing_twice(store):
    request = {"kind": "district_acceptance", "inspected_on": None, "note": "", "corrects": None,
               "measurements": {**at_threshold("community"), "building_area": 80}}
    first, events = commands.record_inspection(
        store, STANDARDS, commands.RecordInspection(CENTRE, request, INSPECTOR, NOW, "req-1"))
    store.mark_applied(first["id"], first["rectifications"])
    again, replayed = commands.record_inspection(
        store, STANDARDS, commands.RecordInspection(CENTRE, request, INSPECTOR, NOW, "req-1"))
    assert again["id"] == first["id"] and again["rectifications"] == first["rectifications"] != []
    assert again["result"] == first["result"] == "failed" and replayed == [] and "rectification_opened" in names(events)
    assert len(store.find_inspections(CENTRE["id"])[0]) == 1
    other, _ = commands.record_inspection(
        store, STANDARDS, commands.RecordInspection(CENTRE, request, INSPECTOR, NOW, "req-2"))
    assert other["id"] != first["id"] and len(store.find_inspections(CENTRE["id"])[0]) == 2


def test_a_resent_inspection_cut_short_before_its_effects_finishes_them_once(store):
    request = {"kind": "district_acceptance", "inspected_on": None, "note": "", "corrects": None,
               "measurements": {**at_threshold("community"), "building_area": 80}}
    seq = store.next_seq(CENTRE["id"])
    store.insert_inspection({"_id": f"{CENTRE['id']}-i{seq}", "centre_id": CENTRE["id"], "seq": seq,
                             "centre_name": CENTRE["name"],
                             "office": CENTRE["office"], "level": "community", "kind": "district_acceptance",
                             "inspected_on": "2019-07-15", "result": "failed", "failed_items": ["building_area"],
                             "items": [{"item_id": "building_area", "name": "建筑面积", "mandatory": True, "status": "fail",
                                        "reason": "建筑面积 80 m² 低于标准 100 m²"}],
                             "actor": INSPECTOR, "recorded_at": NOW, "applied": False, "request_id": "req-9"})
    again, events = commands.record_inspection(
        store, STANDARDS, commands.RecordInspection(CENTRE, request, INSPECTOR, NOW, "req-9"))
    assert again["id"] == f"{CENTRE['id']}-i{seq}" and "rectification_opened" in names(events)
    assert len(store.find_inspections(CENTRE["id"])[0]) == 1
    assert len(store.find_rectifications(centre_id=CENTRE["id"])[0]) == 1


def test_a_resent_submission_gets_the_stored_answer_and_stores_one_submission(store):
    record(store, building_area=80)
    rect_id = store.find_rectifications(centre_id="js01-c01")[0][0]["id"]
    request = {"note": "已扩建", "files": [upload("整改照片.pdf", PDF)], "request_id": "sub-1"}
    first, _ = commands.submit_rectification(store, rect_id, request, OFFICE, NOW)
    again, events = commands.submit_rectification(store, rect_id, dict(request), OFFICE, NOW)
    assert again == first and events == []
    assert len(again["submissions"]) == 1 and again["status"] == "submitted"
    assert [h["status"] for h in store.history(rect_id)] == ["open", "submitted"]
    other, _ = commands.submit_rectification(store, rect_id, {**request, "request_id": "sub-2"}, OFFICE, NOW)
    assert len(other["submissions"]) == 2  # another request is another submission
