"""Write side of the read model: applying events (and rebuilt state) to documents and counters.

Counters. FerretDB has no atomic ``$inc`` (an update is read-modify-write), so counters are
safe only if one writer changes them at a time. This service therefore applies changes one
at a time: the service holds one lock around every change (events and rebuild pages alike)
and runs as ONE replica; the broker keeps the events queued meanwhile. Recomputing an office's
counters from its documents after each change would not help: two recomputations can still
interleave and the older one win. Beyond one machine the model is sharded by office (each
replica consumes the events of its offices through a routing key and owns those offices'
documents), which keeps exactly one writer per counter.

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
import copy

from services.reporting.store import DISTRICT, OFFICE_BUCKET

OPEN_PATH = "open_due"
KIND_OF = {"milestones": "milestone", "rectifications": "rectification"}


def bump(fig, paths, sign):
    for path in paths:
        node = fig
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = node.get(path[-1], 0) + sign
    _prune(fig)


def _prune(node):
    for key in list(node):
        value = node[key]
        if isinstance(value, dict):
            _prune(value)
            if not value:
                del node[key]
        elif value == 0:
            del node[key]


def cell_key(phase, level):
    return "{}|{}".format(phase, level)


def milestone_paths(m):
    cell = ("cells", cell_key(m["phase"], m.get("level")))
    paths = [cell + ("total",), cell + (m["status"],)]
    if m["open"] and m.get("due"):
        paths.append(cell + (OPEN_PATH, m["due"]))
    return paths


def milestone_centre_paths(m):
    paths = [("total",)] + ([("done",)] if m["status"] == "done" else [])
    return paths + ([(OPEN_PATH, m["due"])] if m["open"] and m.get("due") else [])


def rect_paths(r):
    return [("open_rectifications",), ("rect_due", r["due"])] if r["open"] and r.get("due") else []


def centre_paths(c):
    failed = bool(c.get("failed")) and not c.get("accepted")
    return ([("centres",)] + ([("levels", c["level"])] if c.get("level") else [])
            + ([("accepted",)] if c.get("accepted") else []) + ([("failed",)] if failed else []))


def due_office(doc):
    """The key of an open item's (due day, office) group, or None when it is closed or has no day or office."""
    return "{}|{}".format(doc["due"], doc["office"]) if doc.get("open") and doc.get("due") and doc.get("office") else None


def iso(value):
    return None if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)


