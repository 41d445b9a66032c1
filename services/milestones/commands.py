"""Use cases of the milestones service, on a store, a plan and a clock, without a broker.

Writers return ``(result, events)``. Every accepted change goes through
``_write``: one insert into the append-only revisions, guarded by the unique
(centre_id, key, version) index. Refused attempts are recorded before the error
is raised, so the audit trail shows them too.
"""
from datetime import datetime, time, timedelta

from services.milestones import evidence as evidence_files
from services.milestones import photo_checks
from shared import events as ev
from shared.authz import authorize
from shared.clock import local_zone
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge
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


def cutoff(as_of):
    """The first instant after the local calendar day ``as_of``."""
    return datetime.combine(as_of + timedelta(days=1), time(0, 0), tzinfo=local_zone())


def overdue(state, on):
    return state["status"] != "done" and state["due"] is not None and state["due"] < on


# --- centres and their milestones -------------------------------------------------

_UNSET = object()


def reconcile_centre(store, plan, centre, now, actor=ASSIGNMENT_ACTOR, stored=_UNSET, existing=None):
    """Bring one centre and its milestones in line with the allocation table.

    Idempotent: creating version 1 of a milestone twice loses the race harmlessly,
    and a due date already right is left alone. ``stored`` / ``existing`` may be
    passed in when the caller (a full sync) has read them in bulk. Returns (counts, events).
    """
    counts = {"created": 0, "redated": 0, "moved": 0}
    if stored is _UNSET:
        stored = store.get_centre(centre["id"])
    incoming = centre.get("version") or 0
    if stored is not None and (stored.get("assignment_version") or 0) > incoming:
        centre = stored  # a late event or an old sync page must not undo a newer change
    else:
        centre = {**centre, "assignment_version": incoming}
        if stored is None or any(stored.get(f) != centre.get(f) for f in ("name", "level", "office", "deadline", "pilot",
                                                                          "lat", "lng", "assignment_version")):
            store.save_centre(centre, now)
        if stored is not None and stored["office"] != centre["office"]:
            counts["moved"] = 1
            for office, kind in ((stored["office"], "moved_out"), (centre["office"], "moved_in")):
                store.record({"centre_id": centre["id"], "office": office, "key": None, "kind": kind, "outcome": "info",
                              "before": {"office": stored["office"]}, "after": {"office": centre["office"]},
                              "actor": actor, "role": actor["role"], "at": now})
    if existing is None:
        existing = {} if stored is None else store.states_of_centre(centre["id"])
    template = plan.template_for(centre)
    new = [_initial(centre, spec, actor, now) for spec in template if spec["key"] not in existing]
    counts["created"] = store.insert_initial(new)
    events = [_planned(plan, centre, new, now)] if new else []
    for spec in template:
        current = existing.get(spec["key"])
        if current is not None and current["due"] != spec["due"]:
            state, _ = _system_write(store, plan, centre["id"], spec["key"], "due_changed", actor, now,
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
                            "phase_end": plan.phases[r["phase"]]["end"] if r["phase"] in plan.phases else None}
                           for r in revisions]}


def _initial(centre, spec, actor, now):
    return {"centre_id": centre["id"], "key": spec["key"], "version": 1, "office": centre["office"], "kind": "created",
            "phase": spec["phase"], "title": spec["title"], "owner": spec["owner"], "order": spec["order"],
            "due": spec["due"], "status": "not_started", "percent": 0, "note": "", "reason": "", "evidence": [],
            "before": None, "actor": actor, "role": actor["role"], "at": now}


def _load(store, centre_id, key):
    centre = store.get_centre(centre_id)
    if centre is None:
        raise NotFound(f"中心“{centre_id}”不存在或尚未同步", {"centre_id": [centre_id]})
    current = store.latest(centre_id, key)
    if current is None:
        raise NotFound(f"中心“{centre_id}”没有里程碑“{key}”", {"key": [key]})
    return centre, current


