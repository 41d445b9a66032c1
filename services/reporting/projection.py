"""Write side of the read model: applying events (and rebuilt state) to documents and counters.

Counters. FerretDB has no atomic ``$inc`` (an update is read-modify-write), so counters are
safe only if one writer changes them at a time. This service therefore applies changes one
at a time: the service holds one lock around every change (events and rebuild pages alike)
and runs as ONE replica; the broker keeps the events queued meanwhile. Recomputing an office's
counters from its documents after each change would not help: two recomputations can still
interleave and the older one win. Beyond one machine the model runs in partitions of provinces
(partition.py): each replica receives every event on queues of its own, applies the part about its
offices, and writes documents of its own, which keeps exactly one writer per counter.

Each change is a difference of *contributions*: a milestone, a rectification and a centre each
add fixed paths to their office's ``fig`` (and a centre's own ``fig``); a change removes the old
document's contribution and adds the new one's. A rebuild uses the same functions, so the live
model and a rebuilt one hold the same figures.

Once. An event is applied once per key (its source's revision id: ``centre:key:version``,
the centre's assignment version, the rectification or inspection id): the key is recorded in
``applied`` after the change and checked before; and every change is also refused when the
document already holds that version or state, so a replay after a crash or a rebuild changes nothing.

Beside each office, the same contributions go to the district's totals (``district``, so district
figures never read every office), to the office's bucket (its centres, to page the district's centres)
and, for open items with a due day, to the day's per-office counts (``due_days``); each open item
carries ``due_office`` ("day|office"), so one office's items of one day are one equality read.

History. Before the first change of a new day, an office's ``fig`` (and the district's) as it stood
is kept as snapshot ``office:day`` (``district:day``; the end of its previous active day); ``as_of``
reads those.
"""
from services.reporting import office_history
from services.reporting.model import Model, iso

STATIC = ("title", "owner", "order", "phase_end", "phase_start")
DAYS = ("phase_end", "phase_start")


def set_milestone(model, centre_id, new):
    """Move a milestone to the state ``new`` (key, version, phase, due, status, maybe static fields)."""
    doc_id = "{}:{}".format(centre_id, new["key"])
    old = model.store.get("milestones", doc_id)
    if old is not None and old["version"] >= new["version"]:
        missing = {k: iso(new[k]) if k in DAYS else new[k] for k in STATIC if new.get(k) is not None
                   and old.get(k) is None}
        if missing:  # a later version arrived first; this one still knows the static fields
            doc = {**old, **missing}
            if "phase_start" in missing:  # the milestone's window of 序时进度 is known only now
                model.add_milestone(old, -1)
                model.add_milestone(doc, +1)
            model.save("milestones", doc)
        return False
    centre = model.centre(centre_id, new.get("office"))
    doc = dict(old or {"_id": doc_id, "centre_id": centre_id, "key": new["key"], **dict.fromkeys(STATIC)})
    doc.update({k: iso(new[k]) if k in DAYS else new[k] for k in STATIC if new.get(k) is not None})
    doc.update(office=centre["office"] or new.get("office"), level=centre["level"], phase=new["phase"],
               due=iso(new["due"]), status=new["status"], version=new["version"], open=new["status"] != "done",
               centre_name=centre["name"])
    if old is not None:
        model.add_milestone(old, -1)
    model.add_milestone(doc, +1)
    model.save("milestones", doc)
    return True


CENTRE_FIELDS = ("name", "office", "level", "pilot", "remark")


