"""Bulk loader for `make bench` at 100,000 and 700,000 centres: the generator's programme put into the
services' stores directly, in big ``insert_many`` batches (the import through HTTP runs at tens of
centres per second, hours for 700,000; it is measured separately at smaller scales).

Every document is written by the services' own code, not by a copy of their shapes. First the area tree
(provinces, cities, districts and the offices' townships of tests/bench/generator.py) goes through
``AssignmentService.import_areas`` (the area table as a CSV file, as ``cctrack areas import``); then each
chunk of whole districts (about 5,000 centres) goes, in this process, through

1. ``AssignmentService.import_allocation``, one allocation table per district with its ``district`` (as
   ``cctrack import allocation FILE --district CODE``: the offices and their centres carry the district's codes),
2. ``milestones.commands.reconcile_centre`` for each registered centre (what the milestones service
   does on ``centres_registered``), then ``report_progress`` / ``system_complete`` for each report of
   the generator's progress (office reports; the acceptance milestone as the inspections service),
3. ``ReportingService.rebuild_page`` for each office (the read model's rebuild path, after its
   ``rebuild_start`` once, which puts the colours on today; its RPCs to assignment and milestones
   are answered by those services' own methods, through JSON like the wire), so the read model
   holds what a rebuild (``cctrack reports rebuild``) would make,

and after the last chunk ``ReportingService.rebuild_areas`` (the last step of that rebuild: where every office
lies, from the assignment service's offices, and every district, city and province roll-up recomputed),

on in-memory databases (tests/bench/memstore.py), and what they wrote is then copied into the real
store with ``insert_many`` by a background thread while the next chunk is computed. The declared
indexes and the GIN indexes (shared/pgindex.py) are made at the end, on full tables.

``only`` limits which services' documents are written (the others are still computed, since the
read model is built from them): at 700,000 centres the loader can write the read model and the
assignment store in full and the milestones store for the first chunk only (the centres the
progress updates touch). Progress is printed after every chunk. With ``--stop-file``, a load that will not end in
time can be cut at a whole chunk (the file created): what was loaded is finished as a whole programme would be.

    .venv/bin/python -m tests.bench.loader 100000 --prefix bench100k [--milestones-chunks 1]
"""
import argparse
import base64
import json
import os
import queue
import threading
import time
from datetime import datetime
from datetime import time as daytime

from pymongo import MongoClient

from shared import pgindex
from shared.clock import local_zone
from shared.settings import settings
from tests.bench import generator
from tests.bench.memstore import MemoryDb

ADMIN = {"role": "admin", "office": None, "name": "bench"}
START = datetime(2017, 3, 1, 9, 0)
CHUNK_OFFICES = 5000 // generator.CENTRES_PER_OFFICE  # a chunk: whole districts, about 5,000 centres
WRITERS = 2  # insert_many in flight at once (FerretDB and PostgreSQL do the work in their own processes)
EVICT = {"assignment": ("centres", "centre_revisions"),
         "milestones": ("centres", "milestones", "milestone_revisions", "audit", "projection_pending", "evidence"),
         "reporting": ("milestones", "centres", "rectifications", "snapshots", "applied")}