def _write(store, plan, centre, current, changes, kind, actor, now, version=None, request_id=None):
    """Insert the next revision; returns (state, events). Conflict if the slot is taken."""
    after = {**current, **changes}
    revision = {**{k: after[k] for k in ("centre_id", "key", "phase", "title", "owner", "order", "due", "status",
                                         "percent", "note", "reason", "evidence")},
                "version": (version if version is not None else current["version"]) + 1, "request_id": request_id,
                "office": centre["office"], "kind": kind, "actor": actor, "role": actor.get("role"), "at": now,
                "before": {k: current[k] for k in ("status", "percent", "note", "reason")} | {"due": _iso(current["due"])}}
    store.insert_revision(revision)
    state = {**after, "version": revision["version"], "updated_at": now}
    return state, _events(store, plan, centre, current, state, kind, actor, now)


def _iso(day):
    return None if day is None else day.isoformat()


def _events(store, plan, centre, before, after, kind, actor, now):
    if kind == "due_changed":
        return []
    base = {"centre_id": centre["id"], "office": centre["office"], "at": now}
    out = [(ev.PROGRESS_UPDATED, ProgressUpdatedSchema().dump(
        {**base, "key": after["key"], "phase": after["phase"], "due": after["due"], "status": after["status"],
         "previous_status": before["status"], "percent": after["percent"], "version": after["version"],
         "actor": actor}))]
    if after["status"] == "done" and before["status"] != "done":
        out.append((ev.MILESTONE_COMPLETED, MilestoneCompletedSchema().dump({**base, "key": after["key"], "phase": after["phase"]})))
        if plan.by_key.get(after["key"], {}).get("centre_built"):
            out.append((ev.CENTRE_BUILT, CentreBuiltSchema().dump(base)))
        same_phase = [s for s in store.states_of_centre(centre["id"]).values() if s["phase"] == after["phase"]]
        if same_phase and all(s["status"] == "done" for s in same_phase):
            out.append((ev.PHASE_COMPLETED, PhaseCompletedSchema().dump({**base, "phase": after["phase"]})))
    return out


def _system_write(store, plan, centre_id, key, kind, actor, now, change):
    """A write by the system itself: re-read and retry on Conflict so it is never lost.
    ``change(current)`` returns the changes, or None when there is nothing to do."""
    for _ in range(SYSTEM_RETRIES):
        centre, current = _load(store, centre_id, key)
        changes = change(current)
        if changes is None:
            return None, []
        try:
            return _write(store, plan, centre, current, changes, kind, actor, now)
        except Conflict:
            continue
    raise Conflict(f"里程碑“{key}”更新冲突次数过多", {"key": [key]})


def system_complete(store, plan, centre_id, key, actor, now, note):
    """Set a milestone done on behalf of another service; a no-op if already done."""
    def change(current):
        if current["status"] == "done":
            return None
        return {"status": "done", "percent": 100, "note": note, "reason": ""}
    return _system_write(store, plan, centre_id, key, "system", actor, now, change)


def system_reopen(store, plan, centre_id, key, actor, now, reason):
    """Take a done milestone back to in progress on behalf of another service (e.g. a later city or
    province check opened new rectifications, so ``p5_rectification`` is no longer done); else a no-op."""
    def change(current):
        if current["status"] != "done":
            return None
        return {"status": "in_progress", "percent": 0, "note": "重新打开：" + reason, "reason": reason}
    return _system_write(store, plan, centre_id, key, "system", actor, now, change)


# --- progress by people -----------------------------------------------------------

def _refuse(store, centre, key, kind, actor, now, exc, attempted, current):
    store.record({"centre_id": centre["id"], "office": centre["office"], "key": key, "kind": kind, "outcome": "refused",
                  "actor": actor, "role": actor.get("role"), "at": now, "version": None,
                  "before": None if current is None else {"status": current["status"], "percent": current["percent"],
                                                          "version": current["version"]},
                  "after": attempted, "error": {"code": exc.code, "message": exc.message}})


def refuse_invalid(store, centre_id, key, update, actor, now, exc):
    """Record a progress report refused for its input (when the centre is known). The attempted values
    are kept as short text: they may be anything, e.g. a version of 2**70 that the store cannot hold."""
    centre = store.get_centre(centre_id) if isinstance(centre_id, str) else None
    if centre is None:
        return
    raw = update if isinstance(update, dict) else {}
    attempted = {k: str(raw.get(k))[:200] for k in ("status", "percent", "note", "reason", "based_on_version")
                 if k in raw}
    _refuse(store, centre, key, "progress", actor, now, exc, attempted, None)


