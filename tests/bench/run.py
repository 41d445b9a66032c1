"""``make bench``: figures for the product's paths beside the framework's floor (never a timed test).

    .venv/bin/python -m tests.bench.run --scales 105,10000 [--rounds 50] [--bulk-from 50000]

For each scale, a synthetic programme in the country's shape (tests/bench/generator.py: provinces,
cities, districts, offices) is imported through the HTTP API into a fresh stack (the area table, then one
allocation table per district): every service as its own ``nameko run`` process on a vhost and
database prefix of its own, on the shared broker and the bench's own store (FerretDB on :27037
over PostgreSQL on :54330 under var/bench-pg, tests/bench/privstore.py; ``--store shared`` uses
the shared one). Scales of ``--bulk-from`` centres and more are bulk-loaded into the stores
instead (tests/bench/loader.py: the services' own code in memory, then ``insert_many``): an
import through HTTP would take hours there. Floors are
measured in the same run on the same broker and store: a no-op nameko RPC round trip (1 and
10 concurrent callers), a nameko event from dispatch to handler, pymongo ``insert_one`` and
``find_one({_id})``. Product paths: import (HTTP, and until every centre's milestones exist),
progress updates through HTTP (1 and 10 concurrent clients), the roll-up page of the first province, city
and district (``GET /api/areas/CODE/rollup``), the overdue list of a district and of a province
(``GET /api/overdue?area=CODE``), one notifications scan (``POST /api/overdue/scan``), the Excel report of
one district (``GET /api/reports/progress.xlsx?area=``) and, as an export job, of a province
(``POST /api/exports``), ``GET /api/progress``, ``GET /api/overdue`` of the whole installation,
``GET /api/offices``, one office's centre summaries, and each service's peak resident memory. A route
this build does not have (404/405, or a query it refuses) is recorded as "not available in this run"
with the answer, never as a figure. The load average is printed beside each step (the machine is shared). Figures
are printed as they are taken (a run stopped half-way keeps them) and appended as JSON lines to
var/bench/results.jsonl, also after each step.
"""
import warnings

with warnings.catch_warnings():  # eventlet announces its own deprecation on import
    warnings.simplefilter("ignore", DeprecationWarning)
    import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import requests  # noqa: E402
from nameko.standalone.events import event_dispatcher  # noqa: E402
from nameko.standalone.rpc import ClusterRpcClient  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from shared import clock, pgindex  # noqa: E402  (clock: the services' today, in their time zone, not UTC's)
from shared.settings import settings  # noqa: E402
from tests.bench import generator, privstore  # noqa: E402
from tests.bench.excel_job import excel_report  # noqa: E402
from tests.bench.measure import NOT_AVAILABLE, outside, unavailable  # noqa: E402
from tests.bench.stack import Stack  # noqa: E402
from tests.support.paths import ROOT  # noqa: E402

DAY = "2018-01-05"  # the overdue list and the scan: a day when many milestones are late
EXPORT_BUDGET_S = 1800  # the province's export job: given up (and said so) after this long
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


def load_average():
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


