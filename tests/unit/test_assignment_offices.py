"""Offices of the assignment store in pages, read by equality on their buckets (mongomock)."""
import mongomock
import pytest

from services.assignment import offices as office_module
from services.assignment.store import AssignmentStore
from shared.errors import InvalidInput
from shared.schemas.assignment import OfficeQuerySchema
from shared.schemas.common import load_or_raise


class CountingCollection:
    """Wraps a collection and records the filters of its ``find`` calls."""

    def __init__(self, collection):
        self._collection = collection
        self.finds = []

    def find(self, query=None, *args, **kwargs):
        self.finds.append(query)
        return self._collection.find(query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._collection, name)


@pytest.fixture
def store():
    s = AssignmentStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    return s


def names(count):
    return [f"街道{i:03d}" for i in range(count)]


def test_250_offices_page_in_table_order_across_buckets(store):
    store.ensure_offices(names(120))
    for name in names(250)[120:]:
        store.ensure_office(name)
    docs = {d["_id"]: d for d in store.offices.find({})}
    assert {(d["seq"], d["bucket"]) for d in docs.values()} == {(i + 1, (i + 1) // 100) for i in range(250)}
    store.offices = CountingCollection(store.offices)
    seen = []
    for offset in range(0, 250, 70):
        rows, total = store.office_page(offset, 70)
        assert total == 250 and len(rows) == min(70, 250 - offset)
        seen += [(r["seq"], r["name"]) for r in rows]
    assert seen == [(i + 1, name) for i, name in enumerate(names(250))]
    # every read is equality on one bucket: page 70-139 (places 71-140) reads buckets 0 and 1, nothing else
    assert all(set(q) == {"bucket"} for q in store.offices.finds)
    store.offices.finds.clear()
    store.office_page(70, 70)
    assert store.offices.finds == [{"bucket": 0}, {"bucket": 1}]
    assert store.office_page(250, 10) == ([], 250)
    assert store.office_counts()[-1]["name"] == "街道249"


def test_an_office_a_racing_creation_left_above_the_hint_is_still_paged(store):
    store.ensure_offices(names(3))
    store.offices.insert_one({"_id": "迟到街道", "seq": 4, "bucket": 0, "counts": {"total": 0}})  # hint still 3
    rows, total = store.office_page(0, 3)
    assert [r["seq"] for r in rows] == [1, 2, 3] and total == 4
    rows, total = store.office_page(3, 3)
    assert [r["name"] for r in rows] == ["迟到街道"] and total == 4


def test_empty_table_and_one_office_by_id(store):
    assert store.office_page(0, 1000) == ([], 0)
    assert store.office("丰庆路街道") is None
    store.ensure_offices(["丰庆路街道"])
    assert store.office("丰庆路街道") == {"name": "丰庆路街道", "seq": 1, "total": 0, "subdistrict": 0, "community": 0,
                                        "village": 0, "pilots": 0, "province": None, "city": None, "district": None}


def test_the_migration_gives_old_offices_their_bucket_once(store, monkeypatch):
    db = store.db
    db.offices.delete_many({})
    db.meta.delete_one({"_id": "office_buckets"})
    db.offices.insert_many([{"_id": "甲", "seq": 1, "counts": {"total": 2}},
                            {"_id": "乙", "seq": 150, "counts": {"total": 1}}])
    db.meta.replace_one({"_id": "office_seq"}, {"last": 150}, upsert=True)
    calls = []
    original = office_module.OfficeStore.backfill_office_buckets
    monkeypatch.setattr(office_module.OfficeStore, "backfill_office_buckets",
                        lambda self: calls.append(1) or original(self))
    AssignmentStore(db).ensure_indexes()
    assert {d["_id"]: d["bucket"] for d in db.offices.find({})} == {"甲": 0, "乙": 1}
    assert [r["name"] for r in AssignmentStore(db).office_page(0, 1000)[0]] == ["甲", "乙"]
    AssignmentStore(db).ensure_indexes()  # a second start: the marker in meta says it is done
    assert calls == [1] and db.meta.find_one({"_id": "office_buckets"}) is not None


@pytest.mark.parametrize("query,field", [({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"offset": -1}, "offset"),
                                         ({"offset": "x"}, "offset"), ({"limit": 2.5}, "limit")])
def test_page_bounds_are_refused_field_by_field(query, field):
    with pytest.raises(InvalidInput) as refused:
        load_or_raise(OfficeQuerySchema(), query)
    assert list(refused.value.details) == [field]
    assert any("整数" in m for m in refused.value.details[field])
    assert load_or_raise(OfficeQuerySchema(), {}) == {"offset": 0, "limit": 1000}


def test_a_page_of_the_whole_tables_centres_reads_only_the_buckets_it_falls_into(store):
    offices = names(250)
    store.ensure_offices(offices)
    centres = [{"_id": f"c{i:03d}-{k}", "name": "中心", "office": name, "version": 1, "deadline": "2017-12-31",
                "level": "village" if k == 2 else "community", "pilot": k == 0}
               for i, name in enumerate(offices) for k in range(i % 4)]  # 0 to 3 centres per office
    store.centres.insert_many(centres)
    store.recount_offices(offices)
    everything = [c["_id"] for c in centres]  # table order, then id
    assert store.find(limit=1000, offset=0)[1] == len(centres) == 373
    got = []
    for offset in range(0, len(centres), 50):
        items, total = store.find(limit=50, offset=offset)
        assert total == len(centres)
        got += [c["id"] for c in items]
    assert got == everything
    villages = [c["_id"] for c in centres if c["level"] == "village"]
    assert [c["id"] for c in store.find(level="village", limit=1000)[0]] == villages
    assert store.find(pilot=True, limit=5, offset=80)[1] == sum(1 for c in centres if c["pilot"])
    store.offices = CountingCollection(store.offices)
    items, _ = store.find(limit=10, offset=300)  # bucket 2 (offices 199-249) holds centres 297-372: read alone
    assert [c["id"] for c in items] == everything[300:310]
    assert store.offices.finds == [{"bucket": 2}]


def test_the_buckets_sums_are_made_once_for_an_older_table(store):
    store.ensure_offices(["甲", "乙"])
    store.centres.insert_many([{"_id": "a1", "name": "x", "office": "甲", "level": "village", "pilot": False, "deadline": "2017-12-31"},
                               {"_id": "b1", "name": "y", "office": "乙", "level": "community", "pilot": True, "deadline": "2017-12-31"}])
    store.recount_offices(["甲", "乙"])
    store.db.office_buckets.drop()  # as before the sums were kept
    store.db.meta.delete_many({"_id": {"$in": ["office_totals", "office_bucket_sums"]}})
    assert store.find() == ([], 0)
    again = AssignmentStore(store.db)
    again.ensure_indexes()
    assert [c["id"] for c in again.find()[0]] == ["a1", "b1"] and again.find(pilot=True)[1] == 1
