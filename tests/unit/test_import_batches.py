"""Centres registered in batches (one import chunk): the milestones service plans them with insert_many and
one milestones_planned_batch; the read model applies both batches as one change each. A batch gives
exactly what one event per centre gives, and a redelivered batch changes nothing (mongomock)."""
from datetime import UTC, datetime

import mongomock
import pytest

from services.assignment import allocation
from services.milestones import commands
from services.milestones import plan as plans
from services.milestones.store import MilestoneStore
from services.reporting import batch
from services.reporting.projection import apply_once, set_centre, set_milestone
from services.reporting.store import ReportingStore
from shared import events as ev
from shared.schemas.assignment import CentresRegisteredSchema
from tests.support.paths import JINSHUI_CSV

NOW = datetime(2017, 3, 1, 9, tzinfo=UTC)
DAY = "2017-03-01"


@pytest.fixture(scope="module")
def centres():
    with open(JINSHUI_CSV, "rb") as fh:
        parsed = allocation.parse_table("jinshui_2017.csv", fh.read())
    payload = CentresRegisteredSchema().dump({"centres": [{**c, "version": 1, "updated_at": NOW} for c in parsed]})
    return CentresRegisteredSchema().load(payload)["centres"]


@pytest.fixture(scope="module")
def plan():
    return plans.load(plans.DEFAULT_PLAN)


def milestone_store():
    s = MilestoneStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    return s


def contents(db, without=("applied",)):
    return {name: {d["_id"]: {k: v for k, v in d.items() if k not in ("logged_at", "synced_at")}
                   for d in db[name].find({})}
            for name in db.list_collection_names() if name not in without}


def test_a_batch_plans_every_centre_like_one_event_each(centres, plan):
    one_by_one, batched = milestone_store(), milestone_store()
    singles = []
    for centre in centres:
        singles.extend(commands.reconcile_centre(one_by_one, plan, centre, NOW)[1])
    counts, events = commands.register_centres(batched, plan, centres, NOW)
    assert contents(batched.db) == contents(one_by_one.db)
    assert counts["created"] == sum(1 for _ in batched.milestones.find({})) > 105 * 5
    assert [name for name, _ in events] == [ev.MILESTONES_PLANNED_BATCH]
    assert events[0][1]["planned"] == [payload for _, payload in singles]

    counts, events = commands.register_centres(batched, plan, centres, NOW)  # redelivered
    assert counts == {"created": 0, "redated": 0, "moved": 0} and events == []
    assert contents(batched.db) == contents(one_by_one.db)


def test_a_batch_after_some_centres_are_known_plans_only_the_rest(centres, plan):
    s = milestone_store()
    commands.reconcile_centre(s, plan, centres[0], NOW)
    counts, events = commands.register_centres(s, plan, centres[:3], NOW)
    planned = events[0][1]["planned"]
    assert [p["centre_id"] for p in planned] == [c["id"] for c in centres[1:3]]
    assert counts["created"] == sum(len(p["milestones"]) for p in planned)


def planned_events(centres, plan):
    _, events = commands.register_centres(milestone_store(), plan, centres, NOW)
    from shared.schemas.milestones import MilestonesPlannedBatchSchema
    return MilestonesPlannedBatchSchema().load(events[0][1])["planned"]


@pytest.mark.parametrize("planned_first", [False, True])
def test_the_read_model_applies_a_batch_like_one_event_each(centres, plan, planned_first):
    planned = planned_events(centres, plan)
    single = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    single.ensure_indexes()
    for centre in centres:
        apply_once(single, "centre:{}:1".format(centre["id"]), DAY, lambda m, c=centre: set_centre(m, c), NOW)
    for p in planned:
        apply_once(single, "planned:" + p["centre_id"], DAY, lambda m, p=p: [
            set_milestone(m, p["centre_id"], {**x, "office": p["office"]}) for x in p["milestones"]], NOW)

    batched = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    batched.ensure_indexes()
    steps = [lambda: batch.apply_centres(batched, centres[:60], DAY, NOW),
             lambda: batch.apply_centres(batched, centres[60:], DAY, NOW),
             lambda: batch.apply_planned(batched, planned, DAY, NOW)]
    for step in (steps[2:] + steps[:2]) if planned_first else steps:
        assert step() is True
    assert contents(batched.db) == contents(single.db)

    before = contents(batched.db, without=())
    assert batch.apply_planned(batched, planned, DAY, NOW) is False  # redelivered
    assert batch.apply_centres(batched, centres[:60], DAY, NOW) is False
    assert contents(batched.db, without=()) == before


def test_a_chunk_and_its_planned_milestones_met_are_one_change_like_one_event_each(centres, plan):
    planned = planned_events(centres, plan)
    single = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    batch.apply_centres(single, centres, DAY, NOW)
    batch.apply_planned(single, planned, DAY, NOW)

    met = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    first = {c["id"] for c in centres[:60]}
    writes = []
    put = met.put
    met.put = lambda collection, doc: (writes.append(collection), put(collection, doc))
    assert batch.apply_centres_and_planned(met, centres[:60], [p for p in planned if p["centre_id"] in first],
                                           DAY, NOW) is True
    assert "centres" not in writes  # each new centre inserted once, with its milestones' figures
    assert batch.apply_centres_and_planned(met, centres[60:], [p for p in planned if p["centre_id"] not in first],
                                           DAY, NOW) is True
    assert contents(met.db) == contents(single.db)
    assert len(contents(met.db, without=())["applied"]) == 4

    before = contents(met.db, without=())
    assert batch.apply_centres_and_planned(met, centres[:60], [p for p in planned if p["centre_id"] in first],
                                           DAY, NOW) is False  # redelivered
    assert batch.apply_centres(met, centres[60:], DAY, NOW) is False
    assert batch.apply_planned(met, [p for p in planned if p["centre_id"] in first], DAY, NOW) is False
    assert contents(met.db, without=()) == before