def set_centre(model, centre):
    """Apply a centre as the assignment service knows it (a newer version only)."""
    doc = model.centre(centre["id"])
    version = centre.get("version") or 0
    if doc["name"] is not None and doc["version"] >= version:
        return False
    model.add_centre(doc, -1)
    registered, left = doc["name"] is not None, doc["office"]
    doc.update({k: centre.get(k) for k in CENTRE_FIELDS}, deadline=iso(centre.get("deadline")), version=version)
    model.add_centre(doc, +1)
    _record_office(model, doc, registered, left)
    # the centre's items (equality on the indexed centre_id: one centre's, bounded) follow its office, level
    # and name (each item carries ``centre_name``, so item lists never read the centres)
    for m in model.store.of_centre("milestones", doc["_id"]):
        if (m["office"], m.get("level")) != (doc["office"], doc["level"]):
            model.add_milestone(m, -1)
            m.update(office=doc["office"], level=doc["level"])
            model.add_milestone(m, +1)
            model.save("milestones", m)
        _named(model, "milestones", m, doc["name"])
    for r in model.store.of_centre("rectifications", doc["_id"]):
        if r["office"] != doc["office"]:
            model.add_rect(r, -1)
            if r["open"] and model.day is not None:  # its stint moves with it (office_history.py)
                office_history.rect_ended(model.store.db, r, r["office"], model.day)
                office_history.rect_opened(model.store.db, {**r, "centre_name": doc["name"]}, doc["office"], model.day)
            r["office"] = doc["office"]
            model.add_rect(r, +1)
            model.save("rectifications", r)
        _named(model, "rectifications", r, doc["name"])
    return True


def _record_office(model, doc, registered, left):
    """Keep the centre's stints (office_history.py): from its registration, and from each move to a new office."""
    db = model.store.db
    if model.day is None:  # a rebuild: the centre's office is known, not since when
        office_history.centre_rebuilt(db, doc["_id"], doc["office"])
    elif not registered:
        office_history.centre_registered(db, doc["_id"], doc["office"],
                                         office_history.registered_since(model.district_doc(), model.day))
    elif left != doc["office"]:
        office_history.centre_moved(db, doc["_id"], (left, doc["office"]), model.day)


def _named(model, collection, item, name):
    """Give an item its centre's name (kept on the item: see due_items.rows); saved only when it changes."""
    if "centre_name" not in item or item["centre_name"] != name:
        item["centre_name"] = name
        model.save(collection, item)


def set_acceptance(model, centre_id, office, accepted=False, failed_inspection=None):
    doc = model.centre(centre_id, office)
    if (accepted and doc["accepted"]) or (failed_inspection and failed_inspection in doc["failed"]):
        return False
    model.add_centre(doc, -1)
    if accepted:
        doc["accepted"] = True
    if failed_inspection:
        doc["failed"] = sorted(set(doc["failed"]) | {failed_inspection})
    model.add_centre(doc, +1)
    return True


def set_rectification(model, rect):
    """``rect``: {id, centre_id, office, item_id, title, due, open, opened_on}; a closed one never reopens
    (a reopened item opens a new rectification with its own id)."""
    old = model.store.get("rectifications", rect["id"])
    if old is not None and (not old["open"] or rect["open"]):
        return False
    centre = model.centre(rect["centre_id"], rect.get("office"))
    doc = dict(old or {"_id": rect["id"], "centre_id": rect["centre_id"], "item_id": rect.get("item_id"),
                       "title": rect.get("title"), "due": iso(rect.get("due")), "opened_on": iso(rect.get("opened_on"))})
    doc.update(office=centre["office"] or rect.get("office"), open=rect["open"], centre_name=centre["name"])
    if old is not None:
        model.add_rect(old, -1)
    model.add_rect(doc, +1)
    model.save("rectifications", doc)
    if doc["open"]:  # its stint (office_history.py): open from the day it was opened
        office_history.rect_opened(model.store.db, doc, doc["office"], doc.get("opened_on") or model.day)
    else:  # closed (销号) on the day of the change (a rebuild does not know that day)
        office_history.rect_ended(model.store.db, doc, doc["office"], model.day)
    return True


def apply_once(store, key, day, change, now):
    """Run ``change(model)`` unless the event ``key`` was applied before; True if it ran."""
    if store.was_applied(key):
        return False
    model = Model(store, day)
    change(model)
    model.flush()
    store.mark_applied(key, now)
    return True
