"""Entrypoints of the reporting service (RPC name ``reporting``): the read model fed by events.

Changes are applied one at a time under ``WRITE_LOCK`` (see ``projection``: FerretDB has no
atomic counters); run ONE replica of this service, or shard it by office. Each event handler
takes at most one message at a time (prefetch 1; planned batches ``PAIR_PREFETCH``, waiting for
their import chunk) and the container has more workers than those messages, so handlers waiting
for the lock never leave the RPC reads without a worker.
"""
import logging

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from nameko.rpc import ServiceRpc, rpc

from services.reporting import batch, due_items, figures, pairing
from services.reporting import indicator_figures as indicator_model
from services.reporting.model import set_rank
from services.reporting.projection import apply_once, set_acceptance, set_centre, set_milestone, set_rectification
from services.reporting.rebuild import apply_page
from services.reporting.store import ReportingStore
from shared import events as ev
from shared.clock import Clock, local_date
from shared.errors import EXPECTED, InvalidInput
from shared.handlers import event_handler as retrying_event_handler
from shared.health import HealthRpc
from shared.mongo import Mongo
from shared.pages import every_item
from shared.schemas.assignment import CentreEventSchema, CentreSchema, CentresRegisteredSchema, OfficeQuerySchema
from shared.schemas.common import load_or_raise
from shared.schemas.indicators import CentreYearSchema, IndicatorFiguresQuerySchema, MonthlyEventSchema, StatusChangedSchema
from shared.schemas.inspections import CentreAcceptedSchema, CentreFailedAcceptanceSchema, RectificationClosedSchema, RectificationOpenedSchema
from shared.schemas.milestones import (
    MilestoneDueChangedSchema,
    MilestonesPlannedBatchSchema,
    MilestonesPlannedSchema,
    ProgressUpdatedSchema,
    RollupSchema,
)
from shared.schemas.reporting import (
    CentresOfOfficesSchema,
    CentreSummaryFilterSchema,
    CentreSummaryPageSchema,
    DueItemsQuerySchema,
    OfficeSummarySchema,
    OpenItemsQuerySchema,
    OverduePageQuerySchema,
    OverduePageSchema,
    RollupFilterSchema,
    dump_open_items,
)
from shared.settings import ValidatedSettings, timer

log = logging.getLogger(__name__)
WRITE_LOCK = Semaphore(1)
REBUILD_PAGE = 200
WORKERS = 40
PAIR_WAIT_SECONDS = 30  # how long an import chunk waits for its planned milestones (services/reporting/pairing.py)
PLANNED_WAIT_SECONDS = 600  # how long planned milestones wait for their chunk, while it is not in the model
PAIR_PREFETCH = 16  # planned batches in flight: the milestones service answers chunks out of order


def event_handler(source, name):
    """The retrying handler (shared/handlers.py), one message in flight per event type."""
    return retrying_event_handler(source, name, prefetch_count=1)


class Workers(DependencyProvider):
    """Sizes this container's worker pool to at least ``size`` (nameko sizes every pool from one
    setting): the event handlers hold at most one worker each, the rest serve RPC reads."""

    def __init__(self, size):
        self.size = size

    def setup(self):
        if self.container.max_workers < self.size:
            self.container.max_workers = self.size
            self.container._worker_pool.resize(self.size)


