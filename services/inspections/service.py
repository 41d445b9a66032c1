"""Entrypoints of the inspections service (RPC name ``inspections``)."""
import logging
from datetime import timedelta

from nameko.rpc import ServiceRpc

from services.inspections import commands, standards
from services.inspections.rectification import ACTIVE
from services.inspections.store import InspectionStore
from shared import events as ev
from shared.authz import area_scope
from shared.clock import Clock, as_date, local_date
from shared.emitter import EmitsEvents
from shared.errors import EXPECTED, InvalidInput, NotFound
from shared.handlers import event_handler
from shared.health import HealthRpc
from shared.mongo import Mongo
from shared.rpc import rpc
from shared.schemas.common import LEVELS, ActorSchema, load_or_raise
from shared.schemas.inspections import (
    INSPECTION_KINDS,
    ChaseRequestSchema,
    InspectionFilterSchema,
    InspectionRequestSchema,
    InspectionSchema,
    QueueFilterSchema,
    RectificationFilterSchema,
    RectificationSchema,
    ResponseTimesSchema,
    StandardSchema,
    SubmissionRequestSchema,
    UnacknowledgedSchema,
)
from shared.schemas.reporting import CentreStatesSchema
from shared.settings import ValidatedSettings, timer

log = logging.getLogger(__name__)
STANDARDS = standards.load_directory()


def _inspection(doc, corrected_by=None):
    return InspectionSchema().dump({**doc, "inspected_on": as_date(doc["inspected_on"]),
                                    "corrected_by": corrected_by, "rectifications": doc.get("rectifications", [])})


def _rectification(doc):
    return RectificationSchema().dump({**doc, "due": as_date(doc["due"]),
                                       "ack_due": as_date(doc["ack_due"]) if doc.get("ack_due") else None})


