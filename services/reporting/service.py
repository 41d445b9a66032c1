"""Entrypoints of the reporting service (RPC name ``reporting``): the read model fed by events.

Each event handler names its event; what the event changes is in ``handlers.EVENT_HANDLERS``. Every
change is applied under the container's one write lock (writer.py: FerretDB has no atomic counters);
run ONE replica of this service, or shard it by office. The design: docs/read-model.md.
"""
import logging
from operator import itemgetter

from nameko.rpc import ServiceRpc, rpc

from services.reporting import areas as area_rollups
from services.reporting import colour_days, colour_lists, due_items, figures, handlers, history, pairing, trend
from services.reporting import indicator_figures as indicator_model
from services.reporting.model import set_rank
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
from shared.settings import ValidatedSettings, timer

log = logging.getLogger(__name__)
REBUILD_PAGE = 200
PAIR_WAIT_SECONDS = 30  # how long an import chunk waits for its planned milestones (services/reporting/pairing.py)
PAIR_PREFETCH = 16  # planned batches in flight: the milestones service answers chunks out of order
# one worker for each message the handlers hold (13 event types at prefetch 1, PAIR_PREFETCH planned batches),
# the timer, and 10 for the RPC reads (writer.py; tests/unit/test_reporting_writer.py counts them)
WORKERS = 40


def event_handler(source, name):
    """The retrying handler (shared/handlers.py), one message in flight per event type."""
    return retrying_event_handler(source, name, prefetch_count=1)


class ReportingService(HealthRpc):
    name = "reporting"

    store = Mongo(ReportingStore)
    clock = Clock()
    settings = ValidatedSettings()
    writer = OneWriter(WORKERS)
    pairs = pairing.Pairs(PAIR_WAIT_SECONDS)
    assignment = ServiceRpc("assignment")
    milestones = ServiceRpc("milestones")
    inspections = ServiceRpc("inspections")
    indicators = ServiceRpc("indicators")

    def _handle(self, payload, name):
        """The event ``name``'s handler (handlers.EVENT_HANDLERS) with this worker's dependencies; then the
        roll-ups of the areas it touched (areas.py)."""
        applied = handlers.handle(handlers.Context(self.store, self.clock, self.writer, self.pairs), name, payload)
        with self.writer:
            area_rollups.after_change(self.store.db, payload)
        return applied

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

    @retrying_event_handler(ev.MILESTONES, ev.MILESTONES_PLANNED_BATCH, prefetch_count=PAIR_PREFETCH)
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
        return indicator_model.read_year(self.store.db, data["year"], data["offices"])

    def _rebuild_indicators(self, office):
        """Every centre-year of ``office`` from the indicators service, page by page."""
        after, count = None, 0
        while True:
            page = self.indicators.centre_years({"office": office, "after": after})
            with self.writer:
                count += indicator_model.rebuild(self.store.db, CentreYearSchema(many=True).load(page["items"]))
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
                past = history.PastDay(self.milestones, query["as_of"])
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
        past = None
        if data["as_of"] < self.clock.today():
            history.check_day(data["as_of"], self.milestones.get_plan())
            district = self.store.district_doc()
            offices = due_items.past_offices(self.store, data, history.DISTRICT_OFFICES)
            if offices is None:
                offices = [d["_id"] for d in figures.office_page(self.store, 0, district["offices"], district["offices"])]
            if len(offices) > history.DISTRICT_OFFICES:
                raise InvalidInput(f"过去日期的逾期清单按修改记录重算，全区街道超过 {history.DISTRICT_OFFICES} 个时请按街道查看",
                                   {"office": ["required for a past day in a district this large"]})
            past = history.PastDay(self.milestones, data["as_of"]).overdue(offices)
        return OverduePageSchema().dump(due_items.overdue_page(self.store, data, past))

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

    @rpc(expected_exceptions=EXPECTED)
    def rebuild_start(self):
        """Forget the current state and list the offices to rebuild, in table order."""
        with self.writer:
            self.store.reset()
            colour_days.start_rebuild(self.store, self.clock.today())
            indicator_model.reset(self.store.db)
        # the assignment's offices page by page (equality on their buckets)
        return [o["name"] for o in every_item(self.assignment.list_offices)]

    @rpc(expected_exceptions=EXPECTED)
    def rebuild_page(self, office, after=None, limit=REBUILD_PAGE):
        """Rebuild one page of ``office``'s centres from the services' stores: {centres, next}."""
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
    def rebuild_areas(self):
        """Where every office lies, from the assignment service (page by page), and every area recomputed."""
        offices = list(every_item(self.assignment.list_offices))
        with self.writer:
            districts = area_rollups.place_offices(self.store.db, offices)
        return {"offices": len(offices), "districts": len(districts)}

    @rpc(expected_exceptions=EXPECTED)
    def rebuild(self):
        """The whole rebuild in one call (the CLI drives the pages itself, with progress)."""
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

