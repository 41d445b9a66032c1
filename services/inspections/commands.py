"""Use cases of the inspections service, on a store, the standards and a clock.

Each returns ``(result, events)``: (name, payload) pairs to dispatch after the
writes, so ``service.py`` stays thin and all of this runs without a broker.
"""
from dataclasses import dataclass
from datetime import datetime

from services.inspections import evaluator
from services.inspections import rectification as rules
from services.inspections.standards import items_for
from shared import events as ev
from shared.authz import authorize
from shared.clock import as_date, local_date
from shared.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from shared.evidence import check_uploads
from shared.objects import object_store
from shared.retry import retry_on_conflict
from shared.schemas.inspections import (
    INSPECTION_KINDS,
    CentreAcceptedSchema,
    CentreFailedAcceptanceSchema,
    InspectionRecordedSchema,
    RectificationClosedSchema,
    RectificationCompletedSchema,
    RectificationOpenedSchema,
)

TRANSITION_ATTEMPTS = 3  # re-reads of a rectification changed meanwhile (an office submitting at the same moment)
TIMING_ATTEMPTS = 10  # re-reads of an office's response-time sums another replica moved meanwhile


@dataclass(frozen=True)
class RecordInspection:
    """Record one inspection of ``centre``: ``request`` as InspectionRequestSchema loads it (kind, inspected_on,
    measurements, note, corrects, photos), by ``actor`` at ``now``."""
    centre: dict
    request: dict
    actor: dict
    now: datetime
    request_id: str | None = None  # the gateway's id of this request (its Idempotency-Key): a resend finds its write


def check_may_record(centre, kind, actor):
    """Each kind has its row (``inspections.record.<kind>``): self-checks by an office (of its own
    centres), acceptance, checks and re-inspections by inspectors; the district admin records any."""
    action = "inspections.record." + kind
    authorize(actor, action, message="当前角色不能录入自查记录，自查由街道办事处提交" if kind == "self_check" else
              "街道办事处只能提交自查记录；验收、检查和复查由验收人员录入")
    authorize(actor, action, centre["office"], message="中心“{}”不属于{}".format(centre["name"], actor.get("office")),
              district=centre.get("district"))


def check_may_read(centre_office, actor, district=None):
    authorize(actor, "inspections.read", centre_office, message="只能查看本街道办事处的中心", district=district)


def _corrected(store, centre, request):
    corrects = request.get("corrects")
    if not corrects:
        return None
    earlier = store.get_inspection(corrects)
    if earlier is None or earlier["centre_id"] != centre["id"]:
        raise InvalidInput(f"要更正的检查记录“{corrects}”不属于该中心", {"corrects": ["unknown inspection"]})
    if earlier["kind"] != request["kind"]:
        raise InvalidInput("更正记录须与原记录类型相同（原记录为 {}）".format(earlier["kind"]), {"kind": [earlier["kind"]]})
    return earlier


def check_photos(standard, level, photos):
    """{item id: [(metadata, bytes)]} for the photos of items (``{item id: [{filename, key}]}``), each
    item's files checked like any evidence; InvalidInput naming the item when it is not one of the level's."""
    names = {i["id"]: i["name"] for i in items_for(standard, level)}
    unknown = sorted(k for k in photos if k not in names)
    if unknown:
        raise InvalidInput("照片对应的检查项不适用于该中心，未保存任何记录",
                           {"photos": ["未知检查项：{}".format("、".join(unknown))]})
    checked = {}
    for item_id, uploads in photos.items():
        try:
            checked[item_id] = check_uploads(uploads)
        except (InvalidInput, PayloadTooLarge) as exc:
            raise type(exc)(f"“{names[item_id]}”的照片未通过检查，未保存任何记录",
                            {f"photos.{item_id}.{k}": v for k, v in (exc.details or {}).items()}) from None
    return {item_id: files for item_id, files in checked.items() if files}


def latest_inspection(store, centre, kind, actor):
    """The inspection a new one of ``kind`` starts from: the centre's newest self-check for a self-check,
    else its newest inspection by inspectors (a self-check is the office's own view); None when there is none."""
    check_may_read(centre["office"], actor, centre.get("district"))
    kinds = ("self_check",) if kind == "self_check" else tuple(k for k in INSPECTION_KINDS if k != "self_check")
    return store.latest_inspection(centre["id"], kinds)