class Model:
    """One unit of change: documents read by ``_id``, changed in memory, written by ``_id`` at ``flush``."""

    def __init__(self, store, day):
        self.store, self.day = store, day  # day: ISO day of the change; None (a rebuild) takes no snapshot
        self.offices, self.before, self.centres, self.docs = {}, {}, {}, {}
        self.buckets, self.days, self.district = {}, {}, None

    def district_doc(self):
        if self.district is None:
            self.district = self.store.district_doc()
            self.before[None] = copy.deepcopy(self.district["fig"])
        return self.district

    def office(self, name):
        if name not in self.offices:
            doc = self.store.get("offices", name) or {"_id": name, "fig": {}, "day": None, "snap_days": [],
                                                      "first_centre": None}
            if doc.get("seq") is None:  # a new office (or one from before offices had an order): the next seq
                district = self.district_doc()
                doc["seq"], district["offices"] = district["offices"], district["offices"] + 1
                doc["bucket"] = doc["seq"] // OFFICE_BUCKET
            self.offices[name] = doc
            self.before[name] = copy.deepcopy(doc["fig"])
        return self.offices[name]

    def bucket(self, number):
        if number not in self.buckets:
            self.buckets[number] = self.store.get("office_buckets", number) or {"_id": number, "fig": {}}
        return self.buckets[number]

    def due_day(self, kind, due, bucket):
        doc_id = "{}:{}:{}".format(kind, due, bucket)
        if doc_id not in self.days:
            self.days[doc_id] = self.store.get("due_days", doc_id) or {
                "_id": doc_id, "kind_day": "{}:{}".format(kind, due), "kind": kind, "day": due, "bucket": bucket,
                "offices": {}, "total": 0}
        return self.days[doc_id]

    def bump_office(self, name, paths, sign, centres=False):
        """Add (sign +1) or remove (-1) ``paths`` in the office's figures and the district's totals
        (and, for a centre's own paths, in the office's bucket)."""
        office = self.office(name)
        bump(office["fig"], paths, sign)
        bump(self.district_doc()["fig"], paths, sign)
        if centres:
            bump(self.bucket(office["bucket"])["fig"], paths, sign)

    def count_due(self, kind, doc, sign):
        if due_office(doc):
            day = self.due_day(kind, doc["due"], self.office(doc["office"])["bucket"])
            bump(day["offices"], [(doc["office"],)], sign)
            day["total"] += sign

    def add_centre(self, c, sign):
        if c.get("office"):
            self.bump_office(c["office"], centre_paths(c), sign, centres=True)
            office = self.office(c["office"])
            if sign > 0 and (office["first_centre"] is None or c["_id"] < office["first_centre"]):
                office["first_centre"] = c["_id"]

    def centre(self, centre_id, office=None):
        if centre_id not in self.centres:
            doc = self.store.get("centres", centre_id)
            if doc is None:  # an event about a centre not registered here yet: its registration fills it in
                doc = {"_id": centre_id, "name": None, "office": office, "level": None, "pilot": False,
                       "deadline": None, "remark": "", "version": 0, "accepted": False, "failed": [], "fig": {}}
                if office:
                    self.add_centre(doc, +1)
            self.centres[centre_id] = doc
        return self.centres[centre_id]

    def add_milestone(self, m, sign):
        self.bump_office(m["office"], milestone_paths(m), sign)
        self.count_due("milestone", m, sign)
        bump(self.centre(m["centre_id"], m["office"])["fig"], milestone_centre_paths(m), sign)

    def add_rect(self, r, sign):
        if r.get("office"):
            self.bump_office(r["office"], rect_paths(r), sign)
            self.count_due("rectification", r, sign)
        bump(self.centre(r["centre_id"], r.get("office"))["fig"], rect_paths(r)[:1], sign)

    def save(self, collection, doc):
        if collection in KIND_OF:
            doc["due_office"] = due_office(doc)
        self.docs[(collection, doc["_id"])] = doc

    def _dated(self, doc, before, collection, snap_id):
        """Keep ``before`` as the snapshot of the doc's last active day when this change opens a new day."""
        if self.day is not None:
            if doc["day"] is not None and self.day > doc["day"]:
                self.store.insert_snapshot({"_id": "{}:{}".format(snap_id, doc["day"]), "office": snap_id,
                                            "day": doc["day"], "fig": before}, collection)
                doc["snap_days"] = sorted(set(doc["snap_days"]) | {doc["day"]})
            if doc["day"] is None or self.day > doc["day"]:
                doc["day"] = self.day

    def flush(self):
        for (collection, _), doc in self.docs.items():
            self.store.put(collection, doc)
        for doc in self.centres.values():
            self.store.put("centres", doc)
        for name, doc in self.offices.items():
            self._dated(doc, self.before[name], "snapshots", name)
            self.store.put("offices", doc)
        for doc in self.buckets.values():
            self.store.put("office_buckets", doc)
        for doc in self.days.values():
            if doc["total"]:
                self.store.put("due_days", doc)
            else:
                self.store.drop("due_days", doc["_id"])
        if self.district is not None:
            self._dated(self.district, self.before[None], "district", DISTRICT)
            self.store.put("district", self.district)


STATIC = ("title", "owner", "order", "phase_end")


def set_milestone(model, centre_id, new):
    """Move a milestone to the state ``new`` (key, version, phase, due, status, maybe static fields)."""
    doc_id = "{}:{}".format(centre_id, new["key"])
    old = model.store.get("milestones", doc_id)
    if old is not None and old["version"] >= new["version"]:
        missing = {k: iso(new[k]) if k == "phase_end" else new[k] for k in STATIC if new.get(k) is not None
                   and old.get(k) is None}
        if missing:  # a later version arrived first; this one still knows the static fields
            model.save("milestones", {**old, **missing})
        return False
    centre = model.centre(centre_id, new.get("office"))
    doc = dict(old or {"_id": doc_id, "centre_id": centre_id, "key": new["key"], **{k: None for k in STATIC}})
    doc.update({k: iso(new[k]) if k == "phase_end" else new[k] for k in STATIC if new.get(k) is not None})
    doc.update(office=centre["office"] or new.get("office"), level=centre["level"], phase=new["phase"],
               due=iso(new["due"]), status=new["status"], version=new["version"], open=new["status"] != "done")
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
    doc.update({k: centre.get(k) for k in CENTRE_FIELDS}, deadline=iso(centre.get("deadline")), version=version)
    model.add_centre(doc, +1)
    for m in model.store.of_centre("milestones", doc["_id"]):
        if (m["office"], m.get("level")) != (doc["office"], doc["level"]):
            model.add_milestone(m, -1)
            m.update(office=doc["office"], level=doc["level"])
            model.add_milestone(m, +1)
            model.save("milestones", m)
    for r in model.store.of_centre("rectifications", doc["_id"]):
        if r["office"] != doc["office"]:
            model.add_rect(r, -1)
            r["office"] = doc["office"]
            model.add_rect(r, +1)
            model.save("rectifications", r)
    return True


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
    doc.update(office=centre["office"] or rect.get("office"), open=rect["open"])
    if old is not None:
        model.add_rect(old, -1)
    model.add_rect(doc, +1)
    model.save("rectifications", doc)
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
