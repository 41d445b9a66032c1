"""Which event changes what in the read model: one named handler per event, in ``EVENT_HANDLERS``.

The service's entrypoints (service.py) only name their event; ``handle`` loads the payload with the
event's schema and runs its handler with the service's dependencies (``Context``, given the way
cosmicpython's ``bootstrap`` injects them). Two kinds of handler:

- ``OneChange``: the event is ONE change of the model (``projection.apply_once``), applied once per
  ``key`` (its source's revision id), dated by ``at`` (the day of the change; None: the day it is
  applied), made by ``change(data, model)`` under the service's one writer (writer.py);
- ``ImportBatch``: one of an import chunk's two batches (many centres, or their planned milestones),
  which meets its partner in memory (pairing.py) so the two are applied as one change (batch.py).

The whole design: docs/read-model.md.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from marshmallow import Schema

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
PLANNED_WAIT_SECONDS = 600  # how long planned milestones wait for their chunk, while it is not in the model


class Context(NamedTuple):
    """What every handler is given: the service's store, clock, one writer (writer.py) and pairing."""
    store: Any
    clock: Any
    writer: Any
    pairs: pairing.Pairing


def handle(context, name, payload):
    """Apply the event ``name`` with its ``payload``; False if it changed nothing (or was refused)."""
    handler = EVENT_HANDLERS[name]
    try:
        data = handler.schema().load(payload or {})
    except Exception as exc:
        log.error("reporting: %s refused (%s): %.500r", name, exc, payload)
        return False
    return handler.handle(context, data)


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

    def handle(self, context, data):
        store, pairs, ids = context.store, context.pairs, self.ids(data)
        day = _day(self.at(data), context.clock)
        wait = None  # the pairing's own wait (pairing.Pairs)
        if self.kind == pairing.PLANNED and ids:  # its chunk was published first: wait for it unless it is here
            centre = store.get("centres", ids[0])
            wait = 0 if centre and centre.get("name") is not None else PLANNED_WAIT_SECONDS
        role, partner = pairs.meet(self.kind, ids, day, data, wait)
        if role == pairing.TAKEN:
            return partner.outcome()
        with context.writer:
            if role == pairing.ALONE:
                done = self.alone(store, data[self.kind], day, context.clock.now())
                pairs.applied_alone(self.kind, ids)
                return done
            centres, planned = (data, partner.data) if self.kind == pairing.CENTRES else (partner.data, data)
            try:
                done = batch.apply_centres_and_planned(store, centres["centres"], planned["planned"], day,
                                                       context.clock.now())
            except BaseException as exc:
                partner.finish(exc)
                raise
            partner.finish()
            return done


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
    return indicator_model.apply_centre_year(model.store.db, data)


def status_key(data):
    return "status:{}:{}@{}:{}:{}".format(data["subject"], data["indicator_id"], data["period_end"], data["status"],
                                          data["as_of"])


def indicator_status_changed(data, model):
    return indicator_model.apply_status(model.store.db, data)


CENTRE_CHANGED = OneChange(CentreEventSchema, centre_key, centre_changed, centre_at)

EVENT_HANDLERS = {
    # assignment
    ev.CENTRE_REASSIGNED: CENTRE_CHANGED,
    ev.CENTRE_UPDATED: CENTRE_CHANGED,
    ev.CENTRES_REGISTERED: ImportBatch(CentresRegisteredSchema, pairing.CENTRES, chunk_ids, chunk_at, batch.apply_centres),
    # milestones
    ev.MILESTONES_PLANNED: OneChange(MilestonesPlannedSchema, planned_key, milestones_planned),
    ev.MILESTONES_PLANNED_BATCH: ImportBatch(MilestonesPlannedBatchSchema, pairing.PLANNED, planned_ids, planned_at,
                                             batch.apply_planned),
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
