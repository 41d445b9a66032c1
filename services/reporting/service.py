"""Entrypoints of the reporting service (RPC name ``reporting``): the read model fed by events.

Each event handler names its event; what the event changes is in ``handlers.EVENT_HANDLERS``. Every
change is applied under the container's one write lock (writer.py: FerretDB has no atomic counters);
run ONE replica per partition (``REPORTING_PARTITION``, partition.py: empty, one replica for everything).
Each partition's handlers consume queues of their own and apply the part of each event about their offices;
its rebuild is served on ``reporting-<tag>`` (``PartitionRpc``). The design: docs/read-model.md.
"""
import logging
from operator import itemgetter

from kombu import Queue
from nameko.extensions import DependencyProvider
from nameko.rpc import RPC_QUEUE_TEMPLATE, Rpc, RpcConsumer, ServiceRpc, get_rpc_exchange, rpc

from services.reporting import areas as area_rollups
from services.reporting import colour_days, colour_lists, due_items, figures, handlers, history, pairing, trend
from services.reporting import indicator_figures as indicator_model
from services.reporting.model import set_rank
from services.reporting.partition import Owner, Partition
from services.reporting.rebuild import apply_page
from services.reporting.store import ReportingStore
from services.reporting.writer import OneWriter
from shared import events as ev
from shared.clock import Clock
from shared.errors import EXPECTED, InvalidInput, NotFound
from shared.handlers import event_handler as retrying_event_handler
from shared.health import HealthRpc
from shared.mongo import Mongo
from shared.pages import every_item
from shared.phases import known_phase
from shared.schemas.areas import AreaRollupQuerySchema, AreaRollupSchema
from shared.schemas.assignment import CentreSchema, OfficeQuerySchema
from shared.schemas.common import load_or_raise
from shared.schemas.indicators import CentreYearSchema, IndicatorFiguresQuerySchema
from shared.schemas.milestones import RollupSchema
from shared.schemas.reporting import (
    CentreColoursQuerySchema,
    CentresAsOfQuerySchema,
    CentresOfOfficesSchema,
    CentreSummaryFilterSchema,
    CentreSummaryPageSchema,
    CentreSummarySchema,
    ColourPageQuerySchema,
    ColourPageSchema,
    DueItemsQuerySchema,
    HistoryDaySchema,
    KeyItemsQuerySchema,
    OfficeSummarySchema,
    OpenItemsQuerySchema,
    OverduePageQuerySchema,
    OverduePageSchema,
    ProgressTrendQuerySchema,
    ProgressTrendSchema,
    RollupFilterSchema,
    dump_open_items,
)
from shared.settings import ValidatedSettings, settings, timer

log = logging.getLogger(__name__)
REBUILD_PAGE = 200
PAIR_PREFETCH = 8  # planned batches in flight (each is stashed or applied at once: none waits, pairing.py)
# one worker for each message the handlers hold (13 event types at prefetch 1, PAIR_PREFETCH planned batches),
# the timers, and 10 for the RPC reads (writer.py; tests/unit/test_reporting_writer.py counts them)
WORKERS = 40


def partition_of(service_cls):
    """The service's partition: ``REPORTING_PARTITION``, or the class's own ``partition_text`` (a test runs two)."""
    text = getattr(service_cls, "partition_text", None)
    return Partition.of(settings().reporting_partition if text is None else text)


def queue_tag(service_cls):
    """The event queues of a partition carry its tag (shared/handlers.py): each partition receives every event."""
    return partition_of(service_cls).tag


def event_handler(source, name, prefetch_count=1):
    """The retrying handler (shared/handlers.py), one message in flight per event type, on the partition's queue."""
    return retrying_event_handler(source, name, prefetch_count=prefetch_count, queue_tag=queue_tag)


class ReportingMongo(Mongo):
    """The read model's store, writing as the service's partition; the partition is recorded at start."""

    def setup(self):
        super().setup()
        self.store.partition = partition_of(self.container.service_cls)

    def start(self):
        super().start()
        pairing.ensure_indexes(self.store.db)
        self.store.check_layout()
        self.store.register_partition()


