"""Use cases of the assignment service, on a store and a clock, without a broker.

Each returns ``(result, events)``: the events to dispatch after the write, as
(name, payload) pairs, so ``service.py`` stays a thin layer of entrypoints.
"""
import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from services.assignment import allocation, areas
from shared import events as ev
from shared.authz import authorize
from shared.clock import as_date
from shared.errors import Conflict, InvalidInput, NotFound
from shared.schemas.assignment import CentreEventSchema, CentresRegisteredSchema

event_schema = CentreEventSchema()
CHUNK = 500  # centres written (and announced in one centres_registered) at a time


def _event(name, centre, actor, **extra):
    payload = {"centre": centre, "actor": actor, **extra}
    return name, event_schema.dump(payload)


def reassign_centre(store, centre_id, request, actor, now):
    authorize(actor or {}, "centres.manage", message="只有区文化主管部门管理员可以调整中心所属街道")
    current = store.get(centre_id)
    if current is None:
        raise NotFound(f"中心“{centre_id}”不存在", {"id": [centre_id]})
    if not store.office_exists(request["office"]):
        raise InvalidInput("街道办事处“{}”不存在".format(request["office"]), {"office": ["unknown office"]})
    expected = request.get("expected_version")
    based_on = current["version"] if expected is None else expected
    if request["office"] == current["office"]:
        raise InvalidInput("中心已属于“{}”".format(current["office"]), {"office": ["unchanged"]})
    changed = {**current, "office": request["office"]}
    saved = store.save(changed, based_on, actor, request["reason"], now)
    store.recount_offices([current["office"], saved["office"]])
    return saved, [_event(ev.CENTRE_REASSIGNED, saved, actor, previous_office=current["office"])]


def set_location(store, centre_id, request, actor, now):
    """The bureau sets one centre's coordinates: a new revision (audited with who, when and why), announced
    as centre_updated so the milestones service judges later photos against them."""
    authorize(actor or {}, "centres.manage", message="只有区文化主管部门管理员可以设置中心坐标")
    current = store.get(centre_id)
    if current is None:
        raise NotFound(f"中心“{centre_id}”不存在", {"id": [centre_id]})
    expected = request.get("expected_version")
    saved = store.save({**current, "lat": request["lat"], "lng": request["lng"]},
                       current["version"] if expected is None else expected, actor, request["reason"], now)
    return saved, [_event(ev.CENTRE_UPDATED, saved, actor, previous_deadline=current["deadline"])]