def record_inspection(store, standards, command):
    """Judge and store one inspection (a ``RecordInspection``, with its items' photos), then apply it to
    rectifications and acceptance."""
    centre, request, actor, now = command.centre, command.request, command.actor, command.now
    kind = request["kind"]
    check_may_record(centre, kind, actor)
    mine = _own_inspection(store, centre, command)
    if mine is not None:
        return mine
    inspected_on = request.get("inspected_on") or local_date(now)
    if inspected_on > local_date(now):
        raise InvalidInput("检查日期不能晚于今天", {"inspected_on": ["in the future"]})
    standard = standards.in_force(inspected_on)
    parsed = evaluator.parse_measurements(standard, centre["level"], request["measurements"])
    photos = check_photos(standard, centre["level"], request.get("photos") or {})
    items, result = evaluator.evaluate(standard, centre["level"], parsed)
    earlier = _corrected(store, centre, request)
    seq = store.next_seq(centre["id"])
    doc = {"_id": "{}-i{}".format(centre["id"], seq), "centre_id": centre["id"], "seq": seq,
           "centre_name": centre["name"], "office": centre["office"], "level": centre["level"], "kind": kind,
           "inspected_on": inspected_on.isoformat(), "standard_version": standard["version"], "result": result,
           "items": items, "failed_items": [i["item_id"] for i in items if i["status"] == evaluator.FAIL],
           "measurements": evaluator.stored_measurements(parsed), "note": request.get("note") or "",
           "photos": {item_id: [meta for meta, _ in files] for item_id, files in photos.items()},
           "corrects": earlier["id"] if earlier else None, "actor": actor, "recorded_at": now, "applied": False,
           "request_id": command.request_id}
    for files in photos.values():  # recorded before the inspection names them (content-addressed: once)
        for meta, _ in files:
            store.record_evidence(meta)
    if earlier:
        store.claim_correction(earlier["id"], centre["id"])
    try:
        store.insert_inspection(doc)
    except Exception:
        if earlier:
            store.release_correction(earlier["id"])
        raise
    if earlier:
        store.complete_correction(earlier["id"], doc["_id"])
    inspection = {**doc, "id": doc["_id"], "inspected_on": inspected_on}
    del inspection["_id"]
    return inspection, _effects(store, centre, inspection, now)


def _own_inspection(store, centre, command):
    """A resent request (its first attempt was stored, but the answer was lost or the gateway's lease on its
    Idempotency-Key ran out) finds the inspection it already wrote, by equality on the indexed ``request_id``:
    (that inspection, events), else None. Nothing is stored twice; a first attempt cut short before its effects
    were applied is finished here the way the repair pass would (safe to run twice)."""
    if not command.request_id:
        return None
    doc = store.inspection_by_request(command.request_id)
    if doc is None or doc["centre_id"] != centre["id"]:
        return None
    inspection = {**doc, "inspected_on": as_date(doc["inspected_on"])}
    if inspection.get("applied"):
        return inspection, []
    if store.next_seq(centre["id"]) - 1 == inspection["seq"]:
        return inspection, _effects(store, centre, inspection, command.now)
    return inspection, [_recorded(centre, inspection, command.now)]


def _effects(store, centre, inspection, now):
    """Write what the inspection changes and return its events; safe to run twice."""
    events = [_recorded(centre, inspection, now)]
    if inspection["kind"] != "self_check":
        touched, more = _apply_to_rectifications(store, centre, inspection, now)
        inspection["rectifications"] = touched
        events += more + _acceptance(store, centre, inspection, now)
    return events


def _recorded(centre, inspection, now):
    return ev.INSPECTION_RECORDED, InspectionRecordedSchema().dump({
        "inspection_id": inspection["id"], "centre_id": centre["id"], "office": centre["office"],
        "kind": inspection["kind"], "result": inspection["result"], "at": now})