class InspectionsService(HealthRpc, EmitsEvents):
    name = "inspections"

    store = Mongo(InspectionStore)
    clock = Clock()
    settings = ValidatedSettings()
    assignment = ServiceRpc("assignment")

    @rpc(expected_exceptions=EXPECTED)
    def get_standard(self, level, version=None):
        if level not in LEVELS:
            raise InvalidInput("级别必须是 subdistrict、community 或 village 之一", {"level": [level]})
        standard = STANDARDS.get(version) if version else STANDARDS.in_force(self.clock.today())
        return StandardSchema().dump(standards.describe(standard, level))

    @rpc(expected_exceptions=EXPECTED)
    def list_standard_versions(self):
        return [{"version": s["version"], "title": s["title"], "effective_from": s["effective_from"].isoformat()}
                for s in STANDARDS.versions()]

    @rpc(expected_exceptions=EXPECTED)
    def record_inspection(self, centre_id, request, actor, request_id=None):
        data = load_or_raise(InspectionRequestSchema(), request, "检查数据有误，未保存任何记录")
        actor = load_or_raise(ActorSchema(), actor)
        centre = self.assignment.get_centre(centre_id)
        command = commands.RecordInspection(centre, data, actor, self.clock.now(),
                                            request_id if isinstance(request_id, str) else None)
        inspection, events = commands.record_inspection(self.store, STANDARDS, command)
        self._emit(events)
        if not inspection.get("applied"):
            self.store.mark_applied(inspection["id"], inspection.get("rectifications", []))
        return _inspection(inspection)

    @timer("INSPECTIONS_REPAIR_SECONDS")
    def repair(self):
        """Finish inspections a crash left half-applied (effects written, events not sent)."""
        now = self.clock.now()
        older = now - timedelta(seconds=self.settings.inspections_repair_seconds)
        for inspection_id, events in commands.repair(self.store, now, older):
            log.warning("repairing inspection %s: re-applying effects and re-sending %d events", inspection_id, len(events))
            self._emit(events)
            self.store.mark_applied(inspection_id)

    @rpc(expected_exceptions=EXPECTED)
    def get_inspection(self, inspection_id, actor=None):
        doc = self.store.get_inspection(inspection_id)
        if doc is None:
            raise NotFound(f"检查记录“{inspection_id}”不存在", {"inspection_id": [inspection_id]})
        actor = load_or_raise(ActorSchema(), actor or {"role": "system"})
        commands.check_may_read(doc["office"], actor, self._district(actor, doc["centre_id"]))
        return _inspection(doc, self.store.correction_of(doc["id"]))

    def _district(self, actor, centre_id):
        """The district of a centre, asked of the assignment service only for an area-confined actor."""
        return self.assignment.get_centre(centre_id).get("district") if area_scope(actor) is not None else None

    @rpc(expected_exceptions=EXPECTED)
    def list_inspections(self, centre_id, filters=None, actor=None):
        query = load_or_raise(InspectionFilterSchema(), filters or {})
        centre = self.assignment.get_centre(centre_id)
        commands.check_may_read(centre["office"], load_or_raise(ActorSchema(), actor or {"role": "system"}),
                                centre.get("district"))
        items, total = self.store.find_inspections(centre_id, **query)
        corrected = self.store.corrected_by(centre_id)
        return {"items": [_inspection(i, corrected.get(i["id"])) for i in items], "total": total,
                "limit": query["limit"], "offset": query["offset"]}

    @rpc(expected_exceptions=EXPECTED)
    def latest_inspection(self, centre_id, kind, actor):
        """{"inspection": the one a new inspection of ``kind`` starts from, or None} (commands.latest_inspection)."""
        if kind not in INSPECTION_KINDS:
            raise InvalidInput("检查类型有误", {"kind": ["one of " + ", ".join(INSPECTION_KINDS)]})
        centre = self.assignment.get_centre(centre_id)
        found = commands.latest_inspection(self.store, centre, kind, load_or_raise(ActorSchema(), actor))
        return {"inspection": None if found is None else _inspection(found, self.store.correction_of(found["id"]))}

    @rpc(expected_exceptions=EXPECTED)
    def get_inspection_photo(self, inspection_id, photo_id):
        """One photo of an inspection's items (id = its SHA-256 = its key in the object store), with the
        inspection's office."""
        doc = self.store.get_inspection(inspection_id)
        if doc is None:
            raise NotFound(f"检查记录“{inspection_id}”不存在", {"inspection_id": [inspection_id]})
        meta = next((f for files in (doc.get("photos") or {}).values() for f in files if f.get("sha256") == photo_id),
                    None)
        stored = self.store.get_evidence(photo_id) if meta else None
        if stored is None:
            raise NotFound("该检查记录没有这张照片", {"photo_id": [photo_id]})
        return {"id": photo_id, "inspection_id": inspection_id, "office": doc["office"],
                "filename": meta.get("filename") or photo_id, "content_type": stored.get("content_type") or "",
                "size": stored.get("size"), "sha256": photo_id}

    @rpc(expected_exceptions=EXPECTED)
    def rectification_queue(self, filters=None):
        """A page of rectifications in one status (submitted: waiting for a re-check) of every office or one,
        continued by a cursor (``store.queue_page``)."""
        query = load_or_raise(QueueFilterSchema(), filters or {})
        items, following = self.store.queue_page(**query)
        return {"items": [_rectification(r) for r in items], "next": following}

    @rpc(expected_exceptions=EXPECTED)
    def list_rectifications(self, filters=None):
        query = load_or_raise(RectificationFilterSchema(), filters or {})
        items, total = self.store.find_rectifications(**query)
        return {"items": [_rectification(r) for r in items], "total": total,
                "limit": query["limit"], "offset": query["offset"]}

    @rpc(expected_exceptions=EXPECTED)
    def get_rectification(self, rectification_id):
        doc = self.store.get_rectification(rectification_id)
        if doc is None:
            raise NotFound(f"整改项“{rectification_id}”不存在", {"rectification_id": [rectification_id]})
        return {**_rectification(doc), "history": [
            {**h, "at": h["at"].isoformat()} for h in self.store.history(rectification_id)]}

    @rpc(expected_exceptions=EXPECTED)
    def get_rectification_evidence(self, rectification_id, evidence_id):
        """One evidence file of a rectification's submissions (id = its SHA-256 = its key in the object store)."""
        doc = self.store.get_rectification(rectification_id)
        if doc is None:
            raise NotFound(f"整改项“{rectification_id}”不存在", {"rectification_id": [rectification_id]})
        meta = next((f for s in doc.get("submissions") or [] for f in s.get("files") or []
                     if f.get("sha256") == evidence_id), None)
        stored = self.store.get_evidence(evidence_id) if meta else None
        if stored is None:
            raise NotFound(f"整改项“{rectification_id}”没有这个证明材料", {"evidence_id": [evidence_id]})
        return {"id": evidence_id, "rectification_id": rectification_id, "office": doc["office"],
                "filename": meta.get("filename") or evidence_id, "content_type": stored.get("content_type") or "",
                "size": stored.get("size"), "sha256": evidence_id}

    @rpc(expected_exceptions=EXPECTED)
    def uses_object(self, key):
        """Whether an inspection's photo or a rectification's evidence names the object ``key``."""
        return self.store.get_evidence(key) is not None

    @rpc(expected_exceptions=EXPECTED)
    def migrate_evidence(self, limit=100):
        """Move up to ``limit`` files still kept inside their documents to the object store; the number moved."""
        return commands.migrate_evidence(self.store, limit)

    @rpc(expected_exceptions=EXPECTED)
    def submit_rectification(self, rectification_id, request, actor, request_id=None):
        data = load_or_raise(SubmissionRequestSchema(), request, "整改材料有误，未保存任何内容")
        data["request_id"] = request_id if isinstance(request_id, str) else None
        saved, events = commands.submit_rectification(self.store, rectification_id, data,
                                                      load_or_raise(ActorSchema(), actor), self.clock.now())
        self._emit(events)
        return _rectification(saved)

    @rpc(expected_exceptions=EXPECTED)
    def acknowledge_rectification(self, rectification_id, actor):
        saved, events = commands.acknowledge_rectification(self.store, rectification_id,
                                                           load_or_raise(ActorSchema(), actor), self.clock.now())
        self._emit(events)
        return _rectification(saved)

    @rpc(expected_exceptions=EXPECTED)
    def chase_rectification(self, rectification_id, request, actor):
        data = load_or_raise(ChaseRequestSchema(), request, "催办内容有误")
        saved, _ = commands.chase_rectification(self.store, rectification_id, data,
                                                load_or_raise(ActorSchema(), actor), self.clock.now())
        return _rectification(saved)

    @rpc(expected_exceptions=EXPECTED)
    def close_rectification(self, rectification_id, actor):
        saved, events = commands.close_rectification(self.store, rectification_id, load_or_raise(ActorSchema(), actor),
                                                     self.clock.now())
        self._emit(events)
        return _rectification(saved)

    @rpc(expected_exceptions=EXPECTED)
    def unacknowledged(self, query=None):
        """Orders not signed for (签收) yet, as notice items (due: the day to sign by), for the notifications scan."""
        data = load_or_raise(UnacknowledgedSchema(), query or {})
        return commands.unacknowledged(self.store, data["limit"])

    @rpc(expected_exceptions=EXPECTED)
    def response_times(self):
        """Per office: orders signed for and fixed, average hours to sign for and days to fix."""
        return ResponseTimesSchema().dump({"items": commands.response_times(self.store)})

    @rpc(expected_exceptions=EXPECTED)
    def centre_results(self, query):
        """Acceptance results and rectifications of up to 1,000 centres, for a rebuild of the read model."""
        data = load_or_raise(CentreStatesSchema(), query or {})
        out = []
        for centre_id in data["centre_ids"]:
            accepted, failed, rects = self.store.of_centre(centre_id)
            out.append({"centre_id": centre_id, "accepted": accepted, "failed": failed, "rectifications": [
                {"id": r["id"], "office": r["office"], "item_id": r["item_id"], "title": r["title"], "due": r["due"],
                 "open": r["status"] in ACTIVE, "opened_on": local_date(r["opened_at"]).isoformat()}
                for r in rects]})
        return out

    @event_handler(ev.ASSIGNMENT, ev.CENTRE_REASSIGNED)
    def on_centre_reassigned(self, payload):
        self._follow(payload)

    @event_handler(ev.ASSIGNMENT, ev.CENTRE_UPDATED)
    def on_centre_updated(self, payload):
        self._follow(payload)

    def _follow(self, payload):
        centre = (payload or {}).get("centre") or {}
        if not centre.get("id") or not centre.get("office"):
            log.error("centre event without centre id/office ignored: %r", payload)
            return
        moved, _ = commands.follow_centre(self.store, centre, self.clock.now())
        if moved:
            log.info("rectifications %s now belong to %s", moved, centre["office"])
