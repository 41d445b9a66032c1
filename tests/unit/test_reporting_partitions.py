"""The read model in partitions by province (services/reporting/partition.py): the setting, the part of each
event a partition applies, its queues, and two partitions over the same events (redelivered, replayed, in another
order) holding the figures of one writer (mongomock; tests/integration/test_reporting_partitions.py runs the
services)."""
import random
from datetime import UTC, datetime

import mongomock
import pytest
from eventlet.semaphore import Semaphore
from nameko import config

from services.assignment import allocation
from services.milestones import commands
from services.milestones import plan as plans
from services.milestones.store import MilestoneStore
from services.reporting import handlers, pairing
from services.reporting.partition import Owner, Partition, PartitionError, parse
from services.reporting.service import ReportingService, partition_of, queue_tag
from services.reporting.store import LayoutError, ReportingStore
from shared import events as ev
from shared.handlers import RetryingEventHandler
from shared.schemas.assignment import CentresRegisteredSchema
from shared.schemas.inspections import CentreAcceptedSchema, RectificationOpenedSchema
from shared.schemas.milestones import ProgressUpdatedSchema
from shared.settings import SettingsError, settings
from tests.support.paths import JINSHUI_CSV

NOW = datetime(2017, 3, 1, 9, tzinfo=UTC)
DISTRICTS = ("410105", "620102")  # 河南 and 甘肃: one district in each of two provinces


class Clock:
    @staticmethod
    def now():
        return NOW

    @staticmethod
    def today():
        return NOW.date()


def test_the_setting_names_provinces_and_bad_values_are_refused_at_start():
    assert parse("") == frozenset() and Partition.of("").whole and Partition.of("").tag == ""
    assert Partition.of(" 42, 41").tag == "41-42" and Partition.of("41").doc_id("district") == "district@41"
    assert Partition.of("41").key("centre:c1:1") == "centre:c1:1@41" and Partition().key("k") == "k"
    with pytest.raises(PartitionError):
        parse("41,41")
    with config.patch({"REPORTING_PARTITION": "41,62"}):
        assert settings().reporting_partition == "41,62"
    for bad in ("4101", "41;62", "河南"):
        with config.patch({"REPORTING_PARTITION": bad}), pytest.raises(SettingsError, match="REPORTING_PARTITION"):
            settings()


def test_a_partition_applies_the_part_of_each_event_about_its_offices():
    asked = []
    owner = Owner(Partition.of("41"))

    def ask(office):
        asked.append(office)
        return {"甲街道": "410105", "乙街道": "620102"}.get(office)

    chunk = {"centres": [{"id": "a", "office": "甲街道", "province": "41"}, {"id": "b", "office": "乙街道", "province": "62"}]}
    assert owner.owned_payload(ev.CENTRES_REGISTERED, chunk, ask) == {"centres": [chunk["centres"][0]]}
    assert asked == []  # the centres said where their offices lie
    planned = {"planned": [{"centre_id": "a", "office": "甲街道"}, {"centre_id": "b", "office": "乙街道"}]}
    assert owner.owned_payload(ev.MILESTONES_PLANNED_BATCH, planned, ask) == {"planned": [planned["planned"][0]]}
    assert owner.owned_payload(ev.PROGRESS_UPDATED, {"office": "乙街道"}, ask) is None
    assert owner.owned_payload(ev.CENTRE_ACCEPTED, {"office": "丙街道"}, ask) is None  # unknown: in no province
    assert asked == ["丙街道"]
    assert Owner(Partition.of("00")).owned_payload(ev.CENTRE_ACCEPTED, {"office": "丙街道"}, ask) is not None
    moved = {"centre": {"id": "a", "office": "乙街道", "province": "62"}, "previous_office": "甲街道"}
    assert owner.owned_payload(ev.CENTRE_REASSIGNED, moved, ask) is None  # applied by the new office's partition
    assert Owner(Partition()).owned_payload(ev.PROGRESS_UPDATED, {"office": "乙街道"}, ask) == {"office": "乙街道"}