class Bench:
    def __init__(self, scale, rounds, reuse=None, bulk=False, keep=False, milestones_chunks=None, skip="", excel=True,
                 milestones_area=None):
        self.scale, self.rounds, self.reuse, self.bulk, self.excel = scale, rounds, reuse, bulk, excel
        self.milestones_chunks, self.milestones_area, self.skip = milestones_chunks, milestones_area, skip
        self.figures = {"scale": scale, "date": time.strftime("%Y-%m-%d %H:%M:%S"), "store": settings().mongo_uri,
                        "run": "reuse" if reuse else "bulk" if bulk else "http import"}
        self.stack = Stack(reuse, keep=keep or bool(reuse) or bulk)
        self.areas = {level: generator.first_area(scale, level) for level in ("province", "city", "district")}
        self.figures["shape (provinces, cities, districts, offices)"] = generator.shape(scale)
        self.figures["areas measured"] = self.areas

    def save(self):
        os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(self.figures, ensure_ascii=False) + "\n")

    def say(self, label, value):
        self.figures[label] = value
        if isinstance(value, dict) and "p50" in value:
            text = "p50 {p50:9.1f} ms  p99 {p99:9.1f} ms  (n={n})".format(**value)
        elif isinstance(value, float):
            text = f"{value:9.1f}"
        else:
            text = str(value)
        print(f"  {label:<52} {text}   [load {load_average()}]", flush=True)

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
        client = MongoClient(settings().mongo_uri)
        client.drop_database(self.stack.tag + "_floor")
        db = client[self.stack.tag + "_floor"]

        holder = type("Holder", (), {})()
        holder.docs = db.docs  # what shared.pgindex reads: a store holding its collections
        db.docs.insert_one({"_id": "seed"})
        pgindex.provision(holder, settings().postgres_dsn)
        ids = [f"d{i}" for i in range(self.rounds * 4)]
        self.say("floor: pymongo insert_one", stats([timed(lambda i=i: db.docs.insert_one(
            {"_id": i, "office": "x", "status": "done"}))[0] for i in ids]))
        self.say("floor: pymongo find_one({_id})", stats([timed(lambda i=i: db.docs.find_one({"_id": i}))[0]
                                                         for i in ids]))
        client.close()

    def import_programme(self, http):
        # the area table first, then one allocation table per district, into its district (docs/areas.md)
        areas = {"file": ("bench-areas.csv", generator.areas_csv(self.scale).encode("utf-8"))}
        ms, response = timed(lambda: http.post(self.stack.base + "/api/areas/import", timeout=3600, files=areas))
        if not response.ok:
            raise RuntimeError(f"area import refused: {response.status_code} {response.text[:500]}")
        self.say("import of the area table through HTTP (ms)", ms)
        centres = list(generator.centres(self.scale))
        files = generator.by_district(centres)
        for district, rows in files.items():
            upload = {"file": (f"bench-{district}.csv", generator.allocation_csv_of(rows).encode("utf-8"))}
            took, response = timed(lambda upload=upload, district=district: http.post(
                self.stack.base + "/api/imports/allocation", timeout=3600, files=upload, data={"district": district}))
            if not response.ok:
                raise RuntimeError(f"import refused: {response.status_code} {response.text[:500]}")
            ms += took
        self.say(f"import through HTTP, the area table and {len(files)} district file(s) (ms)", ms)
        start = time.perf_counter()
        probes = [centres[-1]["id"], centres[len(centres) // 2]["id"], centres[0]["id"]]
        while not all(http.get(f"{self.stack.base}/api/centres/{c}/milestones", timeout=600).ok
                      for c in probes):
            if time.perf_counter() - start > 3600:
                raise RuntimeError("milestones did not appear within an hour")
            time.sleep(1)
        self.say("import: until the last centre's milestones exist (ms)", ms + (time.perf_counter() - start) * 1000)
        expected = sum(len(list(generator.milestones_of(c))) for c in centres)
        total = None
        while total != expected and time.perf_counter() - start < 3600:
            time.sleep(2)
            total = http.get(self.stack.base + "/api/progress", timeout=600).json().get("totals", {}).get("total")
        self.say("import: until the read model holds every milestone (ms)",
                 f"{ms + (time.perf_counter() - start) * 1000:.1f} ({total} of {expected})")
        return centres

    def bulk_load(self):
        """The programme put into the stores directly (tests/bench/loader.py, its own process: no eventlet)."""
        summary = os.path.join(ROOT, "var", "bench", f"load-{self.stack.tag}.json")
        os.makedirs(os.path.dirname(summary), exist_ok=True)
        command = [sys.executable, "-m", "tests.bench.loader", str(self.scale), "--prefix", self.stack.tag,
                   "--summary", summary]
        if self.milestones_chunks is not None:
            command += ["--milestones-chunks", str(self.milestones_chunks)]
        if self.milestones_area:
            command += ["--milestones-area", self.milestones_area]
        if self.skip:
            command += ["--skip", self.skip]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True)
        with open(summary, encoding="utf-8") as fh:
            self.say("bulk load (not the import path)", json.load(fh))
        self.say("bulk load: total seconds", time.perf_counter() - start)

    def peaks(self):
        return {k: round(v or 0) for k, v in self.stack.peak_memory_mib().items()}

    def progress(self, http, centres):
        per_office = {}
        for c in centres:
            per_office.setdefault(c["office"], c)
        # as the bureau (admin): one token for every request
        targets = []
        for centre in list(per_office.values())[:100]:
            body = http.get("{}/api/centres/{}/milestones".format(self.stack.base, centre["id"]), timeout=600).json()
            for m in body["milestones"]:
                if m["status"] != "done" and m.get("owner", "office") == "office":  # inspection ones: inspectors
                    targets.append([centre["id"], m["key"], m["version"]])
        conflicts = []

        def report(target):
            url = f"{self.stack.base}/api/centres/{target[0]}/milestones/{target[1]}/progress"
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

    def sample(self, http, label, path, budget_s=120):
        """A few timed GETs of ``path``, fewer when they are slow (at most ``budget_s`` after the first); the last
        response, or None when the route did not answer 2xx (recorded as such, no figure)."""
        few = max(3, self.rounds // 10)
        samples = []
        while len(samples) < few and (not samples or sum(samples) / 1000 < budget_s):
            ms, response = timed(lambda: http.get(self.stack.base + path, timeout=3600))
            if not response.ok:
                self.say(label, unavailable(response))
                return None
            samples.append(ms)
        self.say(label, stats(samples))
        return response

    def area_reads(self, http):
        """The roll-up page of a province, a city and a district; the overdue list of a district and a province."""
        for level in ("province", "city", "district"):
            code = self.areas[level]
            response = self.sample(http, f"GET /api/areas/<{level}>/rollup", f"/api/areas/{code}/rollup")
            if response is not None:
                body = response.json()
                self.say(f"  {level} {code}: offices / children / milestones", "{} / {} / {}".format(
                    body["area"].get("offices"), len(body.get("children", [])), body["area"].get("total")))
        for level in ("district", "province"):
            for day in (None, DAY):  # today's list (the desk's), and a past day's (from the revisions)
                self.area_overdue(http, level, day)

    def area_overdue(self, http, level, day):
        code = self.areas[level]
        when = f"&as_of={day}" if day else ""
        label = f"GET /api/overdue?area=<{level}>" + (f"&as_of={day}" if day else " (today)")
        response = self.sample(http, label, f"/api/overdue?area={code}{when}")
        if response is None:
            return
        body = response.json()
        items = body.get("items", [])
        stray = outside(items, code)
        rollup = http.get(f"{self.stack.base}/api/areas/{code}/rollup" + (f"?as_of={day}" if day else ""), timeout=600)
        counted = rollup.json()["area"].get("overdue") if rollup.ok else None
        self.say(f"  {label}: total / items on the page / the roll-up's overdue milestones", "{} / {} / {}{}".format(
            body.get("total"), len(items), counted, f" (NOT the area's: {len(stray)} items outside it)" if stray else ""))
        if stray:  # the route answered but ignored the area: its time is not the area list's figure
            self.figures[label] = f"{NOT_AVAILABLE} (the answer ignored area=: {len(stray)} of {len(items)} items outside {code})"
        elif not items and counted:  # an empty answer where the roll-up counts overdue milestones: not a figure
            self.figures[label] = f"{NOT_AVAILABLE} (answered empty while the roll-up counts {counted} overdue: {self.figures[label]})"
        self.read_model_part(level, code, day)

    def read_model_part(self, level, code, day):
        """Where the overdue list's time goes: the read model's page alone (RPC ``reporting.overdue_page``)."""
        label = f"  of which the read model's page (RPC reporting.overdue_page, area=<{level}>, as_of {day or 'today'})"
        try:
            with ClusterRpcClient(uri=self.stack.amqp_uri, timeout=900) as rpc:
                self.say(label, stats([timed(lambda: rpc.reporting.overdue_page(
                    {"as_of": day or clock.today().isoformat(), "area": code, "offset": 0, "limit": 100}))[0] for _ in range(3)]))
        except Exception as exc:  # e.g. a build without area lists: said, not measured
            self.say(label, f"{NOT_AVAILABLE} ({type(exc).__name__}: {str(exc)[:200]})")

    def district_excel(self, http):
        code = self.areas["district"]
        ms, response = timed(lambda: http.get(f"{self.stack.base}/api/reports/progress.xlsx?area={code}", timeout=3600))
        if not response.ok:
            self.say("Excel report of one district (ms)", unavailable(response))
            return
        self.say("Excel report of one district (ms)", ms)
        self.say("Excel report of one district: bytes", len(response.content))

    def province_export(self, http):
        """The province's Excel report: through an export job (started, polled until done, then downloaded)."""
        label = "Excel report of one province, export job (ms)"
        try:
            ms, size, job = excel_report(http, self.stack.base, area=self.areas["province"], as_of=clock.today().isoformat(),
                                         timeout=EXPORT_BUDGET_S)
        except Exception as exc:  # a build without export jobs, or a job that failed: said, not measured
            self.say(label, f"{NOT_AVAILABLE} ({type(exc).__name__}: {str(exc)[:200]})")
            return
        self.say(label + ("" if job else " (downloaded directly)"), ms)
        self.say("Excel report of one province: bytes / rows", f"{size} / {job['rows'] if job else '-'}")

    def reads(self, http):
        def sample(label, path, budget_s=120):
            response = self.sample(http, label, path, budget_s)
            if response is None:
                raise RuntimeError(f"{path}: {self.figures[label]}")
            return response

        sample("GET /api/progress?order=rank&limit=50 (the overview's roll-up)", "/api/progress?order=rank&limit=50")
        sample("GET /api/progress?order=rank&offset=<middle>&limit=50", "/api/progress?order=rank&limit=50&offset={}".format(
            http.get(self.stack.base + "/api/progress?limit=1", timeout=600).json()["offices_total"] // 2))
        sample("GET /api/progress (a page of 1,000 offices in table order)", "/api/progress")
        body = sample("GET /api/overdue?as_of=" + DAY, "/api/overdue?as_of=" + DAY).json()
        self.say("GET /api/overdue: total / items on the page", "{} / {}".format(body.get("total"), len(body.get("items", []))))
        office = generator.office_name(1, self.scale)
        sample("GET /api/centre-summaries?office=<one office>", "/api/centre-summaries?limit=20&office=" + office)
        sample("GET /api/offices/<office>/summary", f"/api/offices/{office}/summary")
        sample("GET /api/offices?limit=100 (one page)", "/api/offices?limit=100")
        sample("GET /api/offices?offset=<last page>&limit=100", "/api/offices?limit=100&offset={}".format(
            max(0, http.get(self.stack.base + "/api/offices?limit=1", timeout=600).json()["total"] - 100)))
        if not self.excel:
            self.say("Excel report of every office (ms)", "not run (--no-excel): linear in centres, see the smaller scales")
            return
        ms, size, job = excel_report(http, self.stack.base)  # a large installation: through an export job
        self.say("Excel report of every office (ms)" + (" (export job)" if job else ""), ms)
        self.say("Excel report of every office: bytes", size)

    def scan(self, http):
        ms, response = timed(lambda: http.post(self.stack.base + "/api/overdue/scan", json={"as_of": DAY}, timeout=3600))
        if not response.ok:
            self.say("notifications scan of one day (ms)", unavailable(response))
            return
        self.say("notifications scan of one day (ms)", ms)
        self.say("notifications scan: result", response.json())

    def run(self):
        print("scale {:,} centres (store {}, services as processes, {}); load average {}".format(
            self.scale, settings().mongo_uri, self.figures["run"], load_average()), flush=True)
        if self.bulk and not self.reuse:
            self.bulk_load()
            self.save()
        summary = os.path.join(ROOT, "var", "bench", f"load-{self.stack.tag}.json")
        if self.reuse and os.path.exists(summary):  # loaded before (tests.bench.loader --summary): its figures too
            with open(summary, encoding="utf-8") as fh:
                self.say("bulk load, before this run (not the import path)", json.load(fh))
        self.stack.start()
        try:
            with ClusterRpcClient(uri=self.stack.amqp_uri, timeout=900) as rpc:
                self.floors(rpc)
                token = rpc.gateway.create_token("admin", None, "bench")["token"]
            http = requests.Session()
            http.headers["Authorization"] = "Bearer " + token
            centres = list(generator.centres(self.scale)) if self.reuse or self.bulk else self.import_programme(http)
            self.save()
            # the targets first (a run stopped part-way keeps them), then the figures of the last bench
            for step in (self.area_reads, lambda http: self.progress(http, centres), self.district_excel, self.scan,
                         self.province_export, self.reads):
                try:
                    step(http)
                except Exception as exc:  # a step that broke is said, and the next ones still measured
                    self.say(f"step {getattr(step, '__name__', 'progress')} failed", f"{type(exc).__name__}: {exc}"[:500])
                self.save()
                self.say("peak memory per service so far (MiB)", self.peaks())
            self.say("peak memory per service (MiB)", self.peaks())
        finally:
            self.stack.stop()
            self.save()
        if self.stack.keep:
            print(f"  the stores were kept: measure again with --reuse {self.stack.tag}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="105,10000")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--reuse", help="the prefix of a stack whose import or load completed: skip it")
    parser.add_argument("--bulk-from", type=int, default=50000,
                        help="bulk-load the stores (tests/bench/loader.py) at this many centres and more")
    parser.add_argument("--milestones-chunks", type=int, default=None,
                        help="bulk loads: write the milestones store for the first N chunks (whole districts, ~294 offices) only")
    parser.add_argument("--milestones-area", default=None,
                        help="bulk loads: write the milestones store for the chunks of this area (and --milestones-chunks)")
    parser.add_argument("--skip", default="", help="bulk loads: collections not written (e.g. assignment.centre_revisions)")
    parser.add_argument("--keep", action="store_true", help="keep the databases after the run (for --reuse)")
    parser.add_argument("--no-excel", action="store_true", help="skip the Excel report of every office (minutes at 700,000 centres; "
                        "the district's report and the province's export job are still measured)")
    parser.add_argument("--store", choices=("private", "shared"), default="private",
                        help="the bench's own FerretDB/PostgreSQL (default) or the shared one")
    parser.add_argument("--stop-store", action="store_true", help="stop the bench's own store afterwards")
    args = parser.parse_args()
    if args.store == "private":
        privstore.use()
    try:
        for scale in sorted(int(s) for s in args.scales.split(",") if s.strip()):
            Bench(scale, args.rounds, args.reuse, bulk=scale >= args.bulk_from, keep=args.keep,
                  milestones_chunks=args.milestones_chunks, skip=args.skip, excel=not args.no_excel,
                  milestones_area=args.milestones_area).run()
    finally:
        if args.store == "private" and args.stop_store:
            privstore.down()


if __name__ == "__main__":
    main()
