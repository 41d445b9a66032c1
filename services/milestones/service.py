"""Entrypoints of the milestones service (RPC name ``milestones``)."""
import logging

from nameko.rpc import ServiceRpc

from services.milestones import commands, queries, sync
from services.milestones import evidence as evidence_files
from services.milestones import plan as plans
from services.milestones.store import MilestoneStore
from shared import events as ev
from shared.clock import Clock, as_date, iso
from shared.emitter import EmitsEvents
from shared.errors import EXPECTED, InvalidInput, NotFound
from shared.handlers import event_handler
from shared.health import HealthRpc
from shared.mongo import Mongo
from shared.phases import known_phase
from shared.rpc import rpc
from shared.schemas.assignment import CentreEventSchema, CentreSchema, CentresRegisteredSchema, OfficeQuerySchema
from shared.schemas.common import ActorSchema, PageSchema, in_date_range, load_or_raise
from shared.schemas.milestones import (
    CentreMilestonesSchema,
    CentreProgressQuerySchema,
    CentreProgressSchema,
    DoubtfulPageSchema,
    HistoryEntrySchema,
    HistoryPageSchema,
    MilestoneFilterSchema,
    MilestonePageSchema,
    MilestoneSchema,
    OfficeAsOfSchema,
    OfficesAsOfQuerySchema,
    ProgressUpdateSchema,
    ReopenSchema,
)
from shared.schemas.reporting import CentreStatesSchema
from shared.settings import ValidatedSettings, timer

log = logging.getLogger(__name__)
KEY_RULES = {"centre_accepted": ("p4_acceptance", "区级检查验收通过"),
             "rectification_completed": ("p5_rectification", "整改全部完成"),
             "self_check": ("p4_self_check", "已提交自查")}


def _as_of(value):
    if value in (None, ""):
        return None
    try:
        day = as_date(str(value)[:10])
    except ValueError:
        raise InvalidInput("as_of 必须是 YYYY-MM-DD 格式的日期", {"as_of": ["invalid date"]}) from None
    if not in_date_range(day):
        raise InvalidInput("as_of 必须在 2000-01-01 到 2100-12-31 之间", {"as_of": ["out of range"]})
    return day