def repair(store, now, before):
    """Finish inspections whose effects or events a crash cut short (``applied`` still false).

    Only a centre's latest inspection is applied again: every inspection judges
    every item, so a later one already superseded an earlier one's verdicts; the
    earlier one's ``inspection_recorded`` is still re-sent. Returns [(id, events)].
    """
    out = []
    for inspection in store.unapplied(before):
        centre = {"id": inspection["centre_id"], "name": inspection["centre_name"], "office": inspection["office"],
                  "level": inspection["level"]}
        inspection = {**inspection, "inspected_on": as_date(inspection["inspected_on"])}
        if store.next_seq(centre["id"]) - 1 == inspection["seq"]:
            events = _effects(store, centre, inspection, now)
        else:
            events = [_recorded(centre, inspection, now)]
        out.append((inspection["id"], events))
    return out


def _apply_to_rectifications(store, centre, inspection, now):
    active = store.active_rectifications(centre["id"])
    touched, events = [], []
    for item in inspection["items"]:
        if not item["mandatory"]:
            continue
        current = active.get(item["item_id"])
        if current is not None and current.get("last_inspection") == inspection["id"]:
            continue  # already applied (the repair pass runs an inspection again)
        step = rules.after_item(current, item["status"])
        if step is None:
            continue
        change = {"actor": inspection["actor"], "at": now, "inspection_id": inspection["id"], "reason": item["reason"]}
        if step == "open":
            saved = _open(store, centre, inspection, item, change)
            if saved is None:
                continue
            events.append((ev.RECTIFICATION_OPENED, RectificationOpenedSchema().dump({
                "rectification_id": saved["id"], "centre_id": centre["id"], "centre_name": saved["centre_name"],
                "office": saved["office"], "item_id": item["item_id"], "title": saved["title"],
                "due": as_date(saved["due"]), "at": now})))
            touched.append(saved["id"])
            continue
        saved, step = _transition(store, current, item, inspection["id"], change)
        if saved is None:
            continue
        if step == rules.VERIFIED:
            events.append((ev.RECTIFICATION_CLOSED, RectificationClosedSchema().dump({
                "rectification_id": saved["id"], "centre_id": centre["id"], "office": saved["office"],
                "item_id": item["item_id"], "at": now})))
        else:
            touched.append(saved["id"])
    return touched, events


def _transition(store, current, item, inspection_id, change):
    """Apply the verdict on ``item`` to ``current``; on a concurrent change (an office
    submitting at the same moment) re-read and decide again, so the inspection
    already stored is never left half-applied. Returns (saved or None, step)."""
    def write(current):
        step = rules.after_item(current, item["status"])
        if step is None or step == "open":
            return None, step
        # a verified rectification keeps the reason it was opened for ("低于标准"); the passing
        # verdict ("达到标准") is kept beside it as verified_reason
        kept = ({"reason": current.get("reason"), "verified_reason": item["reason"], "ack_pending": False}
                if step == rules.VERIFIED else {"reason": item["reason"]})
        saved = store.save_rectification({**current, "last_inspection": inspection_id, **kept},
                                         current["version"], {**change, "status": step})
        return saved, step
    return retry_on_conflict(write, lambda: store.get_rectification(current["id"]), attempts=TRANSITION_ATTEMPTS,
                             first=current)


def _open(store, centre, inspection, item, change):
    number = store.count_for_item(centre["id"], item["item_id"]) + 1
    rect = {"id": "{}-{}-{}".format(centre["id"], item["item_id"], number), "centre_id": centre["id"],
            "centre_name": centre["name"], "office": centre["office"], "level": centre["level"],
            "item_id": item["item_id"], "title": item["name"], "reason": item["reason"],
            "due": rules.due_date(inspection["inspected_on"]).isoformat(), "opened_by": inspection["id"],
            "last_inspection": inspection["id"], "opened_at": change["at"], "submissions": [],
            "ack_due": rules.ack_due(local_date(change["at"])).isoformat(), "ack_pending": True,
            "acknowledged_at": None, "acknowledged_by": None, "chases": 0, "closed_at": None, "closed_by": None}
    try:
        return store.save_rectification(rect, 0, {**change, "status": rules.OPEN})
    except Conflict:
        return None  # a concurrent inspection opened this very rectification; it is tracked