class Owners(DependencyProvider):
    """Which offices the container's partition owns (partition.Owner, one per container: it remembers)."""

    def setup(self):
        self.owner = Owner(partition_of(self.container.service_cls))

    def get_dependency(self, worker_ctx):
        return self.owner


class Via(DependencyProvider):
    """The entrypoint a worker runs for (a partition's rebuild checks it came on the partition's queue)."""

    def get_dependency(self, worker_ctx):
        return worker_ctx.entrypoint


class PartitionRpcConsumer(RpcConsumer):
    """The RPC queue of one partition, ``rpc-reporting-<tag>`` (``reporting-all`` for the whole model): what must
    run in the partition's own writer (its rebuild), asked by ``cctrack reports rebuild``."""

    def target(self):
        tag = partition_of(self.container.service_cls).tag
        return "{}-{}".format(self.container.service_name, tag or "all")

    def setup(self):
        super().setup()  # nameko's consumer, then its queue under the partition's name
        target = self.target()
        self.queue = Queue(RPC_QUEUE_TEMPLATE.format(target), exchange=get_rpc_exchange(),
                           routing_key=f"{target}.*", durable=True)
        self.consumer.queues = [self.queue]

    def get_provider_for_method(self, routing_key):
        for provider in self._providers:
            if f"{self.target()}.{provider.method_name}" == routing_key:
                return provider
        return super().get_provider_for_method(routing_key)


class PartitionRpc(Rpc):
    rpc_consumer = PartitionRpcConsumer()


partition_rpc = PartitionRpc.decorator


