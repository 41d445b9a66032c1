"""Use cases of the milestones service, on a store, a plan and a clock, without a broker.

Each use case takes a command (``ReportProgress``, ``ReopenMilestone``, ``CompleteMilestone``: what is asked,
by whom, when) and returns ``(result, events)``. Every accepted change goes through ``_write``: one insert into
the append-only revisions, guarded by the unique (centre_id, key, version) index. Refused attempts are recorded
before the error is raised, so the audit trail shows them too.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from services.milestones import evidence as evidence_files
from services.milestones import photo_checks
from shared import events as ev
from shared.authz import authorize
from shared.clock import as_date, iso, local_zone
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from shared.retry import retry_on_conflict
from shared.schemas.milestones import (
    CentreBuiltSchema,
    MilestoneCompletedSchema,
    MilestoneDueChangedSchema,
    MilestonesPlannedBatchSchema,
    MilestonesPlannedSchema,
    PhaseCompletedSchema,
    ProgressUpdatedSchema,
)

ASSIGNMENT_ACTOR = {"role": "system", "office": None, "name": "assignment"}
INSPECTIONS_ACTOR = {"role": "system", "office": None, "name": "inspections"}
SYSTEM_RETRIES = 20
REFUSALS = (Forbidden, Conflict, InvalidInput, PayloadTooLarge)


@dataclass(frozen=True)
class ReportProgress:
    """A person reports progress on one milestone. ``update`` is what ProgressUpdateSchema loaded (status,
    percent, note, reason, based_on_version, evidence), or the raw input when that refused it."""
    centre_id: str
    key: str
    update: Any
    actor: dict
    now: datetime
    request_id: str | None = None


@dataclass(frozen=True)
class ReopenMilestone:
    """Take a done milestone back to in progress, for ``reason`` (an admin, or another service)."""
    centre_id: str
    key: str
    reason: str
    actor: dict
    now: datetime


@dataclass(frozen=True)
class CompleteMilestone:
    """Another service sets a milestone done (an acceptance, the last rectification, a self-check)."""
    centre_id: str
    key: str
    note: str
    actor: dict
    now: datetime


@dataclass(frozen=True)
class Stamp:
    """How, by whom and when one milestone is changed (and by which request, to recognise a redelivery)."""
    kind: str
    actor: dict
    now: datetime
    request_id: str | None = None
    done_on: date | None = None  # the day the reported work was done, when it was a past day


@dataclass(frozen=True)
class Loaded:
    """One milestone as read before a change: its centre, its key, its state (None when not read) and, when
    read together with it, the states of every milestone of the centre (``siblings``, by key)."""
    centre: dict
    key: str
    current: dict | None
    siblings: dict | None = None


def cutoff(as_of):
    """The first instant after the local calendar day ``as_of``."""
    return datetime.combine(as_of + timedelta(days=1), time(0, 0), tzinfo=local_zone())


def overdue(state, on):
    return state["status"] != "done" and state["due"] is not None and state["due"] < on


# --- centres and their milestones -------------------------------------------------

def reconcile_centre(store, plan, centre, now, actor=ASSIGNMENT_ACTOR):
    """Bring one centre and its milestones in line with the allocation table.

    Idempotent: creating version 1 of a milestone twice loses the race harmlessly,
    and a due date already right is left alone. Returns (counts, events).
    """
    counts = {"created": 0, "redated": 0, "moved": 0}
    stored = store.get_centre(centre["id"])
    incoming = centre.get("version") or 0
    if stored is not None and (stored.get("assignment_version") or 0) > incoming:
        centre = stored  # a late event or an old sync page must not undo a newer change
    else:
        centre = {**centre, "assignment_version": incoming}
        if stored is None or any(stored.get(f) != centre.get(f) for f in ("name", "level", "office", "deadline", "pilot",
                                                                          "lat", "lng", "assignment_version", "district")):
            store.save_centre(centre, now)
        if stored is not None and stored["office"] != centre["office"]:
            counts["moved"] = 1
            for office, kind in ((stored["office"], "moved_out"), (centre["office"], "moved_in")):
                store.record({"centre_id": centre["id"], "office": office, "key": None, "kind": kind, "outcome": "info",
                              "before": {"office": stored["office"]}, "after": {"office": centre["office"]},
                              "actor": actor, "role": actor["role"], "at": now})
    existing = {} if stored is None else store.states_of_centre(centre["id"])
    template = plan.template_for(centre)
    new = [_initial(centre, spec, actor, now) for spec in template if spec["key"] not in existing]
    counts["created"] = store.insert_initial(new)
    events = [_planned(plan, centre, new, now)] if new else []
    for spec in template:
        current = existing.get(spec["key"])
        if current is not None and current["due"] != spec["due"]:
            state, _ = _system_write(store, plan, (centre["id"], spec["key"]), Stamp("due_changed", actor, now),
                                     lambda cur, due=spec["due"]: None if cur["due"] == due else {"due": due})
            if state is not None:
                counts["redated"] += 1
                events.append((ev.MILESTONE_DUE_CHANGED, MilestoneDueChangedSchema().dump(
                    {"centre_id": centre["id"], "office": centre["office"], "key": spec["key"],
                     "version": state["version"], "previous_due": current["due"], "due": spec["due"], "at": now})))
    return counts, events


def register_centres(store, plan, centres, now, actor=ASSIGNMENT_ACTOR):
    """Many new centres at once (one import chunk): the centres with one ``insert_many``, then every
    milestone's version 1 with ``insert_many`` (``insert_initial``), announced in ONE
    ``milestones_planned_batch``. A centre already known here (a redelivered batch, a sync, a later
    change that arrived first) goes through ``reconcile_centre`` instead. Returns (counts, events)."""
    fresh, known = store.insert_centres([{**c, "assignment_version": c.get("version") or 0} for c in centres], now)
    counts, events = {"created": 0, "redated": 0, "moved": 0}, []
    for centre in (c for c in centres if c["id"] in known):
        more, evs = reconcile_centre(store, plan, centre, now, actor)
        events.extend(evs)
        for k, v in more.items():
            counts[k] += v
    planned = [(centre, [_initial(centre, spec, actor, now) for spec in plan.template_for(centre)])
               for centre in centres if centre["id"] in fresh]
    counts["created"] += store.insert_initial([r for _, revisions in planned for r in revisions])
    if planned:
        events.append((ev.MILESTONES_PLANNED_BATCH, MilestonesPlannedBatchSchema().dump(
            {"planned": [_planned_payload(plan, centre, revisions, now) for centre, revisions in planned if revisions]})))
    return counts, events


def _planned(plan, centre, revisions, now):
    """Sent for every attempt to create version 1 (a lost race sends the same versions again:
    readers apply ``centre:key:1`` once)."""
    return ev.MILESTONES_PLANNED, MilestonesPlannedSchema().dump(_planned_payload(plan, centre, revisions, now))


def _planned_payload(plan, centre, revisions, now):
    return {"centre_id": centre["id"], "office": centre["office"], "at": now,
            "milestones": [{**{k: r[k] for k in ("key", "phase", "title", "owner", "order", "due", "status", "version")},
                            "phase_end": plan.phases[r["phase"]]["end"] if r["phase"] in plan.phases else None,
                            "phase_start": plan.phases[r["phase"]]["start"] if r["phase"] in plan.phases else None}
                           for r in revisions]}


def _initial(centre, spec, actor, now):
    return {"centre_id": centre["id"], "key": spec["key"], "version": 1, "office": centre["office"], "kind": "created",
            "phase": spec["phase"], "title": spec["title"], "owner": spec["owner"], "order": spec["order"],
            "due": spec["due"], "status": "not_started", "percent": 0, "note": "", "reason": "", "evidence": [],
            "before": None, "actor": actor, "role": actor["role"], "at": now}


def _load(store, centre_id, key, siblings=False):
    """The centre and the milestone's newest state; with ``siblings``, the centre's milestones are read
    together with it (one equality read on the centre instead of one by ``_id``)."""
    centre = store.get_centre(centre_id)
    if centre is None:
        raise NotFound(f"中心“{centre_id}”不存在或尚未同步", {"centre_id": [centre_id]})
    states = None
    if siblings:
        current, states = store.latest_with_siblings(centre_id, key)
    else:
        current = store.latest(centre_id, key)
    if current is None:
        raise NotFound(f"中心“{centre_id}”没有里程碑“{key}”", {"key": [key]})
    return Loaded(centre, key, current, states)


def _write(store, plan, loaded, changes, stamp):
    """Insert the next revision on top of ``loaded.current``; returns (state, events). Conflict if the slot is taken."""
    centre, current = loaded.centre, loaded.current
    after = {**current, **changes}
    revision = {**{k: after[k] for k in ("centre_id", "key", "phase", "title", "owner", "order", "due", "status",
                                         "percent", "note", "reason", "evidence")},
                "version": current["version"] + 1, "request_id": stamp.request_id,
                "office": centre["office"], "kind": stamp.kind, "actor": stamp.actor, "role": stamp.actor.get("role"),
                "at": stamp.now, "done_on": iso(stamp.done_on),
                "before": {k: current[k] for k in ("status", "percent", "note", "reason")} | {"due": iso(current["due"])}}
    store.insert_revision(revision)
    state = {**after, "version": revision["version"], "updated_at": stamp.now}
    return state, _events(store, plan, loaded, state, stamp)


def _events(store, plan, loaded, after, stamp):
    """The events of the change from ``loaded.current`` to ``after``. ``phase_completed`` needs every milestone
    of the phase: from ``loaded.siblings`` when they were read with the milestone, else read here."""
    before = loaded.current
    if stamp.kind == "due_changed":
        return []
    base = {"centre_id": loaded.centre["id"], "office": loaded.centre["office"], "at": stamp.now}
    out = [(ev.PROGRESS_UPDATED, ProgressUpdatedSchema().dump(
        {**base, "key": after["key"], "phase": after["phase"], "due": after["due"], "status": after["status"],
         "previous_status": before["status"], "percent": after["percent"], "version": after["version"],
         "actor": stamp.actor, "done_on": stamp.done_on}))]
    if after["status"] == "done" and before["status"] != "done":
        out.append((ev.MILESTONE_COMPLETED, MilestoneCompletedSchema().dump({**base, "key": after["key"], "phase": after["phase"]})))
        if plan.by_key.get(after["key"], {}).get("centre_built"):
            out.append((ev.CENTRE_BUILT, CentreBuiltSchema().dump(base)))
        siblings = loaded.siblings if loaded.siblings is not None else store.states_of_centre(loaded.centre["id"])
        same_phase = [s for s in {**siblings, after["key"]: after}.values() if s["phase"] == after["phase"]]
        if all(s["status"] == "done" for s in same_phase):
            out.append((ev.PHASE_COMPLETED, PhaseCompletedSchema().dump({**base, "phase": after["phase"]})))
    return out


def _system_write(store, plan, target, stamp, change):
    """A write by the system itself on ``target`` (centre id, key): re-read and retry on Conflict so it is
    never lost. ``change(current)`` returns the changes, or None when there is nothing to do."""
    centre_id, key = target

    def write(loaded):
        changes = change(loaded.current)
        if changes is None:
            return None, []
        return _write(store, plan, loaded, changes, stamp)
    return retry_on_conflict(write, lambda: _load(store, centre_id, key), attempts=SYSTEM_RETRIES,
                             exhausted=Conflict(f"里程碑“{key}”更新冲突次数过多", {"key": [key]}))


def system_complete(store, plan, command):
    """Set a milestone done on behalf of another service (a ``CompleteMilestone``); a no-op if already done."""
    def change(current):
        if current["status"] == "done":
            return None
        return {"status": "done", "percent": 100, "note": command.note, "reason": ""}
    return _system_write(store, plan, (command.centre_id, command.key), Stamp("system", command.actor, command.now),
                         change)


def system_reopen(store, plan, command):
    """Take a done milestone back to in progress on behalf of another service (a ``ReopenMilestone``: e.g. a
    later city or province check opened new rectifications, so ``p5_rectification`` is no longer done); else a no-op."""
    def change(current):
        if current["status"] != "done":
            return None
        return {"status": "in_progress", "percent": 0, "note": "重新打开：" + command.reason, "reason": command.reason}
    return _system_write(store, plan, (command.centre_id, command.key), Stamp("system", command.actor, command.now),
                         change)


# --- progress by people -----------------------------------------------------------

def _refuse(store, loaded, stamp, exc, attempted):
    current = loaded.current
    store.record({"centre_id": loaded.centre["id"], "office": loaded.centre["office"], "key": loaded.key,
                  "kind": stamp.kind, "outcome": "refused", "actor": stamp.actor, "role": stamp.actor.get("role"),
                  "at": stamp.now, "version": None,
                  "before": None if current is None else {"status": current["status"], "percent": current["percent"],
                                                          "version": current["version"]},
                  "after": attempted, "error": {"code": exc.code, "message": exc.message}})


def refuse_invalid(store, command, exc):
    """Record a progress report (a ``ReportProgress``) refused for its input, when the centre is known. The
    attempted values are kept as short text: they may be anything, e.g. a version of 2**70 that the store cannot hold."""
    centre = store.get_centre(command.centre_id) if isinstance(command.centre_id, str) else None
    if centre is None:
        return
    raw = command.update if isinstance(command.update, dict) else {}
    attempted = {k: str(raw.get(k))[:200] for k in ("status", "percent", "note", "reason", "based_on_version")
                 if k in raw}
    _refuse(store, Loaded(centre, command.key, None), Stamp("progress", command.actor, command.now), exc, attempted)


def check_done_on(plan, done_on):
    """A past day of work is no earlier than the programme's start (its first phase)."""
    start = plan.start()
    if done_on is not None and done_on < start:
        raise InvalidInput(f"完成日期 {done_on.isoformat()} 早于建设计划开始日期 {start.isoformat()}",
                           {"done_on": [f"请填写 {start.isoformat()} 及以后的日期"]})


