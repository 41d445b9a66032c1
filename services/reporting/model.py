"""The read model's documents in memory for one change: contributions, counters and the Model that holds them.

A milestone, a rectification and a centre each add fixed paths (their *contributions*) to their office's
``fig``, the district's totals, their office bucket (centres) and the due day's per-office counts (open
items); ``Model`` reads each document by ``_id`` once, applies the differences and writes each once at
``flush``. See ``projection.py`` for the rules (one writer, once per key, snapshots).
"""
import copy
from datetime import date

from services.reporting import pace
from services.reporting.store import OFFICE_BUCKET
from shared.settings import settings

RANKS = "ranks"  # in the district's ``fig``: {percent done in tenths: offices}, the district's ranking

OPEN_PATH = "open_due"
WINDOW_PATH = "win"  # {"phase start|due": milestones}: the windows of 序时进度 (pace.py)
KIND_OF = {"milestones": "milestone", "rectifications": "rectification"}


def bump(fig, paths, sign):
    """Add ``sign`` at each path of ``fig``, then drop the zeros and emptied dicts along those paths (a fig
    holds neither, so only the paths just bumped can have made one)."""
    touched = []
    for path in paths:
        nodes = [fig]
        for part in path[:-1]:
            nodes.append(nodes[-1].setdefault(part, {}))
        nodes[-1][path[-1]] = nodes[-1].get(path[-1], 0) + sign
        touched.append((path, nodes))
    for path, nodes in touched:
        for depth in range(len(path) - 1, -1, -1):
            value = nodes[depth].get(path[depth])
            if value is None or value == 0 or value == {}:
                nodes[depth].pop(path[depth], None)
            else:
                break


def cell_key(phase, level):
    return f"{phase}|{level}"


def _window_paths(m):
    key = pace.window_key(m.get("phase_start"), m.get("due"))
    return [(WINDOW_PATH, key)] if key else []


def milestone_paths(m):
    cell = ("cells", cell_key(m["phase"], m.get("level")))
    paths = [cell + ("total",), cell + (m["status"],)] + [cell + p for p in _window_paths(m)]
    if m["open"] and m.get("due"):
        paths.append(cell + (OPEN_PATH, m["due"]))
    return paths


def milestone_centre_paths(m):
    paths = [("total",)] + ([("done",)] if m["status"] == "done" else []) + _window_paths(m)
    return paths + ([(OPEN_PATH, m["due"])] if m["open"] and m.get("due") else [])


def rect_paths(r):
    return [("open_rectifications",), ("rect_due", r["due"])] if r["open"] and r.get("due") else []


def centre_paths(c):
    failed = bool(c.get("failed")) and not c.get("accepted")
    return ([("centres",)] + ([("levels", c["level"])] if c.get("level") else [])
            + ([("accepted",)] if c.get("accepted") else []) + ([("failed",)] if failed else [])
            + colour_paths(c))


def colour_paths(c):
    """A centre's 序时进度 colour, counted per office and district (``colours``) and per level (``level_colours``)."""
    if not c.get("colour"):
        return []
    return [("colours", c["colour"])] + ([("level_colours", c["level"], c["colour"])] if c.get("level") else [])


def centre_pace(fig):
    return pace.Figures.merged([fig])


def rank_key(fig):
    """An office's percent done over all phases and levels, in tenths (the rounding of the roll-up's
    ``percent_done``): its place in the district's ranking; None while it has no milestones."""
    cells = (fig.get("cells") or {}).values()
    total = sum(c.get("total", 0) for c in cells)
    return round(10 * round(100.0 * sum(c.get("done", 0) for c in cells) / total, 1)) if total else None


RANK_SLOT = 10  # offices of one place of the ranking are read in slots of this many consecutive seqs