class MilestonesService(HealthRpc, EmitsEvents):
    name = "milestones"

    store = Mongo(MilestoneStore)
    clock = Clock()
    settings = ValidatedSettings()
    assignment = ServiceRpc("assignment")

    # --- keeping in step with the allocation table ------------------------------

    def _reconcile(self, centre):
        counts, events = commands.reconcile_centre(self.store, plans.current(), centre, self.clock.now())
        self._emit(events)
        return counts

    def _on_centre_event(self, payload):
        data = load_or_raise(CentreEventSchema(), payload)
        self._reconcile(data["centre"])

    @event_handler(ev.ASSIGNMENT, ev.CENTRES_REGISTERED)
    def on_centres_registered(self, payload):
        data = load_or_raise(CentresRegisteredSchema(), payload)
        _, events = commands.register_centres(self.store, plans.current(), data["centres"], self.clock.now())
        self._emit(events)

    @event_handler(ev.ASSIGNMENT, ev.CENTRE_REASSIGNED)
    def on_centre_reassigned(self, payload):
        self._on_centre_event(payload)

    @event_handler(ev.ASSIGNMENT, ev.CENTRE_UPDATED)
    def on_centre_updated(self, payload):
        self._on_centre_event(payload)

    @rpc(expected_exceptions=EXPECTED)
    def sync_centres(self, query=None):
        """Repair lost events (services/milestones/sync.py): each office's centres at the assignment compared
        with the ones here, reconciling only those missing or different. Without ``query``: every office;
        with {offset, limit}: the offices in that page of the table (the CLI pages with progress). Returns
        {offices, centres (compared), reconciled, created, redated, moved, repaired (first ids), offset,
        limit, total (offices' places), next (offset of the next page, or None)}."""
        if query is None:
            return sync.sweep_all(self.store, self.assignment, self._reconcile)
        page = load_or_raise(OfficeQuerySchema(), query)
        return sync.sweep(self.store, self.assignment, page["offset"], page["limit"], self._reconcile)

    # Not eager: an RPC sent while the container is still starting can leave a
    # pending reply behind that later kills the reply listener (nameko 3.0.0rc11).
    @timer("MILESTONES_SYNC_SECONDS")
    def periodic_sync(self):
        """At most MILESTONES_SYNC_OFFICES offices per tick, from the cursor kept in the store (sync.tick)."""
        try:
            totals = sync.tick(self.store, self.assignment, self.settings.milestones_sync_offices, self._reconcile)
        except Exception:  # the assignment service may not be up yet; the next tick retries
            log.exception("milestones sync failed; will retry in %s s", self.settings.milestones_sync_seconds)
            return None
        if totals["reconciled"]:
            log.warning("milestones sync repaired missed events in offices %s-%s of %s: %s centre(s) reconciled "
                        "(%s milestones created, %s redated, %s moved): %s", totals["offset"] + 1,
                        totals["offset"] + totals["offices"], totals["total"], totals["reconciled"],
                        totals["created"], totals["redated"], totals["moved"], ", ".join(totals["repaired"]))
        else:
            log.info("milestones sync: %s offices, %s centres in step (next office place %s of %s)",
                     totals["offices"], totals["centres"], totals["next"] + 1, totals["total"])
        return totals

    @timer("MILESTONES_PROJECTION_REPAIR_SECONDS", eager=True)
    def repair_projections(self):
        """At start (and now and then): projections a crash left behind their revisions move forward."""
        try:
            repaired = self.store.repair_projections()
            if repaired:
                log.warning("milestones: %s projection(s) checked after an interrupted write", repaired)
        except Exception:  # the store may be down; the next tick retries
            log.exception("projection repair failed; will retry in %s s", self.settings.milestones_projection_repair_seconds)

    # --- results from the inspections service -----------------------------------

    def _system_done(self, payload, rule):
        key, note = KEY_RULES[rule]
        centre_id = (payload or {}).get("centre_id")
        if not centre_id:
            log.error("inspections event without centre_id ignored: %r", payload)
            return
        command = commands.CompleteMilestone(centre_id, key, note, commands.INSPECTIONS_ACTOR, self.clock.now())
        try:
            _, events = commands.system_complete(self.store, plans.current(), command)
        except NotFound:
            # the centre's registration may have been missed: fetch it, then apply again
            self._reconcile(load_or_raise(CentreSchema(), self.assignment.get_centre(centre_id)))
            _, events = commands.system_complete(self.store, plans.current(), command)
        self._emit(events)

    @event_handler(ev.INSPECTIONS, ev.CENTRE_ACCEPTED)
    def on_centre_accepted(self, payload):
        self._system_done(payload, "centre_accepted")

    @event_handler(ev.INSPECTIONS, ev.RECTIFICATION_COMPLETED)
    def on_rectification_completed(self, payload):
        self._system_done(payload, "rectification_completed")

    @event_handler(ev.INSPECTIONS, ev.RECTIFICATION_OPENED)
    def on_rectification_opened(self, payload):
        """New rectification work means ``p5_rectification`` (all rectifications done) is open again."""
        centre_id = (payload or {}).get("centre_id")
        if not centre_id or self.store.get_centre(centre_id) is None:
            return  # not synced yet: nothing done to reopen
        reason = "新的整改项：{}".format(payload.get("title") or payload.get("item_id") or "")
        try:
            _, events = commands.system_reopen(self.store, plans.current(), commands.ReopenMilestone(
                centre_id, "p5_rectification", reason, commands.INSPECTIONS_ACTOR, self.clock.now()))
        except NotFound:  # a centre without that milestone in its plan
            return
        self._emit(events)

    @event_handler(ev.INSPECTIONS, ev.INSPECTION_RECORDED)
    def on_inspection_recorded(self, payload):
        if (payload or {}).get("kind") == "self_check":
            self._system_done(payload, "self_check")

    # --- progress -----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def report_progress(self, centre_id, key, update, actor, request_id=None):
        who = load_or_raise(ActorSchema(), actor)
        try:
            data = load_or_raise(ProgressUpdateSchema(), update)
        except InvalidInput as exc:  # refused input is audited like any other refusal
            commands.refuse_invalid(self.store, commands.ReportProgress(centre_id, key, update, who, self.clock.now()), exc)
            raise
        state, events = commands.report_progress(self.store, plans.current(), commands.ReportProgress(
            centre_id, key, data, who, self.clock.now(), request_id))
        self._emit(events)
        return MilestoneSchema().dump({**state, "overdue": commands.overdue(state, self.clock.today())})

    @rpc(expected_exceptions=EXPECTED)
    def reopen(self, centre_id, key, reason, actor):
        data = load_or_raise(ReopenSchema(), {"reason": reason})
        who = load_or_raise(ActorSchema(), actor)
        state, events = commands.reopen(self.store, plans.current(),
                                        commands.ReopenMilestone(centre_id, key, data["reason"], who, self.clock.now()))
        self._emit(events)
        return MilestoneSchema().dump({**state, "overdue": commands.overdue(state, self.clock.today())})

    # --- reads --------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_milestones(self, centre_id, as_of=None):
        result = queries.list_milestones(self.store, centre_id, _as_of(as_of), self.clock.today())
        return CentreMilestonesSchema().dump(result)

    @rpc(expected_exceptions=EXPECTED)
    def list_office_milestones(self, filters=None):
        query = known_phase(load_or_raise(MilestoneFilterSchema(), filters or {}), plans.current().phases)
        return MilestonePageSchema().dump(queries.list_office_milestones(self.store, query, self.clock.today()))

    @rpc(expected_exceptions=EXPECTED)
    def states_of_centres(self, query):
        """Current state of every milestone of up to 1,000 centres (one equality read each), for a rebuild."""
        data = load_or_raise(CentreStatesSchema(), query or {})
        plan = plans.current()
        out = []
        for centre_id in data["centre_ids"]:
            for state in sorted(self.store.states_of_centre(centre_id).values(), key=lambda s: s["order"] or 0):
                phase = plan.phases.get(state["phase"])
                out.append({k: state[k] for k in ("centre_id", "key", "phase", "title", "owner", "order", "status",
                                                   "version")}
                           | {"due": iso(state["due"]), "phase_end": iso(phase["end"]) if phase else None,
                              "phase_start": iso(phase["start"]) if phase else None})
        return out

    @rpc(expected_exceptions=EXPECTED)
    def offices_as_of(self, query):
        """Up to 100 offices as they stood at the end of a past day, replayed from the revisions one office at a
        time (``queries.office_as_of``): the read model's history for days before its snapshots."""
        data = load_or_raise(OfficesAsOfQuerySchema(), query or {})
        plan = plans.current()
        return OfficeAsOfSchema(many=True).dump([queries.office_as_of(self.store, plan, office, data["as_of"],
                                                                      data["centres"].get(office))
                                                 for office in data["offices"]])

    @rpc(expected_exceptions=EXPECTED)
    def centre_progress(self, query):
        """The centres of up to 100 offices with their progress today or at the end of a past day (one office at a
        time: ``queries.centre_progress``), in the offices' order."""
        data = load_or_raise(CentreProgressQuerySchema(), query or {})
        today = self.clock.today()
        as_of = data["as_of"] if data["as_of"] is not None and data["as_of"] < today else None
        return CentreProgressSchema(many=True).dump([
            row for office in data["offices"]
            for row in queries.centre_progress(self.store, office, as_of, today, data["centres"].get(office))])

    @rpc(expected_exceptions=EXPECTED)
    def centre_history(self, centre_id):
        centre = self.store.get_centre(centre_id)
        if centre is None:
            raise NotFound(f"中心“{centre_id}”不存在或尚未同步", {"centre_id": [centre_id]})
        items = [queries.history_entry(d) for d in self.store.centre_history(centre_id)]
        return {"centre": CentreMilestonesSchema().dump({"centre": centre})["centre"],
                "items": HistoryEntrySchema(many=True).dump(items)}

    @rpc(expected_exceptions=EXPECTED)
    def office_history(self, office, page=None):
        query = load_or_raise(PageSchema(), page or {})
        docs, total = self.store.office_history(office, query["limit"], query["offset"])
        return HistoryPageSchema().dump({"items": [queries.history_entry(d) for d in docs], "total": total, **query})

    @rpc(expected_exceptions=EXPECTED)
    def get_evidence(self, evidence_id):
        doc = self.store.get_evidence(evidence_id)
        if doc is None:
            raise NotFound("佐证材料不存在", {"evidence_id": [evidence_id]})
        centre = self.store.get_centre(doc["centre_id"])
        return {"id": doc["_id"], "centre_id": doc["centre_id"], "office": centre["office"] if centre else None,
                "key": doc["key"], "filename": doc["filename"], "content_type": doc["content_type"],
                "size": doc["size"], "sha256": doc["sha256"]}

    @rpc(expected_exceptions=EXPECTED)
    def get_thumbnail(self, evidence_id):
        """Where the small JPEG of a photo is kept (never the original): {id, office, sha256, thumbnail_key}."""
        doc = self.store.get_evidence(evidence_id)
        if doc is None or not doc.get("thumbnail_key"):
            raise NotFound("没有这张照片的缩略图", {"evidence_id": [evidence_id]})
        centre = self.store.get_centre(doc["centre_id"])
        return {"id": doc["_id"], "office": centre["office"] if centre else None, "sha256": doc["sha256"],
                "thumbnail_key": doc["thumbnail_key"]}

    @rpc(expected_exceptions=EXPECTED)
    def uses_object(self, key):
        """Whether any evidence names the object ``key`` (its file or its thumbnail): the sweep keeps it then."""
        return self.store.uses_object(key)

    @rpc(expected_exceptions=EXPECTED)
    def migrate_evidence(self, limit=100):
        """Move up to ``limit`` evidence files still kept inside their documents to the object store; the
        number moved (0: none left)."""
        return evidence_files.migrate(self.store, limit)

    @rpc(expected_exceptions=EXPECTED)
    def doubtful_evidence(self, query):
        """A page of 存疑 evidence of one office ({office}) or one centre ({centre_id}), newest first:
        one bounded equality read on the indexed ``doubtful_office`` / ``doubtful_centre``."""
        query = query or {}
        page = load_or_raise(PageSchema(), {k: v for k, v in query.items() if k in ("limit", "offset")})
        if query.get("centre_id"):
            centre = self.store.get_centre(str(query["centre_id"]))
            if centre is None:
                raise NotFound("中心不存在或尚未同步", {"centre_id": [str(query["centre_id"])]})
            office = centre["office"]
            docs, truncated = self.store.doubtful_evidence("doubtful_centre", centre["id"])
        elif query.get("office"):
            office = str(query["office"])
            docs, truncated = self.store.doubtful_evidence("doubtful_office", office)
        else:
            raise InvalidInput("请指定街道办事处或中心", {"office": ["office or centre_id required"]})
        names, plan = {}, plans.current()
        items = []
        for doc in docs[page["offset"]:page["offset"] + page["limit"]]:
            if doc["centre_id"] not in names:
                centre = self.store.get_centre(doc["centre_id"])
                names[doc["centre_id"]] = centre["name"] if centre else ""
            items.append({**evidence_files.meta(doc), "centre_id": doc["centre_id"], "centre_name": names[doc["centre_id"]],
                          "office": doc["office"], "key": doc["key"],
                          "milestone_title": plan.by_key.get(doc["key"], {}).get("title") or "", "at": doc["at"]})
        return DoubtfulPageSchema().dump({"office": office, "items": items, "total": len(docs), "truncated": truncated,
                                          **page})

    @rpc
    def get_plan(self):
        plan = plans.current()
        return {"plan": plan.name, "version": plan.version, "title": plan.data["title"],
                "phases": [{**p, "start": p["start"].isoformat(), "end": p["end"].isoformat()} for p in plan.data["phases"]],
                "milestones": [{k: m[k] for k in ("key", "phase", "title", "owner", "levels", "pilot_only")}
                               | {"due_rule": m["due"]["rule"]} for m in plan.milestones],
                "start": plan.start().isoformat()}
