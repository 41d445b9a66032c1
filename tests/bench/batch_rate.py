"""The read model's side of an import, alone: import-shaped batches applied straight to the reporting store,
with the store's round trips counted (a figure, never a timed test).

    POSTGRES_DSN=postgresql://postgres@127.0.0.1:54320/ferretdb \\
        .venv/bin/python -m tests.bench.batch_rate --centres 2000 [--apart]

For each chunk of 500 synthetic centres (tests/bench/generator.py) it loads the ``centres_registered`` and
``milestones_planned_batch`` payloads through their schemas, as the service does, and applies them as one
change (``batch.apply_centres_and_planned``: the two batches met) or, with ``--apart``, one after the other
(``apply_centres`` then ``apply_planned``: what happens when they do not meet). Prints centres/s, the
process's own CPU seconds, and per store command its count and seconds, as JSON. Uses a database of its
own on the shared store (``MONGO_URI``), dropped at the end.
"""
import argparse
import collections
import json
import os
import time
from datetime import UTC, datetime

from pymongo import MongoClient, monitoring

from services.reporting import batch
from services.reporting.store import ReportingStore
from shared import pgindex
from shared.schemas.assignment import CentresRegisteredSchema
from shared.schemas.milestones import MilestonesPlannedBatchSchema
from shared.settings import settings
from tests.bench import generator

CHUNK = 500  # as services/assignment/commands.py
DAY = "2017-03-01"


class Commands(monitoring.CommandListener):
    def __init__(self):
        self.count, self.seconds = collections.Counter(), collections.Counter()

    def started(self, event):
        self.count[event.command_name] += 1

    def succeeded(self, event):
        self.seconds[event.command_name] += event.duration_micros / 1e6

    def failed(self, event):
        pass


def payloads(count):
    """(centres_registered, milestones_planned_batch) payloads, one pair per chunk, as the services dump them."""
    at = datetime(2017, 3, 1, 1, tzinfo=UTC)
    rows = list(generator.centres(count))
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        centres = [{**c, "deadline": generator.month_end(c["deadline"]), "remark": "", "version": 1, "updated_at": at}
                   for c in chunk]
        planned = [{"centre_id": c["id"], "office": c["office"], "at": at, "milestones": [
            {"key": key, "phase": phase, "title": key, "owner": "office", "order": order, "due": due, "phase_end": due,
             "status": "not_started", "version": 1} for key, phase, order, due in generator.milestones_of(c)]}
            for c in chunk]
        yield (CentresRegisteredSchema().dump({"centres": centres}),
               MilestonesPlannedBatchSchema().dump({"planned": planned}))


def run(count, apart):
    listener = Commands()
    client = MongoClient(settings().mongo_uri, tz_aware=True, event_listeners=[listener])
    name = f"batchrate{os.getpid()}_reporting"
    store = ReportingStore(client[name])
    try:
        store.ensure_indexes()
        pgindex.provision(store)
        data = list(payloads(count))
        listener.count.clear()
        listener.seconds.clear()
        load, start, cpu = os.getloadavg()[0], time.perf_counter(), time.process_time()
        now = datetime.now(UTC)
        for registered, planned in data:
            centres = CentresRegisteredSchema().load(registered)["centres"]
            plan = MilestonesPlannedBatchSchema().load(planned)["planned"]
            if apart:
                batch.apply_centres(store, centres, DAY, now)
                batch.apply_planned(store, plan, DAY, now)
            else:
                batch.apply_centres_and_planned(store, centres, plan, DAY, now)
        elapsed = time.perf_counter() - start
        district = store.district_doc()["fig"]
        assert district.get("centres") == count, district.get("centres")
        figures = {"centres": count, "apart": apart, "seconds": round(elapsed, 2),
                   "centres_per_s": round(count / elapsed, 1), "cpu_s": round(time.process_time() - cpu, 2),
                   "round_trips_per_centre": round(sum(listener.count.values()) / count, 3),
                   "commands": {k: [listener.count[k], round(listener.seconds[k], 2)] for k in sorted(listener.count)},
                   "load_before": load, "load_after": os.getloadavg()[0]}
    finally:
        client.drop_database(name)
        client.close()
    print(json.dumps(figures), flush=True)
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--centres", type=int, default=2000)
    parser.add_argument("--apart", action="store_true", help="apply the two batches one after the other")
    args = parser.parse_args()
    run(args.centres, args.apart)


if __name__ == "__main__":
    main()