def set_rank(doc, district_fig, place):
    """Move the office document ``doc`` to its place in the district's ranking (``rank_pct``; ``rank_slot``
    "tenths|seq // RANK_SLOT", indexed) and keep the district's count of offices per place and the place's
    count of offices per slot (``place(tenths)``: its ``rank_places`` document), so a page of the ranking
    reads only the slots it reaches."""
    key = rank_key(doc.get("fig") or {})
    if key != doc.get("rank_pct"):
        if doc.get("rank_pct") is not None:
            bump(district_fig, [(RANKS, str(doc["rank_pct"]))], -1)
        if key is not None:
            bump(district_fig, [(RANKS, str(key))], +1)
        doc["rank_pct"] = key
    slot = None if key is None else "{}|{}".format(key, doc["seq"] // RANK_SLOT)
    if slot != doc.get("rank_slot"):
        for old_new, sign in ((doc.get("rank_slot"), -1), (slot, +1)):
            if old_new is not None:
                tenths, number = old_new.split("|")
                bump(place(int(tenths))["slots"], [(number,)], sign)
        doc["rank_slot"] = slot
    doc.pop("rank_bucket", None)  # the former slots (one office bucket): no longer kept


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
        self.buckets, self.days, self.district, self.places = {}, {}, None, {}
        self.paced = {}  # (pace day, a centre's figures) -> (colour, next change day)

    def district_doc(self):
        if self.district is None:
            self.district = self.store.own_district()  # its partition's (store.py, partition.py)
            self.before[None] = copy.deepcopy(self.district["fig"])
        return self.district

    def office(self, name):
        if name not in self.offices:
            doc = self.store.get("offices", name) or {"_id": name, "fig": {}, "day": None, "snap_days": [],
                                                      "first_centre": None}
            if doc.get("seq") is None:  # a new office (or one from before offices had an order): the next seq
                district = self.district_doc()
                if self.store.partition.whole:
                    doc["seq"] = district["offices"]
                else:  # unique across the partitions: claimed in the store, from the offices counted so far
                    doc["seq"] = self.store.claim_seq(name, self.store.district_doc()["offices"])
                district["offices"] += 1
                doc["bucket"] = doc["seq"] // OFFICE_BUCKET
            self.offices[name] = doc
            self.before[name] = copy.deepcopy(doc["fig"])
        return self.offices[name]

    def bucket(self, number):
        if number not in self.buckets:
            doc_id = self.store.partition.doc_id(number)
            self.buckets[number] = self.store.get("office_buckets", doc_id) or {"_id": doc_id, "fig": {},
                                                                                **self._part(bucket=number)}
        return self.buckets[number]

    def rank_place(self, tenths):
        """The ``rank_places`` document of one place of the ranking (its offices per slot)."""
        if tenths not in self.places:
            doc_id = self.store.partition.doc_id(tenths)
            self.places[tenths] = self.store.get("rank_places", doc_id) or {"_id": doc_id, "slots": {},
                                                                             **self._part(tenths=tenths)}
        return self.places[tenths]

    def due_day(self, kind, due, bucket):
        doc_id = self.store.partition.doc_id(f"{kind}:{due}:{bucket}")
        if doc_id not in self.days:
            self.days[doc_id] = self.store.get("due_days", doc_id) or {
                "_id": doc_id, "kind_day": f"{kind}:{due}", "kind": kind, "day": due, "bucket": bucket,
                "offices": {}, "total": 0, **self._part()}
        return self.days[doc_id]

    def _part(self, **fields):
        """The fields a partition's counter documents carry (to read and reset them by equality); none without."""
        partition = self.store.partition
        return {} if partition.whole else {**fields, "part": partition.tag}

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

    def pace_day(self):
        """The day the read model's colours stand at (the district's ``pace_day``, moved by the pace timer);
        the first change of a new model starts it at its own day."""
        district = self.district_doc()
        if district.get("pace_day") is None and self.day is not None:
            district["pace_day"] = district["pace_swept"] = self.day
        return district.get("pace_day")

    def recolour(self, doc):
        """Give the centre ``doc`` its colour on the pace day and the day it will next change (``pace_next``,
        indexed: the pace timer reads the centres of a day by equality); move the colour counters."""
        day = self.pace_day() if doc.get("office") else None
        if day is None:
            return
        figures = centre_pace(doc.get("fig") or {})
        key = (day, figures.total, figures.done, tuple(sorted(figures.windows.items())),
               tuple(sorted(figures.open_due.items())))
        if key not in self.paced:  # an import's centres mostly share their figures: computed once per change
            today, rules = date.fromisoformat(day), pace.Rules.of(settings())
            following = pace.next_change(figures, today, rules)
            self.paced[key] = (pace.colour(figures, today, rules), following.isoformat() if following else None)
        new, doc["pace_next"] = self.paced[key]
        if new != doc.get("colour"):
            self.bump_office(doc["office"], colour_paths(doc), -1, centres=True)
            doc["colour"] = new
            self.bump_office(doc["office"], colour_paths(doc), +1, centres=True)

    def flush(self):
        for doc in self.centres.values():
            self.recolour(doc)
        for (collection, _), doc in self.docs.items():
            self.store.put(collection, doc)
        for doc in self.centres.values():
            doc.update(self._part())  # a partition's pace timer reads its own centres (store.centres_paced)
            self.store.put("centres", doc)
        for name, doc in self.offices.items():
            set_rank(doc, self.district_doc()["fig"], self.rank_place)
            self._dated(doc, self.before[name], "snapshots", name)
            self.store.put("offices", doc)
        for doc in self.places.values():
            if doc["slots"]:
                self.store.put("rank_places", doc)
            else:
                self.store.drop("rank_places", doc["_id"])
        for doc in self.buckets.values():
            self.store.put("office_buckets", doc)
        for doc in self.days.values():
            if doc["total"]:
                self.store.put("due_days", doc)
            else:
                self.store.drop("due_days", doc["_id"])
        if self.district is not None:
            self._dated(self.district, self.before[None], "district", self.district["_id"])
            self.store.put("district", self.district)