def encoded(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def chunked(rows, offices_per_chunk=None):
    """The centre rows in chunks of whole districts of at most ``offices_per_chunk`` offices (a bigger district
    is a chunk of its own), in order."""
    limit = offices_per_chunk or CHUNK_OFFICES
    chunks, current, offices = [], [], 0
    for members in generator.by_district(rows).values():
        count = len(dict.fromkeys(r["office"] for r in members))
        if current and offices + count > limit:
            chunks.append(current)
            current, offices = [], 0
        current.extend(members)
        offices += count
    if current:
        chunks.append(current)
    return chunks


def wire(value):
    """What a value looks like after an RPC (nameko's JSON serializer)."""
    return json.loads(json.dumps(value, default=str))


class Rpc:
    """An RPC proxy that calls a bare service instance in this process, through JSON."""

    def __init__(self, service):
        self.service = service

    def __getattr__(self, method):
        return lambda *args: wire(getattr(self.service, method)(*wire(list(args))))


class Unrecorded:
    """The inspections and indicators services of a programme without inspections or indicator
    reports yet: no results for any centre, no centre-years for any office."""

    def centre_results(self, query):
        return []

    def centre_years(self, query):
        return {"items": [], "next": None}


class FixedClock:
    def __init__(self, now):
        self._now = now

    def now(self):
        return self._now

    def today(self):
        return self._now.date()


def bare(cls, **attrs):
    """A service instance without a container: its dependencies given as plain attributes."""
    service = cls.__new__(cls)
    for name, value in attrs.items():
        setattr(service, name, value)
    return service


def at(day, hour=10):
    return datetime.combine(day, daytime(hour, 0), tzinfo=local_zone())


class Loader:
    def __init__(self, scale, prefix, uri=None, dsn=None, only=None, milestones_chunks=None, skip=(), say=print,
                 milestones_area=None, stop_file=None):
        from eventlet.semaphore import Semaphore

        from services.assignment.service import AssignmentService
        from services.assignment.store import AssignmentStore
        from services.milestones import plan as plans
        from services.milestones.service import MilestonesService
        from services.milestones.store import MilestoneStore
        from services.reporting.service import ReportingService
        from services.reporting.store import ReportingStore

        self.scale, self.prefix, self.say = scale, prefix, say
        self.uri, self.dsn = uri or settings().mongo_uri, dsn if dsn is not None else settings().postgres_dsn
        self.only = set(only or EVICT)
        self.milestones_chunks, self.milestones_area, self.skip = milestones_chunks, milestones_area, set(skip)
        self.stop_file = stop_file
        self.plan = plans.current()
        self.now = START.replace(tzinfo=local_zone())
        self.mem = {name: MemoryDb(f"{prefix}_{name}", evict=evict) for name, evict in EVICT.items()}
        self.store_classes = {"assignment": AssignmentStore, "milestones": MilestoneStore, "reporting": ReportingStore}
        self.stores = {name: cls(self.mem[name]) for name, cls in self.store_classes.items()}
        for store in self.stores.values():
            store.ensure_indexes()
        clock = FixedClock(self.now)
        self.assignment = bare(AssignmentService, store=self.stores["assignment"], clock=clock, _emit=lambda events: None)
        milestones = bare(MilestonesService, store=self.stores["milestones"], clock=clock, _emit=lambda events: None)
        # the read model's rebuild colours every centre for the day it runs (序时进度, colour_days.py), as the deployed
        # service's does: today, not the programme's start
        today = FixedClock(datetime.now(local_zone()))
        self.reporting = bare(ReportingService, store=self.stores["reporting"], clock=today, writer=Semaphore(1),
                              assignment=Rpc(self.assignment), milestones=Rpc(milestones), inspections=Unrecorded(), indicators=Unrecorded())
        self.written = {}
        self.pending = queue.Queue(maxsize=80)  # batches of 5,000 documents computed, waiting for their inserts
        self.lock = threading.Lock()
        self.failure = None

    # one chunk of whole offices, computed in memory with the services' own code
    def compute(self, rows):
        from services.milestones import commands

        # the events the milestones use cases return are dropped here (the read model is made by its
        # rebuild path instead): not building them halves the time; what is stored does not change
        commands._events = lambda *args, **kwargs: []
        commands._planned = lambda *args, **kwargs: None
        for district, members in generator.by_district(rows).items():
            table = generator.allocation_csv_of(members)
            self.assignment.import_allocation({"filename": f"bench-{district}.csv", "dry_run": False, "district": district,
                                               "content_b64": encoded(table), "actor": ADMIN})
        astore, mstore = self.stores["assignment"], self.stores["milestones"]
        for row in rows:
            centre = astore.get(row["id"])
            commands.reconcile_centre(mstore, self.plan, centre, self.now)
        for row in rows:
            office_actor = {"role": "office", "office": row["office"], "name": "bench"}
            for key, _status, day in generator.progress(row):
                current = mstore.latest(row["id"], key)
                if current is None or current["status"] == "done":
                    continue
                if current["owner"] == "inspection":
                    commands.system_complete(mstore, self.plan, commands.CompleteMilestone(
                        row["id"], key, "检查验收通过", commands.INSPECTIONS_ACTOR, at(day)))
                else:
                    commands.report_progress(mstore, self.plan, commands.ReportProgress(
                        row["id"], key, {"status": "done", "based_on_version": current["version"]}, office_actor, at(day)))
        for office in dict.fromkeys(r["office"] for r in rows):
            after = None
            while True:
                step = self.reporting.rebuild_page(office, after, 1000)
                after = step["next"]
                if after is None:
                    break

    def writer(self, db_names):
        client = MongoClient(self.uri)
        try:
            while True:
                item = self.pending.get()
                if item is None:
                    return
                name, coll, docs = item
                client[db_names[name]][coll].insert_many(docs, ordered=False)
                with self.lock:
                    self.written[(name, coll)] = self.written.get((name, coll), 0) + len(docs)
        except Exception as exc:
            self.failure = exc
            while self.pending.get() is not None:  # unblock the producer
                pass
        finally:
            client.close()

    def milestones_written(self, chunk_no, rows):
        """Whether the milestones store of chunk ``chunk_no`` (its centre ``rows``) is written: every chunk, or
        the first ``milestones_chunks`` and those with centres in ``milestones_area``."""
        if self.milestones_chunks is None and self.milestones_area is None:
            return True
        if self.milestones_chunks is not None and chunk_no < self.milestones_chunks:
            return True
        return bool(self.milestones_area) and any(r["district"].startswith(self.milestones_area) for r in rows)

    def flush(self, client, chunk_no, kept=False, rows=()):
        batches = []

        def collect(name):
            def insert(collection, docs):
                batches.append((name, collection.name, docs))
            return insert

        for name, mem in self.mem.items():
            skip = ()
            if name not in self.only or (name == "milestones" and not kept and not self.milestones_written(chunk_no, rows)):
                skip = tuple(mem.collections)
            skip += tuple(c for c in mem.collections if f"{name}.{c}" in self.skip)
            real = client[mem.name]
            # office by office: centres, milestones, revisions; the small shared collections (offices,
            # district totals, due days) are written once, after the last chunk
            mem.flush(real, batch=5000, skip=skip, insert=collect(name), kept=kept)
        if self.failure:
            raise self.failure
        for batch in batches:
            self.pending.put(batch)

    def run(self):
        client = MongoClient(self.uri)
        for name in self.mem:
            client.drop_database(self.mem[name].name)
        rows = list(generator.centres(self.scale))
        offices = list(dict.fromkeys(r["office"] for r in rows))
        chunks = chunked(rows)
        threads = [threading.Thread(target=self.writer, args=({n: m.name for n, m in self.mem.items()},), daemon=True)
                   for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        self.say("bulk load: {:,} centres in {} offices, {} chunks; writing {} (milestones: {}){}".format(
            len(rows), len(offices), len(chunks), ", ".join(sorted(self.only)),
            "all" if self.milestones_chunks is None and self.milestones_area is None else
            f"first {self.milestones_chunks or 0} chunk(s) and those of area {self.milestones_area or '-'}",
            "; not writing " + ", ".join(sorted(self.skip)) if self.skip else ""))
        self.reporting.rebuild_start()  # the rebuild's first step: an empty read model, its colours on today
        report = self.assignment.import_areas({"filename": "bench-areas.csv", "dry_run": False, "actor": ADMIN,
                                               "content_b64": encoded(generator.areas_csv(self.scale))})
        self.say("  area tree: " + report["message"])
        done = 0
        stopped = None
        for n, chunk in enumerate(chunks):
            if self.stop_file and os.path.exists(self.stop_file):
                stopped = n
                self.say(f"  stopped before chunk {n + 1} ({self.stop_file} exists): {done:,} centres of {len(rows):,} loaded")
                break
            self.compute(chunk)
            self.flush(client, n, rows=chunk)
            done += len(chunk)
            elapsed = time.perf_counter() - started
            inserted = sum(self.written.values())
            self.say(f"  chunk {n + 1:>3}/{len(chunks)}: {done:>8,} centres computed, {inserted:>10,} documents inserted,"
                     f" {elapsed:6.0f} s, {inserted / max(elapsed, 1e-9):5.0f} docs/s,"
                     f" load {os.getloadavg()[0]:.1f}")
        areas_started = time.perf_counter()
        placed = self.reporting.rebuild_areas()
        self.say("  area roll-ups (reporting.rebuild_areas): {offices:,} offices, {districts:,} districts, {s:.0f} s".format(
            s=time.perf_counter() - areas_started, **placed))
        self.flush(client, len(chunks), kept=True)
        for _thread in threads:
            self.pending.put(None)
        for thread in threads:
            thread.join()
        if self.failure:
            raise self.failure
        load_s = time.perf_counter() - started
        self.say("  all documents inserted in {:.0f} s: {}".format(load_s, ", ".join(
            f"{n}.{c} {k:,}" for (n, c), k in sorted(self.written.items()))))
        index_started = time.perf_counter()
        for name, cls in self.store_classes.items():
            store = cls(client[self.mem[name].name])
            store.ensure_indexes()
            made = pgindex.provision(store, self.dsn) if self.dsn else []
            self.say(f"  {name}: declared indexes and {len(made)} GIN indexes made ({time.perf_counter() - index_started:.0f} s so far)")
        client.close()
        loaded = rows[:done]
        return {"centres": done, "offices": len({r["office"] for r in loaded}), "programme": {
            "centres": len(rows), "offices": len(offices), "areas": generator.shape(self.scale)[:3],
            "chunks": len(chunks), "chunks loaded": len(chunks) if stopped is None else stopped,
            "provinces loaded": sorted({r["province"] for r in loaded})}, "documents": {
            f"{n}.{c}": k for (n, c), k in sorted(self.written.items())},
            "insert_seconds": round(load_s, 1), "index_seconds": round(time.perf_counter() - index_started, 1),
            "documents_per_second": round(sum(self.written.values()) / load_s)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scale", type=int)
    parser.add_argument("--prefix", required=True, help="the services' MONGO_DB_PREFIX")
    parser.add_argument("--only", default="assignment,milestones,reporting")
    parser.add_argument("--milestones-chunks", type=int, default=None,
                        help="write the milestones store for the first N chunks only")
    parser.add_argument("--milestones-area", default=None, help="and for the chunks with centres in this area (e.g. 11)")
    parser.add_argument("--skip", default="", help="collections not written, e.g. assignment.centre_revisions")
    parser.add_argument("--private", action="store_true", help="the bench's own store (tests/bench/privstore.py)")
    parser.add_argument("--stop-file", help="when this file exists, load no further chunk: finish with the chunks loaded "
                        "(area roll-ups, the kept collections, indexes), a programme cut at whole districts")
    parser.add_argument("--summary", help="also write the summary (JSON) to this file")
    args = parser.parse_args()
    if args.private:
        from tests.bench import privstore
        privstore.use()
    summary = Loader(args.scale, args.prefix, only=args.only.split(","), milestones_chunks=args.milestones_chunks,
                     skip=[c for c in args.skip.split(",") if c], say=lambda text: print(text, flush=True),
                     milestones_area=args.milestones_area, stop_file=args.stop_file).run()
    text = json.dumps(summary, ensure_ascii=False)
    print(text)
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
