"""Two read-model writers on two partitions (provinces 41 and 62, two offices each) against the real broker and
store: the reporting service started twice with different partitions, one of them stopped and started again
mid-stream, every event redelivered and replayed; the figures (office figures, area roll-ups, the totals read
through the RPC) equal those of a single writer applying the same events (docs/read-model.md, Partitions)."""
import pytest
from eventlet.semaphore import Semaphore
from kombu import Connection
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher
from nameko.testing.utils import get_container
from pymongo import MongoClient

from services.reporting import areas, figures, handlers, pairing
from services.reporting.partition import Owner, Partition
from services.reporting.service import ReportingService
from services.reporting.store import ReportingStore
from shared.clock import Clock
from shared.errors import InvalidInput
from shared.events import EVENTS, REPORTING
from shared.handlers import RetryingEventHandler
from shared.schemas.areas import AreaRollupSchema
from shared.schemas.milestones import RollupSchema
from shared.schemas.reporting import RollupFilterSchema
from shared.settings import settings
from tests.support.paths import JINSHUI_CSV
from tests.support.reporting import report
from tests.support.services import service_classes
from tests.support.stack import Stack, configure
from tests.support.waiting import wait_for

DEMO_TREE = JINSHUI_CSV.replace("jinshui_2017.csv", "areas_demo.csv")
PROVINCES = {"410105": ("ha", ["甲一街道", "甲二街道"]), "620102": ("gs", ["乙一街道", "乙二街道"])}
AREAS = ("41", "4101", "410105", "62", "6201", "620102")
PER_PROVINCE = 2 * (6 + 8 + 6)  # each office: a sub-district centre (6 milestones), a pilot (8) and a community (6)
RECORDED = []  # (source, event, payload) of every event the read model subscribes to, as it arrived


class Henan(ReportingService):
    partition_text = "41"


class Gansu(ReportingService):
    partition_text = "62"


def _recorder():
    def record(source, name):
        def on_event(self, payload):
            RECORDED.append((source, name, payload))
        return event_handler(source, name)(on_event)

    attrs = {"name": "partition_recorder"}
    for (source, name), event in EVENTS.items():
        if REPORTING in event.consumers:
            attrs[f"on_{source}_{name}"] = record(source, name)
    return type("Recorder", (), attrs)


Recorder = _recorder()


def table(prefix, offices):
    rows = ["编号,中心名称,级别,街道办事处,完成时限,试点,备注"]
    for number, office in enumerate(offices, start=1):
        rows.append(f"{prefix}{number:02d}-s,{office}综合文化服务中心,街道,{office},2017.12,否,")
        rows += [f"{prefix}{number:02d}-c{j:02d},{office}第{j}社区,社区,{office},2017.06,{'是' if j == 1 else '否'},"
                 for j in (1, 2)]
    return "\n".join(rows).encode("utf-8")


@pytest.fixture
def stack(rabbit_config, web_config, mongo_prefix, runner_factory, web_session):
    """Every service but the one reporting writer; instead, one writer per partition (each in a runner of its own:
    one runner holds one service of a name) and a recorder of the events they receive."""
    from nameko import config
    from nameko.standalone.rpc import ClusterRpcClient

    configure()
    RECORDED.clear()
    runner = runner_factory(*[c for c in service_classes() if c.name != "reporting"], Recorder)
    runner.start()
    writers = {}
    for cls in (Henan, Gansu):
        writers[cls] = runner_factory(cls)
        writers[cls].start()
    with ClusterRpcClient(uri=config["AMQP_URI"], timeout=60) as rpc:
        stack = Stack(web_session, rpc)
        stack.runner, stack.writers, stack.runner_factory = runner, writers, runner_factory
        yield stack


def rollup(stack, code):
    return stack.rpc.reporting.area_rollup({"area": code})


def drained(stack):
    """Every partition queue holds no message waiting (each writer takes one at a time, batches a few)."""
    from nameko import config

    names = [e.queue.name for cls, runner in stack.writers.items()
             for e in get_container(runner, cls).entrypoints if isinstance(e, RetryingEventHandler)]
    assert len(names) == 2 * 13 and all(n.endswith(("-41", "-62")) for n in names)
    with Connection(config["AMQP_URI"]) as connection:
        channel = connection.channel()
        return all(channel.queue_declare(queue=name, passive=True).message_count == 0 for name in names)


def settled(stack):
    """The partitions have nothing left to apply: no message waiting, no import batch stashed, and each writer's
    lock taken once more (its partition rebuilds its areas' roll-ups under it, from the figures it holds)."""
    wait_for(lambda: drained(stack), "the partition queues to drain")
    db = MongoClient(settings().mongo_uri)[f"{settings().mongo_db_prefix}_reporting"]
    wait_for(lambda: db.pair_stash.count_documents({}) == 0, "no stashed import batch")
    for tag in ("41", "62"):
        stack.rpc[f"reporting-{tag}"].rebuild_areas()


