"""``make bench``: figures for the product's paths beside the framework's floor (never a timed test).

    .venv/bin/python -m tests.bench.run --scales 105,10000 [--rounds 50]

For each scale, a synthetic programme (tests/bench/generator.py) is imported through the
HTTP API into a fresh stack: every service as its own ``nameko run`` process on a vhost and
database prefix of its own, on the shared broker and store (tests/bench/stack.py). Floors are
measured in the same run on the same broker and store: a no-op nameko RPC round trip (1 and
10 concurrent callers), a nameko event from dispatch to handler, pymongo ``insert_one`` and
``find_one({_id})``. Product paths: import (HTTP, and until every centre's milestones exist),
progress updates through HTTP (1 and 10 concurrent clients), ``GET /api/progress``,
``GET /api/overdue`` for one day, one notifications scan (``POST /api/overdue/scan``), the
Excel report, and each service's peak resident memory. Figures are printed and appended as
JSON lines to var/bench/results.jsonl.
"""
import warnings

with warnings.catch_warnings():  # eventlet announces its own deprecation on import
    warnings.simplefilter("ignore", DeprecationWarning)
    import eventlet

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import requests  # noqa: E402
from nameko.standalone.events import event_dispatcher  # noqa: E402
from nameko.standalone.rpc import ClusterRpcClient  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from shared import pgindex  # noqa: E402
from shared.config import setting  # noqa: E402
from tests.bench import generator  # noqa: E402
from tests.bench.stack import Stack  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

DAY = "2018-01-05"  # the overdue list and the scan: a day when many milestones are late
RESULTS = os.path.join(ROOT, "var", "bench", "results.jsonl")


def stats(samples):
    samples = sorted(samples)
    if not samples:
        return {"n": 0}
    pick = lambda q: samples[min(len(samples) - 1, int(round(q * (len(samples) - 1))))]  # noqa: E731
    return {"n": len(samples), "p50": statistics.median(samples), "p99": pick(0.99), "max": samples[-1]}


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return (time.perf_counter() - start) * 1000, value


def concurrently(clients, work):
    """Run ``work(i)`` for i in range(clients) at once; returns (all samples, wall seconds)."""
    pool = eventlet.GreenPool(clients)
    start = time.perf_counter()
    results = list(pool.imap(work, range(clients)))
    return [s for r in results for s in r], time.perf_counter() - start


