"""Which event changes what in the read model: one named handler per event, in ``EVENT_HANDLERS``.

The service's entrypoints (service.py) only name their event; ``handle`` loads the payload with the
event's schema and runs its handler with the service's dependencies (``Context``, given the way
cosmicpython's ``bootstrap`` injects them). Two kinds of handler:

- ``OneChange``: the event is ONE change of the model (``projection.apply_once``), applied once per
  ``key`` (its source's revision id), dated by ``at`` (the day of the change; None: the day it is
  applied), made by ``change(data, model)`` under the service's one writer (writer.py);
- ``ImportBatch``: one of an import chunk's two batches (many centres, or their planned milestones),
  which meets its partner through the store (pairing.py) so the two are applied as one change (batch.py);
  ``sweep`` applies alone a batch whose partner is overdue.

The whole design: docs/read-model.md.
"""
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from marshmallow import Schema

from services.reporting import areas as area_rollups
from services.reporting import batch, pairing
from services.reporting import indicator_figures as indicator_model
from services.reporting.history import mark_revised
from services.reporting.projection import apply_once, set_acceptance, set_centre, set_milestone, set_rectification
from shared import events as ev
from shared.clock import local_date
from shared.schemas.assignment import CentreEventSchema, CentresRegisteredSchema
from shared.schemas.indicators import MonthlyEventSchema, StatusChangedSchema
from shared.schemas.inspections import CentreAcceptedSchema, CentreFailedAcceptanceSchema, RectificationClosedSchema, RectificationOpenedSchema
from shared.schemas.milestones import MilestoneDueChangedSchema, MilestonesPlannedBatchSchema, MilestonesPlannedSchema, ProgressUpdatedSchema

log = logging.getLogger(__name__)


class Context(NamedTuple):
    """What every handler is given: the service's store (its partition's, partition.py), clock, one writer
    (writer.py) and how long an import chunk waits for its planned milestones (pairing.py)."""
    store: Any
    clock: Any
    writer: Any
    pair_wait_s: float = 30.0
    wall: Callable[[], float] = time.time  # waiting for a partner is in real seconds, whatever the clock says


def handle(context, name, payload):
    """Apply the event ``name`` with its ``payload``; False if it changed nothing (or was refused)."""
    handler = EVENT_HANDLERS[name]
    try:
        data = handler.schema().load(payload or {})
    except Exception as exc:
        log.error("reporting: %s refused (%s): %.500r", name, exc, payload)
        return False
    if isinstance(handler, ImportBatch):
        return handler.handle(context, data, payload)
    return handler.handle(context, data)


def apply_event(context, owner, name, payload, ask=None):
    """What the service does with an event: the part of it in the partition (``owner``: partition.Owner; ``ask``
    tells where an office lies), applied (``handle``), then the roll-ups of the areas it touched (areas.py)."""
    payload = owner.owned_payload(name, payload, ask)
    if payload is None:  # nothing of it lies in this partition
        return False
    applied = handle(context, name, payload)
    with context.writer:
        area_rollups.after_change(context.store.db, payload)
    return applied


def sweep(context):
    """Apply alone every stashed import batch whose partner is overdue (pairing.py); how many were applied."""
    store, now = context.store, context.clock.now()
    with context.writer:
        overdue = pairing.overdue(store, context.wall())
    for found in overdue:
        with context.writer:
            doc = pairing.load(store, found["_id"])  # gone: its partner came meanwhile
            if doc is None:
                continue
            handler = BATCHES[doc["kind"]]
            handler.alone(store, handler.schema().load(doc["payload"])[handler.kind], doc["day"], now)
            area_rollups.after_change(store.db, doc["payload"])
            pairing.drop(store, doc)
    return len(overdue)


def _day(when, clock):
    return (local_date(when) if when else clock.today()).isoformat()


def event_at(data):
    return data["at"]


def applied_day(data):
    """Dated by the day it is applied (the indicator events carry no instant of the change)."""
    return None


@dataclass(frozen=True)
class OneChange:
    schema: type[Schema]
    key: Callable[[dict], str]
    change: Callable[[dict, Any], object]
    at: Callable[[dict], Any] = event_at

    def handle(self, context, data):
        day = _day(self.at(data), context.clock)
        with context.writer:
            return apply_once(context.store, self.key(data), day, partial(self.change, data), context.clock.now())


@dataclass(frozen=True)
class ImportBatch:
    """A batch applied with its partner when they meet, else alone (``alone``: batch.apply_centres or
    batch.apply_planned); ``ids``: its centres in order."""
    schema: type[Schema]
    kind: str
    ids: Callable[[dict], list]
    at: Callable[[dict], Any]
    alone: Callable[..., bool]

    def handle(self, context, data, payload):
        """Under the writer's lock: with its partner's stash, both as one change (then the stash goes); alone
        when no partner will come; else stashed until the partner comes or ``sweep`` finds it overdue."""
        store, ids, now = context.store, self.ids(data), context.clock.now()
        day = _day(self.at(data), context.clock)
        with context.writer:
            partner = pairing.partner_of(store, self.kind, ids, day)
            if partner is not None:
                other = BATCHES[partner["kind"]]
                found = other.schema().load(partner["payload"])
                centres, planned = (data, found) if self.kind == pairing.CENTRES else (found, data)
                done = batch.apply_centres_and_planned(store, centres["centres"], planned["planned"], day, now)
                area_rollups.after_change(store.db, partner["payload"])
                pairing.drop(store, partner)  # only now: a crash before leaves it to be applied again, changing nothing
                return done
            if not ids or pairing.partner_gone(store, ids):
                return self.alone(store, data[self.kind], day, now)
            wait = context.pair_wait_s if self.kind == pairing.CENTRES else pairing.PLANNED_WAIT_SECONDS
            pairing.stash(store, pairing.Batch(self.kind, ids, day, payload, context.wall() + wait))
            return False