def check_may_update(centre, current, actor):
    authorize(actor, "progress.report", message="当前角色不能填报建设进度")
    authorize(actor, "progress.report", centre["office"],
              message="只能填报本街道办事处的中心：“{}”不属于本街道".format(centre["name"]), district=centre.get("district"))
    if current["owner"] == "inspection":
        authorize(actor, "milestones.results", message="“{}”由验收结果自动设置，不能手工填报".format(current["title"]))


def _own_write(store, plan, loaded, command):
    """A redelivered request (the service crashed, or the reply was lost, and the client or the
    broker sent it again) finds the revision it already wrote: (state, events) of that write, else None.
    The events go out again: handlers are idempotent, and the first dispatch may not have happened."""
    version = command.update["based_on_version"]
    if not command.request_id or not isinstance(version, int):
        return None
    mine = store.revision(command.centre_id, command.key, version + 1)
    if mine is None or mine.get("request_id") != command.request_id:
        return None
    before = store.revision(command.centre_id, command.key, version)
    state = store.state_of(mine)
    return state, _events(store, plan, Loaded(loaded.centre, command.key, store.state_of(before) if before else state,
                                              loaded.siblings), state, Stamp(mine["kind"], mine["actor"], mine["at"],
                                                                   done_on=as_date(mine.get("done_on"))))