def check_may_update(centre, current, actor):
    authorize(actor, "progress.report", message="当前角色不能填报建设进度")
    authorize(actor, "progress.report", centre["office"],
              message="只能填报本街道办事处的中心：“{}”不属于本街道".format(centre["name"]))
    if current["owner"] == "inspection":
        authorize(actor, "milestones.results", message="“{}”由验收结果自动设置，不能手工填报".format(current["title"]))


def _own_write(store, plan, centre, key, version, request_id):
    """A redelivered request (the service crashed, or the reply was lost, and the client or the
    broker sent it again) finds the revision it already wrote: (state, events) of that write, else None.
    The events go out again: handlers are idempotent, and the first dispatch may not have happened."""
    if not request_id or not isinstance(version, int):
        return None
    mine = store.revision(centre["id"], key, version + 1)
    if mine is None or mine.get("request_id") != request_id:
        return None
    before = store.revision(centre["id"], key, version)
    state = store.state_of(mine)
    return state, _events(store, plan, centre, store.state_of(before) if before else state, state, mine["kind"],
                          mine["actor"], mine["at"])


def report_progress(store, plan, centre_id, key, update, actor, now, request_id=None):
    centre, current = _load(store, centre_id, key)
    replay = _own_write(store, plan, centre, key, update["based_on_version"], request_id)
    if replay is not None:
        return replay
    attempted = {"status": update["status"], "percent": update.get("percent"), "note": update.get("note", ""),
                 "reason": update.get("reason", ""), "based_on_version": update["based_on_version"],
                 "evidence": [u["filename"] for u in update.get("evidence") or []]}
    try:
        check_may_update(centre, current, actor)
        if update["based_on_version"] != current["version"]:
            raise Conflict("里程碑已更新到版本 {}，您依据的是版本 {}，请刷新后重试".format(current["version"], update["based_on_version"]),
                           {"based_on_version": ["stale: current version is {}".format(current["version"])]})
        if current["status"] == "done" and update["status"] != "done":
            raise Conflict("已完成的里程碑不能直接改回，需要管理员重新打开（reopen）并说明原因",
                           {"status": ["done; reopen required"]})
        uploads = update.get("evidence") or []
        files = evidence_files.prepare(uploads)
    except REFUSALS as exc:
        _refuse(store, centre, key, "progress", actor, now, exc, attempted, current)
        raise
    files, fingerprints = photo_checks.examine(store, plan, centre, current, files, uploads, now)
    status = update["status"]
    percent = {"done": 100, "not_started": 0}.get(status, update.get("percent"))
    changes = {"status": status, "percent": current["percent"] if percent is None else percent,
               "note": update.get("note") or "", "reason": update.get("reason") or "",
               "evidence": list(current["evidence"] or []) + [evidence_files.meta(f) for f in files]}
    store.insert_evidence([{**f, "centre_id": centre_id, "key": key, "office": centre["office"], "actor": actor, "at": now}
                           for f in files])
    store.insert_fingerprints(fingerprints)
    try:
        return _write(store, plan, centre, current, changes, "progress", actor, now, version=update["based_on_version"],
                      request_id=request_id)
    except Conflict as exc:
        store.delete_evidence([f["_id"] for f in files])  # lost the race: keep nothing of this attempt
        store.delete_fingerprints([p["_id"] for p in fingerprints])
        replay = _own_write(store, plan, centre, key, update["based_on_version"], request_id)
        if replay is not None:  # the slot was taken by this very request, delivered twice at once
            return replay
        _refuse(store, centre, key, "progress", actor, now, exc, attempted, current)
        raise


def reopen(store, plan, centre_id, key, reason, actor, now):
    centre, current = _load(store, centre_id, key)
    attempted = {"status": "in_progress", "reason": reason}
    try:
        authorize(actor, "milestones.reopen", message="只有区级管理员可以重新打开已完成的里程碑")
        if current["status"] != "done":
            raise Conflict("只有已完成的里程碑可以重新打开", {"status": ["not done"]})
        return _write(store, plan, centre, current, {"status": "in_progress", "percent": 0, "reason": reason,
                                                     "note": "重新打开：" + reason}, "reopen", actor, now)
    except (Forbidden, Conflict) as exc:
        _refuse(store, centre, key, "reopen", actor, now, exc, attempted, current)
        raise