def decode_upload(request):
    try:
        return base64.b64decode(request["content_b64"], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("文件内容不是有效的 base64", {"content_b64": ["invalid base64"]}) from None


def import_allocation(store, request, now, emit):
    """Validate the whole table first; write only when every row is valid.

    Reads only the stored centres of the file's offices (equality on office); a row not found there is
    new, or stored under another office: its version-1 insert tells (unique index), and only then is it
    read by ``_id``. Writes go in chunks of ``CHUNK`` rows, each announced through ``emit(events)`` once
    written (new centres in one ``centres_registered``), so a failure part-way loses no event."""
    progress = _progress(store, request.get("import_id"))
    try:
        return _import(store, request, now, emit, progress)
    except Exception:
        progress("failed", 0, 0)
        raise


def _import(store, request, now, emit, progress):
    actor = request["actor"]
    progress("checking", 0, 0)
    authorize(actor or {}, "allocation.import", message="只有区文化主管部门管理员可以导入任务分配表")
    content = decode_upload(request)
    incoming = allocation.parse_table(request["filename"], content)
    offices = list(dict.fromkeys(c["office"] for c in incoming))
    district = _district_of_table(store, request.get("district"), offices)
    stored = store.of_offices(offices)
    if request.get("dry_run"):  # nothing is written, so rows not found under their office are read by _id
        stored.update({c["id"]: found for c in incoming if c["id"] not in stored
                       for found in [store.get(c["id"])] if found is not None})
    incoming = [allocation.keep_location(c, stored.get(c["id"])) for c in incoming]
    changes = allocation.diff(incoming, stored)
    report = {"rows": len(incoming), **changes}
    if district and not request.get("dry_run"):  # the offices (and centres) go into the table's district first
        store.ensure_offices(offices)
        for office in offices:
            store.place_office(office, district["code"])
    if not changes["added"] and not changes["changed"]:
        progress("done", 0, 0)
        report.update(status="unchanged", message=f"与已有数据完全一致，未做任何修改（{len(incoming)} 行）")
        return report
    if request.get("dry_run"):
        progress("done", 0, 0)
        report.update(status="dry_run", message="试运行：" + _summary(changes))
        return report
    touched = set(changes["added"]) | set(changes["changed"])
    rows = [c for c in incoming if c["id"] in touched]  # file order keeps office order stable
    store.ensure_offices(offices)
    run = ImportRun(actor, "导入 " + request["filename"], now,
                    {"added": [], "changed": [], "moved": [], "unchanged": changes["unchanged"], "conflicts": []})
    outcome = run.outcome
    try:
        for start in range(0, len(rows), CHUNK):
            progress("writing", start, len(rows))
            chunk = rows[start:start + CHUNK]
            emit(_write_chunk(store, chunk, stored, run))
    finally:  # an import stopped part-way still leaves the counters of what it wrote right
        order = {name: i for i, name in enumerate(offices)}
        store.recount_offices(sorted(run.recount, key=lambda o: order.get(o, len(order))))
    progress("done", len(rows), len(rows))
    if outcome["conflicts"]:
        raise Conflict("以下中心已被他人同时修改，未导入（其余行已导入），请重新导入：{}".format("、".join(outcome["conflicts"][:20])),
                       {"id": outcome["conflicts"]})
    report.update({k: outcome[k] for k in ("added", "changed", "moved", "unchanged")})
    store.record_import({"at": now, "actor": actor, "filename": request["filename"],
                         "sha256": hashlib.sha256(content).hexdigest(), "report": dict(report)})
    report.update(status="applied", message="导入完成：" + _summary({**changes, **report}))
    return report


def _district_of_table(store, code, offices):
    """The district a table is imported into (None: the offices stay where they are); an office of the table
    already in another district is refused, naming it."""
    if not code:
        return None
    district = areas.check_district(store, code)
    elsewhere = [o for o in offices if store.office_codes(o)["district"] not in (None, district["code"])]
    if elsewhere:
        raise InvalidInput("以下街道办事处已属于其他区（县），不能导入到{}：{}".format(district["name"], "、".join(elsewhere[:20])),
                           {"office": elsewhere})
    return district


def import_areas(store, request):
    """Import an area table (name and code per row): every row checked first, nothing written unless all are
    valid; a parent must be in the file or already stored. Returns {rows, added, updated, message}."""
    authorize(request["actor"] or {}, "areas.manage", message="只有管理员可以导入区划")
    parsed = areas.parse_areas(request["filename"], decode_upload(request))
    errors = areas.missing_parents(parsed, lambda code: store.area(code) is not None)
    if errors:
        raise InvalidInput(f"导入失败：{len(errors)} 处错误，未写入任何数据", errors)
    existing = {a["code"] for a in parsed if store.area(a["code"]) is not None}
    if not request.get("dry_run"):
        store.save_areas(parsed)
    added = len(parsed) - len(existing)
    return {"rows": len(parsed), "added": added, "updated": len(existing),
            "status": "dry_run" if request.get("dry_run") else "applied",
            "message": "{}：共 {} 个区划，新增 {} 个，更新 {} 个".format(
                "试运行" if request.get("dry_run") else "导入完成", len(parsed), added, len(existing))}


def place_offices(store, request):
    """Put offices into a district (the backfill of existing data): ``offices`` named, or, with ``unplaced``,
    every office not yet in a district, ``PLACE_BATCH`` offices per call. Returns {offices, centres, more}."""
    authorize(request["actor"] or {}, "areas.manage", message="只有管理员可以调整街道办事处所属区划")
    district = areas.check_district(store, request["district"])
    names = request.get("offices") or []
    if request.get("unplaced"):
        names = store.unplaced_offices(areas.PLACE_BATCH)
    missing = [n for n in names if not store.office_exists(n)]
    if missing:
        raise NotFound("街道办事处不存在：" + "、".join(missing[:20]), {"offices": missing})
    _district_of_table(store, district["code"], names)
    centres = sum(store.place_office(name, district["code"]) for name in names)
    more = bool(request.get("unplaced")) and len(names) == areas.PLACE_BATCH
    return {"district": district["code"], "offices": names, "centres": centres, "more": more}


def _summary(changes):
    text = "新增 {} 个、修改 {} 个（其中调整街道 {} 个）、未变 {} 个".format(
        len(changes["added"]), len(changes["changed"]), len(changes["moved"]), changes["unchanged"])
    if changes["absent"]:
        text += "；这些街道办事处在库中另有 {} 个中心不在本文件中，未删除".format(len(changes["absent"]))
    return text


@dataclass
class ImportRun:
    """One import while it writes: by whom, why and when, what it did so far (``outcome``: added, changed,
    moved, unchanged, conflicts) and the offices whose counters it must recount."""
    actor: dict
    reason: str
    now: datetime
    outcome: dict
    recount: set = field(default_factory=set)


def _write_chunk(store, chunk, stored, run):
    """Write one chunk of ``run``; returns its events. New rows go in with insert_many; rows whose version 1
    already existed, and changed rows, go one by one (a concurrent writer's row is a conflict)."""
    actor, reason, now, outcome, recount = run.actor, run.reason, run.now, run.outcome, run.recount
    new, taken = store.insert_new([c for c in chunk if c["id"] not in stored], actor, reason, now)
    events = []
    if new:
        outcome["added"].extend(c["id"] for c in new)
        recount.update(c["office"] for c in new)
        events.append((ev.CENTRES_REGISTERED, CentresRegisteredSchema().dump({"centres": new, "actor": actor})))
    for centre in chunk:
        if centre["id"] in taken:
            old = store.current(centre["id"])
            centre = allocation.keep_location(centre, old)
            recount.update((centre["office"], old["office"]))  # counters that missed it, if any
            if not allocation.diff([centre], {centre["id"]: old})["changed"]:
                outcome["unchanged"] += 1
                continue
        elif centre["id"] in stored:
            old = stored[centre["id"]]
        else:
            continue
        try:
            saved = store.save(centre, old["version"], actor, reason, now)
        except Conflict:
            outcome["conflicts"].append(centre["id"])
            continue
        outcome["changed"].append(saved["id"])
        recount.update((old["office"], saved["office"]))
        if old["office"] != saved["office"]:
            outcome["moved"].append(saved["id"])
            events.append(_event(ev.CENTRE_REASSIGNED, saved, actor, previous_office=old["office"]))
        else:
            events.append(_event(ev.CENTRE_UPDATED, saved, actor, previous_deadline=as_date(old["deadline"])))
    return events


def _progress(store, import_id):
    if not import_id:
        return lambda stage, done, total: None
    return lambda stage, done, total: store.set_progress(import_id, stage, done, total)