def report_progress(store, plan, command):
    """A ``ReportProgress``: the new state and its events, or the refusal (audited) raised."""
    update, actor, now = command.update, command.actor, command.now
    loaded = _load(store, command.centre_id, command.key, siblings=update["status"] == "done")
    centre, current = loaded.centre, loaded.current
    # latest() walked forward to the newest revision, so a version above current's is not written yet:
    # only a report based on an older version may be this request's own earlier write
    if update["based_on_version"] < current["version"]:
        replay = _own_write(store, plan, loaded, command)
        if replay is not None:
            return replay
    attempted = {"status": update["status"], "percent": update.get("percent"), "note": update.get("note", ""),
                 "reason": update.get("reason", ""), "based_on_version": update["based_on_version"],
                 "evidence": [u["filename"] for u in update.get("evidence") or []],
                 "done_on": iso(update.get("done_on"))}
    stamp = Stamp("progress", actor, now, command.request_id, update.get("done_on"))
    try:
        check_may_update(centre, current, actor)
        check_done_on(plan, update.get("done_on"))
        if update["based_on_version"] != current["version"]:
            raise Conflict("里程碑在您填写期间已被他人更新，请核对最新状态后再提交",
                           {"based_on_version": ["已有更新的第 {} 次记录，您依据的是第 {} 次".format(
                               current["version"], update["based_on_version"])]})
        if current["status"] == "done" and update["status"] != "done":
            raise Conflict("已完成的里程碑不能直接改回，需要管理员重新打开（reopen）并说明原因",
                           {"status": ["done; reopen required"]})
        files = evidence_files.prepare(update.get("evidence") or [])
    except REFUSALS as exc:
        _refuse(store, loaded, stamp, exc, attempted)
        raise
    files, fingerprints = photo_checks.examine(store, plan, loaded, files, command)
    status = update["status"]
    percent = {"done": 100, "not_started": 0}.get(status, update.get("percent"))
    changes = {"status": status, "percent": current["percent"] if percent is None else percent,
               "note": update.get("note") or "", "reason": update.get("reason") or "",
               "evidence": list(current["evidence"] or []) + [evidence_files.meta(f) for f in files]}
    store.insert_evidence([{**f, "centre_id": command.centre_id, "key": command.key, "office": centre["office"],
                            "actor": actor, "at": now} for f in files])
    store.insert_fingerprints(fingerprints)
    try:
        return _write(store, plan, loaded, changes, stamp)
    except Conflict as exc:
        store.delete_evidence([f["_id"] for f in files])  # lost the race: keep nothing of this attempt
        store.delete_fingerprints([p["_id"] for p in fingerprints])
        replay = _own_write(store, plan, loaded, command)
        if replay is not None:  # the slot was taken by this very request, delivered twice at once
            return replay
        _refuse(store, loaded, stamp, exc, attempted)
        raise


def reopen(store, plan, command):
    """A ``ReopenMilestone`` by a person: only an admin, only a done milestone; refusals are audited."""
    loaded = _load(store, command.centre_id, command.key)
    current, actor, reason = loaded.current, command.actor, command.reason
    attempted = {"status": "in_progress", "reason": reason}
    stamp = Stamp("reopen", actor, command.now)
    try:
        authorize(actor, "milestones.reopen", message="只有区级管理员可以重新打开已完成的里程碑")
        if current["status"] != "done":
            raise Conflict("只有已完成的里程碑可以重新打开", {"status": ["not done"]})
        return _write(store, plan, loaded, {"status": "in_progress", "percent": 0, "reason": reason,
                                            "note": "重新打开：" + reason}, stamp)
    except (Forbidden, Conflict) as exc:
        _refuse(store, loaded, stamp, exc, attempted)
        raise