def _acceptance(store, centre, inspection, now):
    kind, passed = inspection["kind"], inspection["result"] == evaluator.PASSED
    base = {"centre_id": centre["id"], "office": centre["office"], "inspection_id": inspection["id"], "at": now}
    events = []
    if kind == "district_acceptance" and not passed:
        store.record_failed_acceptance(centre["id"], inspection["id"], now)
        events.append((ev.CENTRE_FAILED_ACCEPTANCE, CentreFailedAcceptanceSchema().dump(
            {**base, "failed_items": inspection["failed_items"]})))
    accepts = passed and (kind == "district_acceptance" or
                          (kind == "re_inspection" and store.has_failed_acceptance(centre["id"])))
    if accepts:
        store.record_acceptance(centre["id"], inspection["id"], now)
        events.append((ev.CENTRE_ACCEPTED, CentreAcceptedSchema().dump(base)))
    # Re-sent on every later inspection that finds the centre accepted and nothing
    # open: handlers are idempotent, and a copy dropped while a consumer was down heals.
    if store.acceptance(centre["id"]) and not store.active_rectifications(centre["id"]):
        events.append((ev.RECTIFICATION_COMPLETED, RectificationCompletedSchema().dump(
            {"centre_id": centre["id"], "office": centre["office"], "at": now})))
    return events


def submit_rectification(store, rectification_id, request, actor, now):
    """An office posts evidence for one of its rectifications; nothing is stored on refusal. ``request`` may
    carry ``request_id`` (the gateway's id of the request): a resend whose first attempt was stored finds that
    revision by equality on the indexed ``request_id`` and answers the rectification, storing nothing."""
    rect = store.get_rectification(rectification_id)
    if rect is None:
        raise NotFound(f"整改项“{rectification_id}”不存在", {"rectification_id": [rectification_id]})
    authorize(actor, "rectifications.submit", message="整改材料由中心所属的街道办事处提交")
    authorize(actor, "rectifications.submit", rect["office"],
              message="该整改项不属于{}".format(actor.get("office")))
    request_id = request.get("request_id")
    if request_id:  # a resend of a stored submission gets that submission's answer, not a second copy
        mine = store.revision_by_request(request_id)
        if mine is not None and mine["rectification_id"] == rectification_id:
            return store.get_rectification(rectification_id), []
    rules.check_submittable(rect)
    checked = check_uploads(request["files"], required_message="请至少上传一个整改证明材料（PDF、JPEG 或 PNG）")
    submission = {"note": request["note"], "files": [meta for meta, _ in checked], "actor": actor, "at": now}
    for meta, _ in checked:  # recorded before the submission names them, so the sweep never takes a named file
        store.record_evidence(meta)
    saved = store.save_rectification({**rect, "submissions": list(rect.get("submissions") or []) + [submission]},
                                     rect["version"], {"status": rules.SUBMITTED, "actor": actor, "at": now,
                                                       "note": request["note"], "files": submission["files"],
                                                       "request_id": request_id})
    return saved, []


def _rectification(store, rectification_id):
    rect = store.get_rectification(rectification_id)
    if rect is None:
        raise NotFound(f"整改项“{rectification_id}”不存在", {"rectification_id": [rectification_id]})
    return rect


def _time(store, rect, kind, now):
    """Add the time since ``rect`` was opened to its office's sums of ``kind`` (ack / fix); once per rectification."""
    seconds = max(0, int((now - rect["opened_at"]).total_seconds()))
    retry_on_conflict(lambda current: store.add_timing(rect, kind, seconds, current),
                      lambda: store.timing_head(rect["office"]), attempts=TIMING_ATTEMPTS)


def acknowledge_rectification(store, rectification_id, actor, now):
    """签收: the office signs for a rectification order, once; the read model adds the time it took."""
    rect = _rectification(store, rectification_id)
    authorize(actor, "rectifications.acknowledge", message="整改通知由中心所属的街道办事处签收")
    authorize(actor, "rectifications.acknowledge", rect["office"], message="该整改项不属于{}".format(actor.get("office")))
    rules.check_acknowledgeable(rect)
    saved = store.save_rectification({**rect, "acknowledged_at": now, "acknowledged_by": actor, "ack_pending": False},
                                     rect["version"], {"status": rect["status"], "actor": actor, "at": now,
                                                       "action": "acknowledge"})
    _time(store, saved, "ack", now)
    return saved, []