def single_writer(today):
    """One writer (no partition) applying every recorded event, in the order they arrived, in a database of its own."""
    db = MongoClient(settings().mongo_uri, tz_aware=True)[f"{settings().mongo_db_prefix}_single"]
    store = ReportingStore(db)
    store.ensure_indexes()
    pairing.ensure_indexes(db)
    context = handlers.Context(store, Clock._Clock, Semaphore(1), 30.0)
    owner = Owner(Partition())
    for _, name, payload in list(RECORDED):
        handlers.apply_event(context, owner, name, payload)
    assert db.pair_stash.count_documents({}) == 0
    return store


def seen(stack, store, today, rpc=True):
    """Office figures, area roll-ups and the installation's totals: through the RPC (the partitions) or computed
    by the same functions on ``store`` (the single writer)."""
    offices = {d["_id"]: d.get("fig") for d in store.offices.find({})}
    if rpc:
        rolled = {code: rollup(stack, code) for code in AREAS}
        totals = stack.rpc.reporting.progress_rollup({})["totals"]
    else:
        rolled = {code: AreaRollupSchema().dump(areas.rollup(store.db, code, today)) for code in AREAS}
        totals = RollupSchema().dump(figures.rollup(store, RollupFilterSchema().load({}), today, None))["totals"]
    return {"offices": offices, "areas": rolled, "totals": totals}


def test_two_partitions_with_a_writer_restarted_and_every_event_replayed_hold_a_single_writers_figures(stack, run_cli):
    code, _, err = run_cli("areas", "import", DEMO_TREE)
    assert code == 0, err
    for district, (prefix, offices) in PROVINCES.items():
        response = stack.upload_allocation(name=f"{prefix}.csv", content=table(prefix, offices), district=district)
        assert response.status_code == 200 and len(response.json()["added"]) == 6, response.text
    wait_for(lambda: rollup(stack, "41")["area"]["total"] == rollup(stack, "62")["area"]["total"] == PER_PROVINCE,
             "both provinces' milestones")
    assert stack.rpc.reporting.partitions()["partitions"] == ["41", "62"]

    report(stack, "ha01-c01", "p1_plan", office="甲一街道", status="done")
    report(stack, "gs01-c01", "p1_plan", office="乙一街道", status="done")
    get_container(stack.writers[Gansu], Gansu).stop()  # one writer away: its queues keep its events
    report(stack, "gs02-c01", "p1_plan", office="乙二街道", status="done")
    report(stack, "ha02-s", "p1_plan", office="甲二街道", status="in_progress", percent=50)
    wait_for(lambda: rollup(stack, "41")["area"]["done"] == 1 and rollup(stack, "41")["area"]["total"] == PER_PROVINCE)
    assert rollup(stack, "62")["area"]["done"] == 1  # the stopped writer has not applied its report yet
    stack.writers[Gansu] = stack.runner_factory(Gansu)
    stack.writers[Gansu].start()
    wait_for(lambda: rollup(stack, "62")["area"]["done"] == 2, "the restarted writer to catch up")
    settled(stack)

    today = Clock._Clock.today()
    single = single_writer(today)
    live_db = MongoClient(settings().mongo_uri, tz_aware=True)[f"{settings().mongo_db_prefix}_reporting"]
    live = ReportingStore(live_db)
    expected = seen(stack, single, today, rpc=False)
    assert expected["totals"]["total"] == 2 * PER_PROVINCE and expected["totals"]["done"] == 3
    assert seen(stack, live, today) == expected

    dispatch = event_dispatcher()
    for source, name, payload in list(RECORDED) + list(RECORDED)[::3]:  # replayed, some twice
        dispatch(source, name, payload)
    settled(stack)
    assert seen(stack, live, today) == expected
    assert {d["_id"] for d in live_db.district.find({})} == {"district@41", "district@62"}

    code, out, err = run_cli("reports", "rebuild", "--partition", "62")  # one partition: the other is not touched
    assert code == 0 and "分区 62：重建完成：2 个街道办事处，6 个中心" in out, out + err
    assert seen(stack, live, today) == expected
    code, out, err = run_cli("reports", "rebuild")  # every partition, each by its own writer
    assert code == 0 and "分区 41：重建完成" in out and "分区 62：重建完成" in out, out + err
    assert seen(stack, live, today) == expected
    code, out, _ = run_cli("reports", "rebuild", "--partition", "43")
    assert code == 2 and "没有这个分区" in out
    with pytest.raises(InvalidInput):  # the queue every replica serves would reach either writer
        stack.rpc.reporting.rebuild_start()