class Bench:
    def __init__(self, scale, rounds, reuse=None):
        self.scale, self.rounds, self.reuse = scale, rounds, reuse
        self.figures = {"scale": scale, "date": time.strftime("%Y-%m-%d %H:%M:%S"), "store": setting("MONGO_URI")}
        self.stack = Stack(reuse)

    def say(self, label, value):
        self.figures[label] = value
        if isinstance(value, dict) and "p50" in value:
            text = "p50 {p50:9.1f} ms  p99 {p99:9.1f} ms  (n={n})".format(**value)
        elif isinstance(value, float):
            text = "{:9.1f}".format(value)
        else:
            text = str(value)
        print("  {:<52} {}".format(label, text), flush=True)

    def floors(self, rpc):
        self.say("floor: nameko RPC no-op, 1 caller", stats([timed(rpc.bench_floor.noop)[0]
                                                              for _ in range(self.rounds * 4)]))
        def caller(_i):  # one client each: a standalone client is not shared between callers
            with ClusterRpcClient(uri=self.stack.amqp_uri, timeout=60) as own:
                own.bench_floor.noop()
                return [timed(own.bench_floor.noop)[0] for _ in range(self.rounds)]
        samples, wall = concurrently(10, caller)
        self.say("floor: nameko RPC no-op, 10 callers", stats(samples))
        self.say("floor: nameko RPC no-op, 10 callers, calls/s", len(samples) / wall)
        dispatch = event_dispatcher(uri=self.stack.amqp_uri)
        for _ in range(self.rounds * 2):
            dispatch("bench_floor", "ping", {"sent": time.time()})
            time.sleep(0.01)
        time.sleep(1)
        self.say("floor: nameko event, dispatch to handler", stats(rpc.bench_floor.latencies()))
        client = MongoClient(setting("MONGO_URI"))
        client.drop_database(self.stack.tag + "_floor")
        db = client[self.stack.tag + "_floor"]

        holder = type("Holder", (), {})()
        holder.docs = db.docs  # what shared.pgindex reads: a store holding its collections
        db.docs.insert_one({"_id": "seed"})
        pgindex.provision(holder, setting("POSTGRES_DSN"))
        ids = ["d{}".format(i) for i in range(self.rounds * 4)]
        self.say("floor: pymongo insert_one", stats([timed(lambda i=i: db.docs.insert_one(
            {"_id": i, "office": "x", "status": "done"}))[0] for i in ids]))
        self.say("floor: pymongo find_one({_id})", stats([timed(lambda i=i: db.docs.find_one({"_id": i}))[0]
                                                         for i in ids]))
        client.close()

    def import_programme(self, http):
        # an import file holds at most 5,000 rows (services/assignment/allocation.py): whole offices per file
        lines = generator.allocation_csv(self.scale).splitlines(keepends=True)
        per_file = generator.CENTRES_PER_OFFICE * (5000 // generator.CENTRES_PER_OFFICE)
        files = [lines[0] + "".join(lines[i:i + per_file]) for i in range(1, len(lines), per_file)]
        centres = list(generator.centres(self.scale))
        ms = 0.0
        for n, text in enumerate(files):
            upload = {"file": ("bench{}.csv".format(n), text.encode("utf-8"))}
            took, response = timed(lambda upload=upload: http.post(self.stack.base + "/api/imports/allocation",
                                                                   timeout=3600, files=upload))
            if not response.ok:
                raise RuntimeError("import refused: {} {}".format(response.status_code, response.text[:500]))
            ms += took
        self.say("import through HTTP, {} file(s) (ms)".format(len(files)), ms)
        start = time.perf_counter()
        probes = [centres[-1]["id"], centres[len(centres) // 2]["id"], centres[0]["id"]]
        while not all(http.get("{}/api/centres/{}/milestones".format(self.stack.base, c), timeout=600).ok
                      for c in probes):
            if time.perf_counter() - start > 3600:
                raise RuntimeError("milestones did not appear within an hour")
            time.sleep(1)
        self.say("import: until the last centre's milestones exist (ms)", ms + (time.perf_counter() - start) * 1000)
        return centres

    def progress(self, http, centres):
        per_office = {}
        for c in centres:
            per_office.setdefault(c["office"], c)
        # as the bureau (admin): an office token per office would cost a full office list each
        # (gateway.create_token -> assignment.list_offices), minutes at 10,000 centres
        targets = []
        for centre in list(per_office.values())[:100]:
            body = http.get("{}/api/centres/{}/milestones".format(self.stack.base, centre["id"]), timeout=600).json()
            for m in body["milestones"]:
                if m["status"] != "done" and m.get("owner", "office") == "office":  # inspection ones: inspectors
                    targets.append([centre["id"], m["key"], m["version"]])
        conflicts = []

        def report(target):
            url = "{}/api/centres/{}/milestones/{}/progress".format(self.stack.base, target[0], target[1])
            headers = {"Authorization": http.headers["Authorization"]}
            ms, response = timed(lambda: requests.post(url, headers=headers, timeout=600, json={
                "status": "in_progress", "percent": 10 + target[2] % 80, "based_on_version": target[2]}))
            if response.status_code == 200:
                target[2] += 1
            else:
                conflicts.append(response.status_code)
            return ms

        self.say("progress update (HTTP), 1 client", stats([report(targets[i % len(targets)])
                                                            for i in range(self.rounds * 2)]))
        share = [targets[i::10] for i in range(10)]
        samples, wall = concurrently(10, lambda i: [report(share[i][j % len(share[i])]) for j in range(self.rounds)])
        self.say("progress update (HTTP), 10 clients", stats(samples))
        self.say("progress update (HTTP), 10 clients, updates/s", len(samples) / wall)
        self.say("progress update: refused (status: count)", {c: conflicts.count(c) for c in set(conflicts)} or "none")

    def reads(self, http):
        few = max(3, self.rounds // 10)
        get = lambda path: http.get(self.stack.base + path, timeout=3600).raise_for_status()  # noqa: E731
        self.say("GET /api/progress (roll-up)", stats([timed(lambda: get("/api/progress"))[0] for _ in range(few)]))
        self.say("GET /api/overdue?as_of=" + DAY, stats([timed(lambda: get("/api/overdue?as_of=" + DAY))[0]
                                                          for _ in range(few)]))
        ms, response = timed(lambda: http.post(self.stack.base + "/api/overdue/scan", json={"as_of": DAY}, timeout=3600))
        response.raise_for_status()
        self.say("notifications scan of one day (ms)", ms)
        ms, response = timed(lambda: http.get(self.stack.base + "/api/reports/progress.xlsx", timeout=3600))
        response.raise_for_status()
        self.say("Excel report (ms)", ms)
        self.say("Excel report size (bytes)", len(response.content))

    def run(self):
        print("scale {:,} centres (store {}, services as processes)".format(self.scale, setting("MONGO_URI")),
              flush=True)
        self.stack.start()
        try:
            with ClusterRpcClient(uri=self.stack.amqp_uri, timeout=900) as rpc:
                self.floors(rpc)
                token = rpc.gateway.create_token("admin", None, "bench")["token"]
            http = requests.Session()
            http.headers["Authorization"] = "Bearer " + token
            centres = list(generator.centres(self.scale)) if self.reuse else self.import_programme(http)
            self.progress(http, centres)
            self.reads(http)
            self.say("peak memory per service (MiB)", {k: round(v or 0) for k, v in self.stack.peak_memory_mib().items()})
        finally:
            self.stack.stop()
        os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(self.figures, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="105,10000")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--reuse", help="the prefix of a stack whose import completed: skip the import")
    args = parser.parse_args()
    for scale in sorted(int(s) for s in args.scales.split(",") if s.strip()):
        Bench(scale, args.rounds, args.reuse).run()


if __name__ == "__main__":
    main()