class ReportingService(HealthRpc):
    name = "reporting"

    store = Mongo(ReportingStore)
    clock = Clock()
    settings = ValidatedSettings()
    workers = Workers(WORKERS)
    pairs = pairing.Pairs(PAIR_WAIT_SECONDS)
    assignment = ServiceRpc("assignment")
    milestones = ServiceRpc("milestones")
    inspections = ServiceRpc("inspections")
    indicators = ServiceRpc("indicators")
    _phases = None

    def _apply(self, schema, payload, key, change, at=None):
        try:
            data = schema.load(payload or {})
        except Exception as exc:
            log.error("reporting: event refused (%s): %r", exc, payload)
            return False
        when = at(data) if at else data["at"]
        day = (local_date(when) if when else self.clock.today()).isoformat()
        with WRITE_LOCK:
            return apply_once(self.store, key(data), day, lambda model: change(model, data), self.clock.now())

    @timer("REPORTING_RANK_SECONDS", eager=True)
    def rank_offices(self):
        """At start: a read model from before the ranking was kept gets its ranks (once; store.rank_offices_once)."""
        with WRITE_LOCK:
            ranked = self.store.rank_offices_once(set_rank)
        if ranked:
            log.warning("reporting: %s offices placed in the district's ranking", ranked)

    # --- assignment -----------------------------------------------------------------

    def _centre(self, payload):
        return self._apply(CentreEventSchema(), payload,
                           lambda d: "centre:{}:{}".format(d["centre"]["id"], d["centre"].get("version") or 0),
                           lambda model, d: set_centre(model, d["centre"]), at=lambda d: d["centre"].get("updated_at"))

    @event_handler(ev.ASSIGNMENT, ev.CENTRE_REGISTERED)
    def on_centre_registered(self, payload):
        self._centre(payload)

    @event_handler(ev.ASSIGNMENT, ev.CENTRE_REASSIGNED)
    def on_centre_reassigned(self, payload):
        self._centre(payload)

    @event_handler(ev.ASSIGNMENT, ev.CENTRE_UPDATED)
    def on_centre_updated(self, payload):
        self._centre(payload)

    def _batch(self, kind, schema, payload, when, ids):
        """A batch (services/reporting/batch.py) as one change under the write lock; an import chunk's two
        batches as ONE change when they meet (services/reporting/pairing.py)."""
        try:
            data = schema.load(payload or {})
        except Exception as exc:
            log.error("reporting: batch refused (%s): %.500r", exc, payload)
            return False
        day = (local_date(when(data)) if when(data) else self.clock.today()).isoformat()
        wait = PAIR_WAIT_SECONDS
        if kind == pairing.PLANNED and ids(data):  # its chunk was published first: wait for it unless it is here
            centre = self.store.get("centres", ids(data)[0])
            wait = 0 if centre and centre.get("name") is not None else PLANNED_WAIT_SECONDS
        role, partner = self.pairs.meet(kind, ids(data), day, data, wait)
        if role == pairing.TAKEN:
            return partner.outcome()
        with WRITE_LOCK:
            if role == pairing.ALONE:
                apply = batch.apply_centres if kind == pairing.CENTRES else batch.apply_planned
                done = apply(self.store, data[kind], day, self.clock.now())
                self.pairs.applied_alone(kind, ids(data))
                return done
            centres, planned = (data, partner.data) if kind == pairing.CENTRES else (partner.data, data)
            try:
                done = batch.apply_centres_and_planned(self.store, centres["centres"], planned["planned"], day,
                                                       self.clock.now())
            except BaseException as exc:
                partner.finish(exc)
                raise
            partner.finish()
            return done

    @event_handler(ev.ASSIGNMENT, ev.CENTRES_REGISTERED)
    def on_centres_registered(self, payload):
        self._batch(pairing.CENTRES, CentresRegisteredSchema(), payload, lambda d: d["centres"][0].get("updated_at"),
                    lambda d: [c["id"] for c in d["centres"]])

    @retrying_event_handler(ev.MILESTONES, ev.MILESTONES_PLANNED_BATCH, prefetch_count=PAIR_PREFETCH)
    def on_milestones_planned_batch(self, payload):
        self._batch(pairing.PLANNED, MilestonesPlannedBatchSchema(), payload,
                    lambda d: d["planned"][0]["at"] if d["planned"] else None,
                    lambda d: [p["centre_id"] for p in d["planned"]])

    # --- milestones -----------------------------------------------------------------

    @event_handler(ev.MILESTONES, ev.MILESTONES_PLANNED)
    def on_milestones_planned(self, payload):
        def change(model, d):
            for m in d["milestones"]:
                set_milestone(model, d["centre_id"], {**m, "office": d["office"]})
        self._apply(MilestonesPlannedSchema(), payload, lambda d: "planned:{}:{}".format(
            d["centre_id"], ",".join(sorted(m["key"] for m in d["milestones"]))), change)

    @event_handler(ev.MILESTONES, ev.PROGRESS_UPDATED)
    def on_progress_updated(self, payload):
        self._apply(ProgressUpdatedSchema(), payload, lambda d: "ms:{}:{}:{}".format(d["centre_id"], d["key"], d["version"]),
                    lambda model, d: set_milestone(model, d["centre_id"], d))

    @event_handler(ev.MILESTONES, ev.MILESTONE_DUE_CHANGED)
    def on_milestone_due_changed(self, payload):
        def change(model, d):
            current = model.store.get("milestones", "{}:{}".format(d["centre_id"], d["key"]))
            if current is not None:  # otherwise its creation, read later, already carries the new due day
                set_milestone(model, d["centre_id"], {**current, "office": d["office"], "due": d["due"],
                                                      "version": d["version"]})
        self._apply(MilestoneDueChangedSchema(), payload,
                    lambda d: "ms:{}:{}:{}".format(d["centre_id"], d["key"], d["version"]), change)

    # --- inspections ----------------------------------------------------------------

    @event_handler(ev.INSPECTIONS, ev.CENTRE_ACCEPTED)
    def on_centre_accepted(self, payload):
        self._apply(CentreAcceptedSchema(), payload, lambda d: "accepted:{}".format(d["centre_id"]),
                    lambda model, d: set_acceptance(model, d["centre_id"], d["office"], accepted=True))

    @event_handler(ev.INSPECTIONS, ev.CENTRE_FAILED_ACCEPTANCE)
    def on_centre_failed_acceptance(self, payload):
        self._apply(CentreFailedAcceptanceSchema(), payload, lambda d: "failed:{}".format(d["inspection_id"]),
                    lambda model, d: set_acceptance(model, d["centre_id"], d["office"],
                                                    failed_inspection=d["inspection_id"]))

    @event_handler(ev.INSPECTIONS, ev.RECTIFICATION_OPENED)
    def on_rectification_opened(self, payload):
        self._apply(RectificationOpenedSchema(), payload, lambda d: "rect:{}:opened".format(d["rectification_id"]),
                    lambda model, d: set_rectification(model, {
                        "id": d["rectification_id"], "centre_id": d["centre_id"], "office": d["office"],
                        "item_id": d["item_id"], "title": d["title"], "due": d["due"], "open": True,
                        "opened_on": local_date(d["at"])}))

    @event_handler(ev.INSPECTIONS, ev.RECTIFICATION_CLOSED)
    def on_rectification_closed(self, payload):
        self._apply(RectificationClosedSchema(), payload, lambda d: "rect:{}:closed".format(d["rectification_id"]),
                    lambda model, d: set_rectification(model, {
                        "id": d["rectification_id"], "centre_id": d["centre_id"], "office": d["office"],
                        "item_id": d["item_id"], "open": False}))

    # --- indicators (issue 10; services/reporting/indicator_figures.py) ------------------

    @event_handler(ev.INDICATORS, ev.MONTHLY_REPORT_SUBMITTED)
    def on_monthly_report_submitted(self, payload):
        self._apply(MonthlyEventSchema(), payload,
                    lambda d: "monthly:{}:{}:{}".format(d["centre_id"], d["month"], d["version"]),
                    lambda model, d: indicator_model.apply_centre_year(model.store.db, d), at=lambda d: None)

    @event_handler(ev.INDICATORS, ev.INDICATOR_STATUS_CHANGED)
    def on_indicator_status_changed(self, payload):
        self._apply(StatusChangedSchema(), payload, lambda d: "status:{}:{}@{}:{}:{}".format(
            d["subject"], d["indicator_id"], d["period_end"], d["status"], d["as_of"]),
            lambda model, d: indicator_model.apply_status(model.store.db, d), at=lambda d: None)

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
            with WRITE_LOCK:
                count += indicator_model.rebuild(self.store.db, CentreYearSchema(many=True).load(page["items"]))
            after = page["next"]
            if after is None:
                return count

    # --- reads ----------------------------------------------------------------------

    def _known_phase(self, query):
        if ReportingService._phases is None:
            ReportingService._phases = {p["phase"] for p in self.milestones.get_plan()["phases"]}
        if query.get("phase") is not None and query["phase"] not in ReportingService._phases:
            raise InvalidInput("阶段 {} 不在计划中".format(query["phase"]), {"phase": ["unknown phase"]})
        return query

    @rpc(expected_exceptions=EXPECTED)
    def progress_rollup(self, filters=None):
        query = self._known_phase(load_or_raise(RollupFilterSchema(), filters or {}))
        return RollupSchema().dump(figures.rollup(self.store, query, self.clock.today()))

    @rpc(expected_exceptions=EXPECTED)
    def office_summary(self, office):
        return OfficeSummarySchema().dump(figures.office_summary(self.store, office, self.clock.today()))

    @rpc(expected_exceptions=EXPECTED)
    def centre_summaries(self, filters=None):
        query = load_or_raise(CentreSummaryFilterSchema(), filters or {})
        return CentreSummaryPageSchema().dump(figures.centre_summaries(self.store, query, self.clock.today()))

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
    def overdue_page(self, query):
        """The (due, office) groups holding one page of what is overdue on a day (``OverduePageSchema``)."""
        return OverduePageSchema().dump(due_items.overdue_page(self.store, load_or_raise(OverduePageQuerySchema(), query)))

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
                           and (after is None or d["_id"] > after)), key=lambda d: d["_id"])
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
        with WRITE_LOCK:
            self.store.reset()
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
        with WRITE_LOCK:
            count = apply_page(self.store, centres, states, results)
        if after is None:  # an office's indicator figures with its first page of centres
            self._rebuild_indicators(office)
        return {"office": office, "centres": count, "next": page["next"]}

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
        return totals