# --- assignment -------------------------------------------------------------------------

def centre_key(data):
    return "centre:{}:{}".format(data["centre"]["id"], data["centre"].get("version") or 0)


def centre_at(data):
    return data["centre"].get("updated_at")


def centre_changed(data, model):
    """A centre registered, reassigned or updated: its newer version (projection.set_centre)."""
    return set_centre(model, data["centre"])


def chunk_ids(data):
    return [c["id"] for c in data["centres"]]


def chunk_at(data):
    return data["centres"][0].get("updated_at")


# --- milestones -------------------------------------------------------------------------

def planned_key(data):
    return "planned:{}:{}".format(data["centre_id"], ",".join(sorted(m["key"] for m in data["milestones"])))


def milestones_planned(data, model):
    for m in data["milestones"]:
        set_milestone(model, data["centre_id"], {**m, "office": data["office"]})


def planned_ids(data):
    return [p["centre_id"] for p in data["planned"]]


def planned_at(data):
    return data["planned"][0]["at"] if data["planned"] else None


def milestone_version_key(data):
    return "ms:{}:{}:{}".format(data["centre_id"], data["key"], data["version"])


def progress_updated(data, model):
    if data.get("done_on") is not None:  # a report for a past day: that day's snapshots are outdated
        mark_revised(model, data["office"], data["done_on"])
    return set_milestone(model, data["centre_id"], data)


def milestone_due_changed(data, model):
    current = model.store.get("milestones", "{}:{}".format(data["centre_id"], data["key"]))
    if current is not None:  # otherwise its creation, read later, already carries the new due day
        set_milestone(model, data["centre_id"], {**current, "office": data["office"], "due": data["due"],
                                                 "version": data["version"]})


# --- inspections ------------------------------------------------------------------------

def accepted_key(data):
    return "accepted:{}".format(data["centre_id"])


def centre_accepted(data, model):
    return set_acceptance(model, data["centre_id"], data["office"], accepted=True)


def failed_key(data):
    return "failed:{}".format(data["inspection_id"])


def centre_failed_acceptance(data, model):
    return set_acceptance(model, data["centre_id"], data["office"], failed_inspection=data["inspection_id"])


def opened_key(data):
    return "rect:{}:opened".format(data["rectification_id"])


def rectification_opened(data, model):
    return set_rectification(model, {
        "id": data["rectification_id"], "centre_id": data["centre_id"], "office": data["office"],
        "item_id": data["item_id"], "title": data["title"], "due": data["due"], "open": True,
        "opened_on": local_date(data["at"])})


def closed_key(data):
    return "rect:{}:closed".format(data["rectification_id"])


def rectification_closed(data, model):
    return set_rectification(model, {
        "id": data["rectification_id"], "centre_id": data["centre_id"], "office": data["office"],
        "item_id": data["item_id"], "open": False})


# --- indicators (indicator_figures.py) ---------------------------------------------------

def monthly_key(data):
    return "monthly:{}:{}:{}".format(data["centre_id"], data["month"], data["version"])


def monthly_report_submitted(data, model):
    return indicator_model.apply_centre_year(model.store.db, data, model.store.partition)


def status_key(data):
    return "status:{}:{}@{}:{}:{}".format(data["subject"], data["indicator_id"], data["period_end"], data["status"],
                                          data["as_of"])


def indicator_status_changed(data, model):
    return indicator_model.apply_status(model.store.db, data, model.store.partition)


CENTRE_CHANGED = OneChange(CentreEventSchema, centre_key, centre_changed, centre_at)
CENTRES_BATCH = ImportBatch(CentresRegisteredSchema, pairing.CENTRES, chunk_ids, chunk_at, batch.apply_centres)
PLANNED_BATCH = ImportBatch(MilestonesPlannedBatchSchema, pairing.PLANNED, planned_ids, planned_at, batch.apply_planned)
BATCHES = {pairing.CENTRES: CENTRES_BATCH, pairing.PLANNED: PLANNED_BATCH}

EVENT_HANDLERS = {
    # assignment
    ev.CENTRE_REASSIGNED: CENTRE_CHANGED,
    ev.CENTRE_UPDATED: CENTRE_CHANGED,
    ev.CENTRES_REGISTERED: CENTRES_BATCH,
    # milestones
    ev.MILESTONES_PLANNED: OneChange(MilestonesPlannedSchema, planned_key, milestones_planned),
    ev.MILESTONES_PLANNED_BATCH: PLANNED_BATCH,
    ev.PROGRESS_UPDATED: OneChange(ProgressUpdatedSchema, milestone_version_key, progress_updated),
    ev.MILESTONE_DUE_CHANGED: OneChange(MilestoneDueChangedSchema, milestone_version_key, milestone_due_changed),
    # inspections
    ev.CENTRE_ACCEPTED: OneChange(CentreAcceptedSchema, accepted_key, centre_accepted),
    ev.CENTRE_FAILED_ACCEPTANCE: OneChange(CentreFailedAcceptanceSchema, failed_key, centre_failed_acceptance),
    ev.RECTIFICATION_OPENED: OneChange(RectificationOpenedSchema, opened_key, rectification_opened),
    ev.RECTIFICATION_CLOSED: OneChange(RectificationClosedSchema, closed_key, rectification_closed),
    # indicators
    ev.MONTHLY_REPORT_SUBMITTED: OneChange(MonthlyEventSchema, monthly_key, monthly_report_submitted, applied_day),
    ev.INDICATOR_STATUS_CHANGED: OneChange(StatusChangedSchema, status_key, indicator_status_changed, applied_day),
}
