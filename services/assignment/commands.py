"""Use cases of the assignment service, on a store and a clock, without a broker.

Each returns ``(result, events)``: the events to dispatch after the write, as
(name, payload) pairs, so ``service.py`` stays a thin layer of entrypoints.
"""
import base64
import binascii
import hashlib

from shared import events as ev
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.schemas.assignment import CentreEventSchema, CentreSchema
from services.assignment import allocation
from services.assignment.store import as_date

centre_schema = CentreSchema()
event_schema = CentreEventSchema()


def require_admin(actor, what):
    if (actor or {}).get("role") != "admin":
        raise Forbidden("只有区文化主管部门管理员可以{}".format(what), {"role": ["admin required"]})


def _event(name, centre, actor, **extra):
    payload = {"centre": centre, "actor": actor, **extra}
    return name, event_schema.dump(payload)


def add_centre(store, centre, actor, now):
    require_admin(actor, "新增中心")
    if store.get(centre["id"]) is not None:
        raise InvalidInput("编号“{}”已存在".format(centre["id"]), {"id": ["already exists"]})
    saved = store.save(centre, 0, actor, "新增中心", now)
    return saved, [_event(ev.CENTRE_REGISTERED, saved, actor)]


def reassign_centre(store, centre_id, request, actor, now):
    require_admin(actor, "调整中心所属街道")
    current = store.get(centre_id)
    if current is None:
        raise NotFound("中心“{}”不存在".format(centre_id), {"id": [centre_id]})
    offices = store.office_names()
    if request["office"] not in offices:
        raise InvalidInput("街道办事处“{}”不存在".format(request["office"]), {"office": ["unknown office"]})
    expected = request.get("expected_version")
    based_on = current["version"] if expected is None else expected
    if request["office"] == current["office"]:
        raise InvalidInput("中心已属于“{}”".format(current["office"]), {"office": ["unchanged"]})
    changed = {**current, "office": request["office"]}
    saved = store.save(changed, based_on, actor, request["reason"], now)
    return saved, [_event(ev.CENTRE_REASSIGNED, saved, actor, previous_office=current["office"])]


def decode_upload(request):
    try:
        return base64.b64decode(request["content_b64"], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("文件内容不是有效的 base64", {"content_b64": ["invalid base64"]}) from None


def import_allocation(store, request, now):
    """Validate the whole table first; write only when every row is valid."""
    actor = request["actor"]
    require_admin(actor, "导入任务分配表")
    content = decode_upload(request)
    incoming = allocation.parse_table(request["filename"], content)
    stored = store.all_by_id()
    changes = allocation.diff(incoming, stored)
    report = {"rows": len(incoming), **changes}
    if not changes["added"] and not changes["changed"]:
        report.update(status="unchanged", message="与已有数据完全一致，未做任何修改（{} 行）".format(len(incoming)))
        return report, []
    summary = "新增 {} 个、修改 {} 个（其中调整街道 {} 个）、未变 {} 个".format(
        len(changes["added"]), len(changes["changed"]), len(changes["moved"]), changes["unchanged"])
    if changes["absent"]:
        summary += "；库中另有 {} 个中心不在本文件中，未删除".format(len(changes["absent"]))
    if request.get("dry_run"):
        report.update(status="dry_run", message="试运行：" + summary)
        return report, []
    events = []
    touched = set(changes["added"]) | set(changes["changed"])
    for centre in incoming:  # file order keeps office order stable
        store.ensure_office(centre["office"])
    for centre in incoming:
        if centre["id"] not in touched:
            continue
        old = stored.get(centre["id"])
        saved = store.save(centre, old["version"] if old else 0, actor, "导入 " + request["filename"], now)
        if old is None:
            events.append(_event(ev.CENTRE_REGISTERED, saved, actor))
        elif old["office"] != saved["office"]:
            events.append(_event(ev.CENTRE_REASSIGNED, saved, actor, previous_office=old["office"]))
        else:
            events.append(_event(ev.CENTRE_UPDATED, saved, actor, previous_deadline=as_date(old["deadline"])))
    store.record_import({"at": now, "actor": actor, "filename": request["filename"],
                         "sha256": hashlib.sha256(content).hexdigest(), "report": dict(report)})
    report.update(status="applied", message="导入完成：" + summary)
    return report, events