class ReportingService(HealthRpc):
    name = "reporting"

    partition_text = None  # None: REPORTING_PARTITION (a subclass may name its own, as the tests do)
    store = ReportingMongo(ReportingStore)
    clock = Clock()
    settings = ValidatedSettings()
    writer = OneWriter(WORKERS)
    owner = Owners()
    via = Via()
    assignment = ServiceRpc("assignment")
    milestones = ServiceRpc("milestones")
    inspections = ServiceRpc("inspections")
    indicators = ServiceRpc("indicators")

    def _handle(self, payload, name):
        """The part of the event ``name`` in this partition, applied by its handler (handlers.EVENT_HANDLERS) with
        this worker's dependencies; then the roll-ups of the areas it touched (areas.py)."""
        return handlers.apply_event(self._context(), self.owner, name, payload, self._province_of)

    def _context(self):
        return handlers.Context(self.store, self.clock, self.writer, self.settings.reporting_pair_wait_seconds)

    def _province_of(self, office):
        """Where an office the partition has not seen lies: the read model's ``office_areas``, else the
        assignment service's office (None: in no province)."""
        doc = self.store.db.office_areas.find_one({"_id": office}, {"province": 1})
        if doc is not None and doc.get("province"):
            return doc["province"]
        try:
            return self.assignment.get_office(office).get("province")
        except NotFound:
            return None

    @timer("REPORTING_PAIR_SWEEP_SECONDS")
    def sweep_pairs(self):
        """Import batches whose partner is overdue are applied alone (pairing.py)."""
        handlers.sweep(self._context())

    @timer("REPORTING_RANK_SECONDS", eager=True)
    def rank_offices(self):
        """At start: a read model from before the ranking was kept gets its ranks (once; store.rank_offices_once)."""
        with self.writer:
            ranked = self.store.rank_offices_once(set_rank)
        if ranked:
            log.warning("reporting: %s offices placed in the district's ranking", ranked)

    @timer("REPORTING_PACE_SECONDS", eager=True)
    def move_colours(self):
        """Colours move as days pass: only the centres filed under the days since the last run (colour_days.py)."""
        moved = colour_days.move_colours(self.store, self.writer, self.clock.today())
        if moved:
            log.info("reporting: %s centres changed colour", moved)

    # --- events: what each one changes is in handlers.EVENT_HANDLERS ----------------------------

    @event_handler(ev.ASSIGNMENT, ev.CENTRE_REASSIGNED)
    def on_centre_reassigned(self, payload):
        self._handle(payload, ev.CENTRE_REASSIGNED)

    @event_handler(ev.ASSIGNMENT, ev.CENTRE_UPDATED)
    def on_centre_updated(self, payload):
        self._handle(payload, ev.CENTRE_UPDATED)

    @event_handler(ev.ASSIGNMENT, ev.CENTRES_REGISTERED)
    def on_centres_registered(self, payload):
        self._handle(payload, ev.CENTRES_REGISTERED)

    @event_handler(ev.MILESTONES, ev.MILESTONES_PLANNED_BATCH, prefetch_count=PAIR_PREFETCH)
    def on_milestones_planned_batch(self, payload):
        self._handle(payload, ev.MILESTONES_PLANNED_BATCH)

    @event_handler(ev.MILESTONES, ev.MILESTONES_PLANNED)
    def on_milestones_planned(self, payload):
        self._handle(payload, ev.MILESTONES_PLANNED)

    @event_handler(ev.MILESTONES, ev.PROGRESS_UPDATED)
    def on_progress_updated(self, payload):
        self._handle(payload, ev.PROGRESS_UPDATED)

    @event_handler(ev.MILESTONES, ev.MILESTONE_DUE_CHANGED)
    def on_milestone_due_changed(self, payload):
        self._handle(payload, ev.MILESTONE_DUE_CHANGED)

    @event_handler(ev.INSPECTIONS, ev.CENTRE_ACCEPTED)
    def on_centre_accepted(self, payload):
        self._handle(payload, ev.CENTRE_ACCEPTED)

    @event_handler(ev.INSPECTIONS, ev.CENTRE_FAILED_ACCEPTANCE)
    def on_centre_failed_acceptance(self, payload):
        self._handle(payload, ev.CENTRE_FAILED_ACCEPTANCE)

    @event_handler(ev.INSPECTIONS, ev.RECTIFICATION_OPENED)
    def on_rectification_opened(self, payload):
        self._handle(payload, ev.RECTIFICATION_OPENED)

    @event_handler(ev.INSPECTIONS, ev.RECTIFICATION_CLOSED)
    def on_rectification_closed(self, payload):
        self._handle(payload, ev.RECTIFICATION_CLOSED)

    @event_handler(ev.INDICATORS, ev.MONTHLY_REPORT_SUBMITTED)
    def on_monthly_report_submitted(self, payload):
        self._handle(payload, ev.MONTHLY_REPORT_SUBMITTED)

    @event_handler(ev.INDICATORS, ev.INDICATOR_STATUS_CHANGED)
    def on_indicator_status_changed(self, payload):
        self._handle(payload, ev.INDICATOR_STATUS_CHANGED)

    # --- reads ----------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def indicator_figures(self, query):
        """The district's indicator figures for a year and one document per office named (``_id`` reads)."""
        data = load_or_raise(IndicatorFiguresQuerySchema(), query or {})
        return indicator_model.read_year(self.store.db, data["year"], data["offices"], self.store.partition_tags())

    def _rebuild_indicators(self, office):
        """Every centre-year of ``office`` from the indicators service, page by page."""
        after, count = None, 0
        while True:
            page = self.indicators.centre_years({"office": office, "after": after})
            with self.writer:
                count += indicator_model.rebuild(self.store.db, CentreYearSchema(many=True).load(page["items"]),
                                                 self._partition_or_none())
            after = page["next"]
            if after is None:
                return count

    @rpc(expected_exceptions=EXPECTED)
    def progress_rollup(self, filters=None):
        query = load_or_raise(RollupFilterSchema(), filters or {})
        today, past = self.clock.today(), None
        if query.get("phase") is not None or (query.get("as_of") or today) < today:
            plan = self.milestones.get_plan()  # the plan's phases and start, which the milestones service owns
            if query.get("phase") is not None:
                known_phase(query, {p["phase"] for p in plan["phases"]})
            if (query.get("as_of") or today) < today:  # a past day: refused before the programme, else replayed
                history.check_day(query["as_of"], plan)  # where the snapshots do not hold it
                past = history.PastDay(self.milestones, query["as_of"], self.store)
        return RollupSchema().dump(figures.rollup(self.store, query, today, past))

    @rpc(expected_exceptions=EXPECTED)
    def progress_trend(self, query=None):
        """The district's progress over time from its daily snapshots (``trend.progress_trend``)."""
        data = load_or_raise(ProgressTrendQuerySchema(), query or {})
        return ProgressTrendSchema().dump(trend.progress_trend(self.store, data, self.clock.today()))

    @rpc(expected_exceptions=EXPECTED)
    def office_summary(self, office):
        return OfficeSummarySchema().dump(figures.office_summary(self.store, office, self.clock.today()))

    @rpc(expected_exceptions=EXPECTED)
    def centre_summaries(self, filters=None):
        query = load_or_raise(CentreSummaryFilterSchema(), filters or {})
        return CentreSummaryPageSchema().dump(figures.centre_summaries(self.store, query, self.clock.today()))

    @rpc(expected_exceptions=EXPECTED)
    def centre_summary(self, centre_id):
        """One centre's summary with its 序时进度 colour (one ``_id`` read); NotFound when the model has no such centre."""
        doc = self.store.get("centres", centre_id)
        if doc is None or doc.get("name") is None:
            raise NotFound(f"中心“{centre_id}”不存在或尚未同步", {"centre_id": [centre_id]})
        return CentreSummarySchema().dump(figures.centre_summary(doc, self.clock.today()))

    @rpc(expected_exceptions=EXPECTED)
    def open_items(self, query):
        data = load_or_raise(OpenItemsQuerySchema(), query or {})
        return dump_open_items(data["kind"], due_items.open_items(self.store, data))

    @rpc(expected_exceptions=EXPECTED)
    def due_items(self, query):
        """Open items due on given days, whole (day, office) groups per page: {items, cursor}."""
        data = load_or_raise(DueItemsQuerySchema(), query or {})
        return dump_open_items(data["kind"], due_items.due_items(self.store, data))

    @rpc(expected_exceptions=EXPECTED)
    def check_day(self, as_of):
        """Refuse (InvalidInput) a day before the programme starts: no figures of it exist (history.check_day)."""
        day = load_or_raise(HistoryDaySchema(), {"as_of": as_of})["as_of"]
        history.check_day(day, self.milestones.get_plan())
        return {"as_of": day.isoformat()}

    @rpc(expected_exceptions=EXPECTED)
    def overdue_page(self, query):
        """The (due, office) groups holding one page of what is overdue on a day (``OverduePageSchema``). For a past
        day the milestones come from the revisions (what was open on that day, including items done since)."""
        data = load_or_raise(OverduePageQuerySchema(), query)
        past = past_rects = None
        if data["as_of"] < self.clock.today():
            history.check_day(data["as_of"], self.milestones.get_plan())
            district = self.store.district_doc()
            offices = due_items.past_offices(self.store, data, history.DISTRICT_OFFICES)
            if offices is None and district["offices"] <= history.DISTRICT_OFFICES:  # counted before any office is read
                offices = [d["_id"] for d in figures.office_page(self.store, 0, district["offices"], district["offices"])]
            if offices is None or len(offices) > history.DISTRICT_OFFICES:
                raise InvalidInput(f"过去日期的逾期清单按修改记录重算，全区街道超过 {history.DISTRICT_OFFICES} 个时请按街道查看",
                                   {"office": ["required for a past day in a district this large"]})
            past = history.PastDay(self.milestones, data["as_of"], self.store).overdue(offices)
            past_rects = history.PastRects(self.store.db, data["as_of"], offices)
        return OverduePageSchema().dump(due_items.overdue_page(self.store, data, past, past_rects))

    @rpc(expected_exceptions=EXPECTED)
    def centres_as_of(self, query):
        """{office: ids of the centres it held at the end of a past day, or None (no stint recorded: its present
        centres)} for up to 100 offices (``history.centres_as_of``): the Excel report's per-centre sheet of that day."""
        data = load_or_raise(CentresAsOfQuerySchema(), query or {})
        return history.centres_as_of(self.store, data["offices"], data["as_of"])

    @rpc(expected_exceptions=EXPECTED)
    def colour_page(self, query):
        """A page of the centres of one 序时进度 colour, found from the colour counters (colour_lists.py)."""
        data = load_or_raise(ColourPageQuerySchema(), query or {})
        return ColourPageSchema().dump(colour_lists.colour_page(self.store, data, self.clock.today()))

    @rpc(expected_exceptions=EXPECTED)
    def centre_colours(self, query):
        """{centre id: 序时进度 colour} of a page's centres (one ``_id`` read each)."""
        data = load_or_raise(CentreColoursQuerySchema(), query or {})
        return colour_lists.centre_colours(self.store, data["centre_ids"])

    @rpc(expected_exceptions=EXPECTED)
    def open_milestones_of_key(self, query):
        """A bounded page of open milestones of one step (``key``, e.g. p4_acceptance) in every office or one:
        equality on the indexed ``key`` and ``open`` (and ``office``), at most ``limit``, sorted by due here;
        ``more`` says whether there were more."""
        data = load_or_raise(KeyItemsQuerySchema(), query or {})
        docs = self.store.open_of_key(data["key"], data["office"], data["limit"] + 1)
        items = sorted(docs[:data["limit"]], key=lambda d: (d.get("due") or "", d["_id"]))
        names: dict = {}  # kept on the items; an item from before that costs one _id read (due_items.centre_name)
        return {"items": [{"centre_id": d["centre_id"], "centre_name": due_items.centre_name(self.store, d, names),
                           "key": d["key"], "office": d.get("office"), "title": d.get("title") or d["key"],
                           "due": d.get("due")} for d in items],
                "more": len(docs) > data["limit"]}

    @rpc(expected_exceptions=EXPECTED)
    def offices(self, query=None):
        """A page of offices in their order of arrival with their centre counts: {items: [{office, centres}],
        total, limit, offset}, read by equality on the office buckets that cover it (``figures.office_page``);
        ``total`` is the district's count of offices (``offset`` {0..}, ``limit`` {1..1000}, default 1000)."""
        data = load_or_raise(OfficeQuerySchema(), query or {})
        total = self.store.district_doc()["offices"]
        docs = figures.office_page(self.store, data["offset"], data["limit"], total)
        return {"items": [{"office": d["_id"], "centres": (d.get("fig") or {}).get("centres", 0)} for d in docs],
                "total": total, **data}

    @rpc(expected_exceptions=EXPECTED)
    def centres_after(self, query):
        """Centres of several offices for the Excel report: {items: [Centre], next: {offset, after} | null}.

        One equality read per office, at most ``limit`` centres; ``next`` says where to continue (the index
        in ``offices`` and the last centre id given there), null when every listed office is done."""
        data = load_or_raise(CentresOfOfficesSchema(), query or {})
        items, after = [], data["after"]
        for offset, office in enumerate(data["offices"]):
            room = data["limit"] - len(items)
            if room == 0:
                return self._centres_page(items, {"offset": offset, "after": None})
            docs = sorted((d for d in self.store.centres_of(office) if d.get("name") is not None
                           and (after is None or d["_id"] > after)), key=itemgetter("_id"))
            after = None
            items.extend(docs[:room])
            if len(docs) > room:
                return self._centres_page(items, {"offset": offset, "after": items[-1]["_id"]})
        return self._centres_page(items, None)

    @staticmethod
    def _centres_page(docs, following):
        items = [{"id": d["_id"], **{k: d.get(k) for k in ("name", "level", "office", "pilot", "remark")},
                  "deadline": figures.day(d.get("deadline")), "version": d.get("version")} for d in docs]
        return {"items": CentreSchema(many=True).dump(items), "next": following}

    # --- rebuild --------------------------------------------------------------------

    def _partition_or_none(self):
        return None if self.store.partition.whole else self.store.partition

    def _own_offices(self):
        """The assignment's offices (page by page, in table order) that lie in this partition."""
        return [o for o in every_item(self.assignment.list_offices)
                if self.store.partition.owns_province(o.get("province"))]

    def _in_own_writer(self):
        """A partition's rebuild runs in its own writer: asked on ``reporting-<tag>`` (PartitionRpc), never on the
        queue every replica serves."""
        if not self.store.partition.whole and not isinstance(self.via, PartitionRpc):
            raise InvalidInput("统计读模型分区运行，请用 cctrack reports rebuild 逐个分区重建",
                               {"partition": ["ask reporting-<partition> (cctrack reports rebuild)"]})

    @rpc(expected_exceptions=EXPECTED)
    def partitions(self):
        """The partitions whose documents the reads sum ([""]: one writer for everything), and this replica's."""
        return {"partitions": self.store.partition_tags(), "own": self.store.partition.tag}

    @rpc(expected_exceptions=EXPECTED)
    @partition_rpc(expected_exceptions=EXPECTED)
    def rebuild_start(self):
        """Forget the current state (a partition's: its offices' and counters' only) and list the offices to
        rebuild, in table order."""
        self._in_own_writer()
        if self.store.partition.whole:
            with self.writer:
                self.store.reset()
                colour_days.start_rebuild(self.store, self.clock.today())
                indicator_model.reset(self.store.db)
            # the assignment's offices page by page (equality on their buckets)
            return [o["name"] for o in every_item(self.assignment.list_offices)]
        offices = [o["name"] for o in self._own_offices()]
        with self.writer:
            self.store.reset_partition(offices)
            colour_days.start_rebuild(self.store, self.clock.today())
            indicator_model.reset(self.store.db, offices, self.store.partition)
        return offices

    @rpc(expected_exceptions=EXPECTED)
    @partition_rpc(expected_exceptions=EXPECTED)
    def rebuild_page(self, office, after=None, limit=REBUILD_PAGE):
        """Rebuild one page of ``office``'s centres from the services' stores: {centres, next}."""
        self._in_own_writer()
        page = self.assignment.centres_after({"office": office, "after": after, "limit": limit})
        centres = [load_or_raise(CentreSchema(), c) for c in page["items"]]
        ids = [c["id"] for c in centres]
        states = self.milestones.states_of_centres({"centre_ids": ids}) if ids else []
        results = self.inspections.centre_results({"centre_ids": ids}) if ids else []
        for state in states:
            state["due"] = figures.day(state["due"])
        for result in results:
            for rect in result["rectifications"]:
                rect["due"] = figures.day(rect["due"])
        with self.writer:
            count = apply_page(self.store, centres, states, results)
        if after is None:  # an office's indicator figures with its first page of centres
            self._rebuild_indicators(office)
        return {"office": office, "centres": count, "next": page["next"]}

    @rpc(expected_exceptions=EXPECTED)
    def area_rollup(self, query):
        """An area's roll-up and its children ranked on percent done (``AreaRollupSchema``, areas.py)."""
        data = load_or_raise(AreaRollupQuerySchema(), query or {})
        return AreaRollupSchema().dump(area_rollups.rollup(self.store.db, data["area"], data["as_of"] or self.clock.today(),
                                                               data["rank"]))

    @rpc(expected_exceptions=EXPECTED)
    @partition_rpc(expected_exceptions=EXPECTED)
    def rebuild_areas(self):
        """Where every office (of the partition) lies, from the assignment service (page by page), and every area
        recomputed."""
        self._in_own_writer()
        offices = self._own_offices()
        with self.writer:
            districts = area_rollups.place_offices(self.store.db, offices)
        return {"offices": len(offices), "districts": len(districts)}

    @rpc(expected_exceptions=EXPECTED)
    @partition_rpc(expected_exceptions=EXPECTED)
    def rebuild(self):
        """The whole rebuild (of the partition) in one call (the CLI drives the pages itself, with progress)."""
        totals = {"offices": 0, "centres": 0}
        for office in self.rebuild_start():
            after = None
            while True:
                step = self.rebuild_page(office, after)
                totals["centres"] += step["centres"]
                after = step["next"]
                if after is None:
                    break
            totals["offices"] += 1
        self.rebuild_areas()
        return totals