def test_a_chunk_met_after_its_planned_milestones_were_applied_alone_applies_only_the_centres(centres, plan):
    planned = planned_events(centres[:10], plan)
    single = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    batch.apply_planned(single, planned, DAY, NOW)
    batch.apply_centres(single, centres[:10], DAY, NOW)
    met = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    batch.apply_planned(met, planned, DAY, NOW)
    assert batch.apply_centres_and_planned(met, centres[:10], planned, DAY, NOW) is True
    assert contents(met.db, without=()) == contents(single.db, without=())


def test_a_batch_interrupted_before_its_key_was_kept_is_applied_again_without_double_counting(centres, plan):
    planned = planned_events(centres[:10], plan)
    s = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    batch.apply_centres(s, centres[:10], DAY, NOW)
    batch.apply_planned(s, planned, DAY, NOW)
    expected = contents(s.db)
    s.applied.delete_many({})  # as if the service stopped after writing, before keeping the keys
    batch.apply_centres(s, centres[:10], DAY, NOW)
    batch.apply_planned(s, planned, DAY, NOW)
    assert contents(s.db) == expected


def test_a_centre_presumed_new_that_moved_first_is_read_and_kept(centres, plan, monkeypatch):
    """A centre not found under its office is presumed new; if it is in the model after all (its move was
    applied before its registration), the batch is applied again reading it by _id: as one event each."""
    moved = {**centres[0], "office": centres[-1]["office"], "version": 2}
    presumptions, preload = [], batch.BatchStore.preload
    monkeypatch.setattr(batch.BatchStore, "preload", lambda self, found, milestones=False, presume_new=False: (
        presumptions.append(presume_new), preload(self, found, milestones, presume_new)))
    stores = []
    for batched in (False, True):
        s = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
        s.ensure_indexes()
        apply_once(s, "centre:{}:2".format(moved["id"]), DAY, lambda m: set_centre(m, moved), NOW)
        if batched:
            assert batch.apply_centres(s, centres[:20], DAY, NOW) is True
        else:
            for centre in centres[:20]:
                apply_once(s, "centre:{}:1".format(centre["id"]), DAY, lambda m, c=centre: set_centre(m, c), NOW)
        stores.append(s)
    # the stints (where a centre stood on past days) are compared apart: a registration that arrives after the
    # centre's move keeps the moved-to stint in a batch, but not one event at a time (known, docs/read-model.md)
    without = ("applied", "centre_stints")
    assert contents(stores[1].db, without) == contents(stores[0].db, without) and presumptions == [True, False]
    assert stores[1].centres.find_one({"_id": moved["id"]})["office"] == moved["office"]
    assert stores[1].db.centre_stints.find_one({"centre_id": moved["id"], "office": moved["office"]}) is not None


def _full_prune(node):  # how ``bump`` pruned before: the whole fig after every bump
    for key in list(node):
        if isinstance(node[key], dict):
            _full_prune(node[key])
            if not node[key]:
                del node[key]
        elif node[key] == 0:
            del node[key]


def test_bump_prunes_its_paths_like_a_prune_of_the_whole_fig():
    import json
    import random

    from services.reporting.model import bump

    rng = random.Random(11)
    parts = (("cells", "1|village", "total"), ("cells", "1|village", "done"), ("cells", "2|village", "open_due", "d1"),
             ("cells", "2|village", "open_due", "d2"), ("total",), ("rect_due", "d1"), ("levels", "village"))
    fig, reference = {}, {}
    for _ in range(3000):
        paths = rng.sample(parts, rng.randint(1, 3))
        sign = rng.choice((1, 1, -1))
        bump(fig, paths, sign)
        for path in paths:  # the previous implementation, step by step
            node = reference
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = node.get(path[-1], 0) + sign
        _full_prune(reference)
        assert json.dumps(fig) == json.dumps(reference)  # same content, same key order


def test_a_batch_writes_only_the_fields_that_changed_and_nothing_for_an_unchanged_document(monkeypatch):
    s = ReportingStore(mongomock.MongoClient(tz_aware=True).db)
    s.centres.insert_many([{"_id": "a", "office": "o", "fig": {"total": 1}, "old": 1},
                           {"_id": "b", "office": "o", "fig": {"total": 2}}])
    b = batch.BatchStore(s)
    b.preload([("a", "o"), ("b", "o")])
    changed, same = b.get("centres", "a"), b.get("centres", "b")
    changed["fig"]["total"] += 1
    del changed["old"]
    changed["new"] = True
    b.put("centres", changed)
    b.put("centres", same)
    updates, replaces = [], []

    class Recording:
        def __init__(self, collection):
            self.collection = collection

        def __getattr__(self, name):
            return getattr(self.collection, name)

        def update_one(self, query, update):
            updates.append((query, update))
            return self.collection.update_one(query, update)

    s.centres = Recording(s.centres)
    monkeypatch.setattr(s, "put", lambda collection, doc: replaces.append(doc))
    b.commit()
    assert updates == [({"_id": "a"}, {"$set": {"fig": {"total": 2}, "new": True}, "$unset": {"old": ""}})]
    assert replaces == []
    assert s.centres.find_one({"_id": "a"}) == {"_id": "a", "office": "o", "fig": {"total": 2}, "new": True}
    assert s.centres.find_one({"_id": "b"}) == {"_id": "b", "office": "o", "fig": {"total": 2}}