def test_each_partition_consumes_queues_of_its_own_bound_like_every_other_consumer():
    class Partitioned(ReportingService):
        partition_text = "41,62"

    assert queue_tag(ReportingService) == "" and queue_tag(Partitioned) == "41-62"
    assert partition_of(Partitioned) == Partition.of("62,41")

    class Container:
        service_name, service_cls, max_workers = "reporting", Partitioned, 40

    names = []
    with config.patch({"AMQP_URI": "pyamqp://guest:guest@localhost:5672/"}):
        for cls in (ReportingService, Partitioned):
            names.append(bound_queue(Container, cls))
    assert names == ["evt-milestones-progress_updated--reporting.on_progress_updated",
                     "evt-milestones-progress_updated--reporting.on_progress_updated-41-62"]


def bound_queue(container, cls):
    container.service_cls = cls
    held = container()  # the handler keeps a weak reference to its container
    handler = RetryingEventHandler(ev.MILESTONES, ev.PROGRESS_UPDATED, queue_tag=queue_tag).bind(
        held, "on_progress_updated")
    handler.setup()
    assert handler.queue.routing_key == ev.PROGRESS_UPDATED and handler.queue.durable
    assert not handler.queue.exclusive and not handler.queue.auto_delete
    return handler.queue.name


def events():
    """An import of two offices in each of two provinces, answered by its planned milestones, then progress,
    acceptances and rectifications: the payloads as dispatched."""
    with open(JINSHUI_CSV, "rb") as fh:
        parsed = allocation.parse_table("jinshui_2017.csv", fh.read())
    offices = sorted({c["office"] for c in parsed})[:4]
    place = {office: DISTRICTS[i % 2] for i, office in enumerate(offices)}
    centres = [{**c, "version": 1, "updated_at": NOW, "district": place[c["office"]], "city": place[c["office"]][:4],
                "province": place[c["office"]][:2]} for c in parsed if c["office"] in place]
    store = MilestoneStore(mongomock.MongoClient(tz_aware=True).db)
    store.ensure_indexes()
    out = []
    for start in range(0, len(centres), 12):  # chunks of 12: some hold offices of both provinces
        chunk = centres[start:start + 12]
        _, planned = commands.register_centres(store, plans.load(plans.DEFAULT_PLAN), chunk, NOW)
        out += [(ev.CENTRES_REGISTERED, CentresRegisteredSchema().dump({"centres": chunk}))] + planned
    firsts = [p for _, payload in out if "planned" in payload for p in payload["planned"]][::5]
    for item in firsts:
        m = item["milestones"][0]
        out.append((ev.PROGRESS_UPDATED, ProgressUpdatedSchema().dump({
            "centre_id": item["centre_id"], "office": item["office"], "key": m["key"], "phase": m["phase"],
            "due": m["due"] and datetime.fromisoformat(str(m["due"])).date(), "status": "done",
            "previous_status": "not_started", "percent": 100, "version": 2, "actor": {"role": "system"}, "at": NOW})))
    for n, item in enumerate(firsts[::2]):
        out.append((ev.CENTRE_ACCEPTED, CentreAcceptedSchema().dump({
            "centre_id": item["centre_id"], "office": item["office"], "inspection_id": f"i{n}", "at": NOW})))
        out.append((ev.RECTIFICATION_OPENED, RectificationOpenedSchema().dump({
            "rectification_id": f"r{n}", "centre_id": item["centre_id"], "centre_name": "某中心",
            "office": item["office"], "item_id": "x", "title": "整改", "due": NOW.date(), "at": NOW})))
    return out, place


def writer(db, text):
    store = ReportingStore(db)
    store.partition = Partition.of(text)
    store.ensure_indexes()
    pairing.ensure_indexes(db)
    store.register_partition()
    return handlers.Context(store, Clock, Semaphore(1), 30.0), Owner(store.partition)


