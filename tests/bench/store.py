"""Query shapes on the store, with and without the project's GIN indexes (figures, not tests).

    .venv/bin/python -m tests.bench.store 100000 [--slow]

Loads N milestone-shaped documents into a scratch database of the store at ``MONGO_URI``
(insert_many in batches), then times the query shapes of docs/store-rules.md: the
pushed-down ones (``_id``, equality on a top-level field) before and after
``shared.pgindex`` makes its GIN indexes (when ``POSTGRES_DSN`` names the store's
PostgreSQL), and with ``--slow`` the shapes FerretDB evaluates in Go ($in, range, sort).
It also prints PostgreSQL's EXPLAIN ANALYZE of the SQL that FerretDB sends for a
pushed-down equality, and the same figures on a raw jsonb table (the floor).
"""
import argparse
import statistics
import time
import uuid

from pymongo import ASCENDING, MongoClient

from shared import pgindex
from shared.settings import settings
from tests.bench.generator import milestone_documents

SAMPLES = 7


def median_ms(fn, rounds=SAMPLES):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


class Holder:
    """What shared.pgindex expects: a store adapter holding its collections."""

    def __init__(self, db):
        self.milestones = db.milestones


def shapes(coll, sample):
    ids = [d["_id"] for d in sample]
    office = sample[0]["office"]
    due = sample[0]["due"]
    fast = [
        ("find_one({_id})", lambda: coll.find_one({"_id": ids[0]})),
        ("update_one({_id}, $set)", lambda: coll.update_one({"_id": ids[1]}, {"$set": {"note": "x"}})),
        ("find by office", lambda: list(coll.find({"office": office}))),
        ("find by due (one day)", lambda: list(coll.find({"due": due}))),
        ("count by office", lambda: coll.count_documents({"office": office})),
    ]
    slow = [
        ("$in of 100 _ids", lambda: list(coll.find({"_id": {"$in": ids[:100]}}))),
        ("range on due (one month)", lambda: list(coll.find({"due": {"$gte": "2018-03-01", "$lt": "2018-04-01"}}))),
        ("sort by due, limit 20", lambda: list(coll.find().sort("due", 1).limit(20))),
    ]
    return fast, slow


def raw_floor(dsn, docs, sample):
    import psycopg
    from psycopg.types.json import Jsonb

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw")
        conn.execute("CREATE TABLE bench_raw (_jsonb jsonb)")
        with conn.cursor() as cur, cur.copy("COPY bench_raw (_jsonb) FROM STDIN") as copy:
            for doc in docs:
                copy.write_row([Jsonb(doc)])
        for field in ("_id", "office", "due"):
            conn.execute(f"CREATE INDEX ON bench_raw USING gin ((_jsonb -> '{field}'))")
        conn.execute("ANALYZE bench_raw")
        one = '"{}"'.format(sample[0]["_id"])
        office = '"{}"'.format(sample[0]["office"])
        figures = {
            "find_one({_id})": median_ms(lambda: conn.execute(
                "SELECT _jsonb FROM bench_raw WHERE _jsonb->'_id' @> %s::jsonb", [one]).fetchall()),
            "find by office": median_ms(lambda: conn.execute(
                "SELECT _jsonb FROM bench_raw WHERE _jsonb->'office' @> %s::jsonb", [office]).fetchall()),
            "count by office": median_ms(lambda: conn.execute(
                "SELECT count(*) FROM bench_raw WHERE _jsonb->'office' @> %s::jsonb", [office]).fetchall()),
        }
        conn.execute("DROP TABLE bench_raw")
    return figures


def explain(dsn, db_name, office):
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        table = pgindex.table_of(conn, db_name, "milestones")
        plan = conn.execute(
            f'EXPLAIN ANALYZE SELECT _jsonb FROM "{db_name}"."{table}" WHERE _jsonb->%s @> %s::jsonb',
            ["office", f'"{office}"']).fetchall()
    return "\n".join("    " + row[0] for row in plan)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("docs", type=int)
    parser.add_argument("--slow", action="store_true", help="also time the shapes evaluated in Go")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    dsn = settings().postgres_dsn
    client = MongoClient(settings().mongo_uri)
    db_name = "benchstore" + uuid.uuid4().hex[:6]
    coll = client[db_name].milestones
    coll.create_index([("office", ASCENDING), ("status", ASCENDING)], name="office_status")
    coll.create_index([("due", ASCENDING)], name="due")
    docs = list(milestone_documents(args.docs))
    start = time.perf_counter()
    for i in range(0, len(docs), 1000):
        coll.insert_many(docs[i:i + 1000], ordered=False)
    elapsed = time.perf_counter() - start
    print(f"store {settings().mongo_uri} ({args.docs} documents): insert_many {elapsed:.1f} s, "
          f"{args.docs / elapsed:.0f} documents/s", flush=True)
    sample = docs[len(docs) // 2:len(docs) // 2 + 200]
    fast, slow = shapes(coll, sample)
    try:
        for label, fn in fast:
            print(f"  {label:<28} {median_ms(fn, 3):10.2f} ms   (declared btree indexes only)", flush=True)
        if dsn:
            start = time.perf_counter()
            made = pgindex.provision(Holder(client[db_name]), dsn)
            print(f"  GIN indexes made: {len(made)} in {time.perf_counter() - start:.1f} s", flush=True)
            with __import__("psycopg").connect(dsn, autocommit=True) as conn:
                conn.execute('ANALYZE "{}"."{}"'.format(db_name, pgindex.table_of(conn, db_name, "milestones")))
            for label, fn in fast:
                print(f"  {label:<28} {median_ms(fn):10.2f} ms   (with GIN)", flush=True)
            print("  EXPLAIN ANALYZE of the pushed-down equality on office:\n" + explain(dsn, db_name, sample[0]["office"]))
        if args.slow:
            for label, fn in slow:
                print(f"  {label:<28} {median_ms(fn, 1):10.2f} ms   (evaluated in Go)", flush=True)
        if dsn:
            for label, ms in raw_floor(dsn, docs, sample).items():
                print(f"  {label:<28} {ms:10.2f} ms   (raw PostgreSQL jsonb + GIN: the floor)", flush=True)
    finally:
        if not args.keep:
            client.drop_database(db_name)


if __name__ == "__main__":
    main()
