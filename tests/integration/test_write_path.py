"""Store round trips of one progress update (docs/write-path.md): every command the services send to the
real store is counted with a pymongo ``CommandListener``, per service database."""
from collections import Counter
from datetime import UTC, date, datetime

import eventlet
import pytest
from pymongo import MongoClient, monitoring

from services.milestones import commands
from services.milestones import plan as plans
from services.milestones.commands import ReportProgress
from services.milestones.store import MilestoneStore
from shared import mongo
from shared.settings import settings
from tests.support.waiting import wait_for

NOW = datetime(2017, 3, 1, 1, tzinfo=UTC)
OFFICE = {"role": "office", "office": "丰庆路街道", "name": "t"}
PILOT = {"id": "js01-c01", "name": "四月天社区", "level": "community", "office": "丰庆路街道",
         "deadline": date(2017, 6, 30), "pilot": True, "version": 1}


MILESTONES = 100 * 6 + 5 * 8  # the Jinshui table: 100 centres with 6 milestones, 5 pilots with 8


# the reads timers make every few seconds whatever happens: the read model's pending projections and its import
# pairing's sweep, the gateway's export jobs waiting to run (counted, they would never let the stack fall quiet)
TIMER_READS = {("find", "projection_pending"), ("find", "pair_stash"), ("find", "export_jobs")}


class RoundTrips(monitoring.CommandListener):
    """Commands sent to the store while ``counting``, by database and by command name."""

    def __init__(self):
        self.counting = False
        self.by_db, self.by_command = Counter(), Counter()

    def started(self, event):
        collection = event.command.get(event.command_name)
        if self.counting and (event.command_name, collection) not in TIMER_READS:
            self.by_db[event.database_name] += 1
            self.by_command[(event.database_name, event.command_name, collection)] += 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass

    def count(self, work):
        self.by_db.clear()
        self.by_command.clear()
        self.counting = True
        try:
            result = work()
        finally:
            self.counting = False
        return result, sum(self.by_db.values())


@pytest.fixture
def milestones_store(mongo_prefix):
    trips = RoundTrips()
    client = MongoClient(settings().mongo_uri, tz_aware=True, event_listeners=[trips])
    store = MilestoneStore(client[mongo.database_name("milestones")])
    store.ensure_indexes()
    plan = plans.load(plans.DEFAULT_PLAN)
    commands.reconcile_centre(store, plan, PILOT, NOW)
    yield store, plan, trips
    client.close()


def update(version, status, percent=None):
    return {"status": status, "percent": percent, "note": "", "reason": "", "based_on_version": version, "evidence": []}


def test_one_progress_update_in_the_milestones_service(milestones_store):
    store, plan, trips = milestones_store
    key = "p3_construction"
    in_progress = ReportProgress(PILOT["id"], key, update(1, "in_progress", 30), OFFICE, NOW, "r1")
    _, progress = trips.count(lambda: commands.report_progress(store, plan, in_progress))
    _, done = trips.count(lambda: commands.report_progress(store, plan, ReportProgress(PILOT["id"], key, update(2, "done"),
                                                                                       OFFICE, NOW, "r2")))
    print(f"\nmilestones round trips: in progress {progress}, done {done}")
    assert (progress, done) == (8, 8)


@pytest.fixture
def counted_stack(request, monkeypatch, clock):
    """The whole stack, every service's store client counting its commands."""
    trips = RoundTrips()
    monkeypatch.setattr(mongo, "MongoClient", lambda *a, **kw: MongoClient(*a, event_listeners=[trips], **kw))
    stack = request.getfixturevalue("stack")
    clock.set("2017-03-01")
    stack.import_jinshui()
    wait_for(lambda: stack.get("/api/progress").json()["totals"]["total"] == MILESTONES, "milestones of all 105 centres")
    return stack, trips


def _quiet(trips, seconds=3.0):
    """Wait until no service has sent a command for ``seconds`` (the events of the update are handled)."""
    last = -1
    while True:
        eventlet.sleep(seconds)
        now = sum(trips.by_db.values())
        if now == last:
            return
        last = now


def test_one_progress_update_through_the_stack(counted_stack, mongo_prefix):
    stack, trips = counted_stack
    headers = stack.headers("office", OFFICE["office"])  # the token is made before counting
    url = "/api/centres/js01-c01/milestones/p3_construction/progress"

    def post(status, percent, version):
        response = stack.http.post(url, headers={**headers, "Idempotency-Key": f"update-{version}"},
                                   json={"status": status, "percent": percent, "based_on_version": version})
        assert response.status_code == 200, response.text
        _quiet(trips)

    _quiet(trips)
    per_update = []
    for status, percent, version in (("in_progress", 30, 1), ("done", 100, 2)):
        trips.count(lambda status=status, percent=percent, version=version: post(status, percent, version))
        per_update.append({db[len(mongo_prefix) + 1:]: n for db, n in trips.by_db.items()})
        print(f"\n{status}: {per_update[-1]}\n{sorted(trips.by_command.items())}")
    for counts in per_update:  # docs/write-path.md: 3 + 8 + 17 = 28 (the area tree + 1, the ranking's place counts + 4)
        assert counts["milestones"] == 8 and counts["gateway"] <= 3 and counts["reporting"] <= 17, counts