def chase_rectification(store, rectification_id, request, actor, now):
    """催办: the bureau chases an open rectification with a note (kept in its history; the gateway has the
    notifications service tell the office and its head)."""
    rect = _rectification(store, rectification_id)
    authorize(actor, "rectifications.chase", message="只有区文化主管部门可以催办")
    if rect["status"] not in rules.ACTIVE:
        raise Conflict("该整改项已复查通过，无需催办", {"status": ["已复查通过"]})
    saved = store.save_rectification({**rect, "chases": int(rect.get("chases") or 0) + 1}, rect["version"],
                                     {"status": rect["status"], "actor": actor, "at": now, "action": "chase",
                                      "note": request["note"]})
    return saved, []


def close_rectification(store, rectification_id, actor, now):
    """销号: only a rectification with the office's evidence and a passed re-check (rules.check_closable)."""
    rect = _rectification(store, rectification_id)
    authorize(actor, "rectifications.close", message="销号由区文化主管部门或验收人员办理")
    rules.check_closable(rect)
    saved = store.save_rectification({**rect, "closed_at": now, "closed_by": actor, "ack_pending": False},
                                     rect["version"], {"status": rules.CLOSED, "actor": actor, "at": now,
                                                       "action": "close"})
    _time(store, saved, "fix", now)
    return saved, []


def unacknowledged(store, limit):
    """Orders not signed for, as items for the notifications service's rules (due: the day to sign by)."""
    return [{"rectification_id": r["id"], "centre_id": r["centre_id"], "centre_name": r["centre_name"],
             "office": r["office"], "title": r["title"], "due": r["ack_due"]}
            for r in store.unacknowledged(limit) if r["status"] in rules.ACTIVE and r.get("ack_due")]


def response_times(store):
    """Per office: how many orders were signed for and fixed, the average hours to sign for, days to fix."""
    out = []
    for doc in store.response_times():
        ack, fix = doc.get("ack_count", 0), doc.get("fix_count", 0)
        out.append({"office": doc["_id"], "acknowledged": ack, "fixed": fix,
                    "ack_seconds": doc.get("ack_seconds", 0) // ack if ack else None,
                    "fix_seconds": doc.get("fix_seconds", 0) // fix if fix else None,
                    "ack_hours": round(doc.get("ack_seconds", 0) / ack / 3600, 1) if ack else None,
                    "fix_days": round(doc.get("fix_seconds", 0) / fix / 86400, 1) if fix else None})
    return sorted(out, key=lambda o: o["office"])


SYSTEM = {"role": "system", "office": None, "name": "assignment"}


def follow_centre(store, centre, now, attempts=3):
    """Keep unfinished rectifications with the office that now owns the centre.

    Runs on centre_reassigned / centre_updated; idempotent (a repeated event finds
    nothing to change). Verified rectifications keep the office that did the work.
    """
    def write(rect):
        if rect["office"] == centre["office"] and rect["centre_name"] == centre["name"]:
            return None
        change = {"status": rect["status"], "actor": SYSTEM, "at": now,
                  "reason": "中心现属{}（原属{}）".format(centre["office"], rect["office"])}
        return store.save_rectification({**rect, "office": centre["office"], "centre_name": centre["name"]},
                                        rect["version"], change)["id"]
    moved = [retry_on_conflict(write, lambda rect=rect: store.get_rectification(rect["id"]), attempts=attempts, first=rect)
             for rect in store.active_rectifications(centre["id"]).values()]
    return [rect_id for rect_id in moved if rect_id is not None], []


def migrate_evidence(store, limit):
    """Move up to ``limit`` files kept inside their documents (before the object store) to it: the file first,
    then the document loses its bytes, so a crash between leaves both, never neither."""
    moved = 0
    for doc in store.legacy_evidence(limit):
        object_store().put(bytes(doc["content"]))
        store.finish_migration(doc["_id"])
        moved += 1
    return moved