def view(store, place):
    """What the reads see: each office's figures, the district's totals, the areas' roll-ups, the centres and
    milestones, the due days' counts and the ranking's places."""
    offices = {d["_id"]: (d["fig"], d.get("rank_pct")) for d in store.offices.find({})}
    district = store.district_doc()
    strip = ("part",)
    return {"offices": offices, "district": district["fig"], "count": district["offices"],
            "areas": {d["_id"]: (d["fig"], d["offices"]) for d in store.db.area_figs.find({})},
            "centres": {d["_id"]: {k: v for k, v in d.items() if k not in strip} for d in store.centres.find({})},
            "milestones": {d["_id"]: d for d in store.milestones.find({})},
            "due": {day: store.due_day_counts("milestone", day) for day in ("2017-03-31", "2017-06-30", "2017-12-31")},
            "places": {t: sum(store.rank_place(t)["slots"].values()) for t in {p for _, p in offices.values()} if t is not None},
            "seqs": sorted(d["seq"] for d in store.offices.find({})), "stash": store.db.pair_stash.count_documents({})}


def test_two_partitions_over_the_same_events_redelivered_and_replayed_hold_one_writers_figures():
    stream, place = events()
    ask = place.get  # where an office lies, as the assignment service would answer
    single_context, single_owner = writer(mongomock.MongoClient(tz_aware=True).db, "")
    for name, payload in stream:
        handlers.apply_event(single_context, single_owner, name, payload, ask)
    single = view(single_context.store, place)
    assert single["stash"] == 0 and single["count"] == 4 and len(single["areas"]) == 6

    db = mongomock.MongoClient(tz_aware=True).db
    partitions = [writer(db, "41"), writer(db, "62")]
    shuffled = random.Random(7)
    for context, owner in partitions:  # each in its own order: every event twice, some out of turn
        order = [e for e in stream for _ in (0, 1)]
        for i in range(0, len(order) - 1, 7):
            order[i], order[i + 1] = order[i + 1], order[i]
        for name, payload in order:
            handlers.apply_event(context, owner, name, payload, ask)
        shuffled.shuffle(order)
        for name, payload in order:  # replayed
            handlers.apply_event(context, owner, name, payload, ask)
    for context, _ in partitions:
        assert context.store.db.pair_stash.count_documents({"part": context.store.partition.tag}) == 0
    reader = ReportingStore(db)
    got = view(reader, place)
    assert got["seqs"] == [0, 1, 2, 3]  # unique across the partitions, without a gap
    single.pop("seqs"), got.pop("seqs")
    assert got == single
    assert {d["_id"] for d in db.district.find({})} == {"district@41", "district@62"}
    for context, _ in partitions:  # each partition counted its own offices' centres, no other
        mine = {office for office, district in place.items() if context.store.partition.owns_province(district)}
        own = context.store.own_district()
        assert own["offices"] == 2
        assert own["fig"]["centres"] == sum(single["offices"][office][0]["centres"] for office in mine) > 0
        assert {c["part"] for c in db.centres.find({}) if c["office"] in mine} == {context.store.partition.tag}
    assert all(k.endswith(("@41", "@62")) for k in (d["_id"] for d in db.applied.find({})))


def test_a_writer_refuses_a_model_laid_out_for_the_other_mode():
    db = mongomock.MongoClient(tz_aware=True).db
    whole = ReportingStore(db)
    whole.check_layout()  # an empty model: either mode may start
    db.district.insert_one({"_id": "district", "fig": {}})  # one writer's model
    partitioned = ReportingStore(db)
    partitioned.partition = Partition.of("41")
    with pytest.raises(LayoutError, match="drop its database"):
        partitioned.check_layout()
    db.district.delete_one({"_id": "district"})
    partitioned.check_layout()
    partitioned.register_partition()
    with pytest.raises(LayoutError, match="REPORTING_PARTITION"):
        ReportingStore(db).check_layout()
