"""Roll-ups above the office (docs/areas.md): per district, city and province, from the offices' counters.

Two collections of the read model, apart from the office and district documents the other modules keep:

- ``office_areas``: ``_id`` office name; ``district``, ``city``, ``province`` (indexed on ``district``): where each
  office lies, learnt from the centres' events (each centre carries its office's area codes) and, after a rebuild
  or a backfill, from the assignment service's offices (``place_offices``).
- ``area_figs``: ``_id`` area code; ``level``, ``parent`` (indexed), ``offices`` (how many) and ``fig``: the sum of
  the ``fig`` of every office under the area (same shape as an office's ``fig``).

After every change the areas of the offices it touched are recomputed from their sources, never incremented: a
district from its offices' documents (equality on ``district``, then one ``_id`` read per office), a city from its
districts' documents and a province from its cities' (equality on ``parent``). A recomputation is therefore right
whatever happened before it (a redelivered event, a crash between two writes, a rebuild), and every read of a
roll-up is one ``_id`` read plus one equality read of its children: never a scan.
"""
from pymongo import ASCENDING

from services.reporting.figures import _add_cell, _cells, _counts, colour_counts, pace_of, percent
from shared.areas import CITY, DISTRICT, PROVINCE, ancestors, level_of, parent_of

LEVELS_UP = (DISTRICT, CITY, PROVINCE)


def ensure_indexes(db):
    db.office_areas.create_index([("district", ASCENDING)], name="district")
    db.area_figs.create_index([("parent", ASCENDING)], name="parent")


def offices_in(payload, depth=0):
    """The office names an event's payload names (``office``, ``previous_office``, in nested centres and batches)."""
    found = set()
    if depth > 3:
        return found
    if isinstance(payload, dict):
        for key in ("office", "previous_office"):
            if isinstance(payload.get(key), str) and payload[key]:
                found.add(payload[key])
        for value in payload.values():
            if isinstance(value, dict | list):
                found |= offices_in(value, depth + 1)
    elif isinstance(payload, list):
        for item in payload:
            found |= offices_in(item, depth + 1)
    return found


def centres_in(payload):
    """The centres an event carries (``centre`` or ``centres``), to learn where their offices lie."""
    if not isinstance(payload, dict):
        return []
    centres = list(payload.get("centres") or [])
    if isinstance(payload.get("centre"), dict):
        centres.append(payload["centre"])
    return [c for c in centres if isinstance(c, dict)]


def note_office(db, office, district):
    """Record that ``office`` lies in ``district``; returns the district it was in before when that differs."""
    if not office or not district:
        return None
    current = db.office_areas.find_one({"_id": office})
    if current is not None and current.get("district") == district:
        return None
    db.office_areas.replace_one({"_id": office}, {**ancestors(district)}, upsert=True)
    return (current or {}).get("district") or district


def _summed(into, fig):
    for key, value in fig.items():
        if isinstance(value, dict):
            _summed(into.setdefault(key, {}), value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            into[key] = into.get(key, 0) + value
    return into


def refresh_districts(db, districts):
    """Recompute ``districts`` and the cities and provinces above them, from their sources."""
    level = {code for code in districts if code}
    for _ in LEVELS_UP:
        above = set()
        for code in sorted(level):
            if level_of(code) == DISTRICT:
                offices = [d["_id"] for d in db.office_areas.find({"district": code}, {"_id": 1})]
                figs = [(db.offices.find_one({"_id": name}, {"fig": 1}) or {}).get("fig") or {} for name in offices]
                count = len(offices)
            else:
                children = list(db.area_figs.find({"parent": code}))
                figs = [c.get("fig") or {} for c in children]
                count = sum(c.get("offices", 0) for c in children)
            fig = {}
            for one in figs:
                _summed(fig, one)
            db.area_figs.replace_one({"_id": code}, {"level": level_of(code), "parent": parent_of(code),
                                                     "offices": count, "fig": fig}, upsert=True)
            if parent_of(code):
                above.add(parent_of(code))
        level = above


def after_change(db, payload):
    """After an event was applied: learn where its centres' offices lie, then recompute their areas."""
    districts = set()
    for centre in centres_in(payload):
        before = note_office(db, centre.get("office"), centre.get("district"))
        if before:
            districts |= {before, centre["district"]}
    for office in offices_in(payload):
        doc = db.office_areas.find_one({"_id": office}, {"district": 1})
        if doc is not None and doc.get("district"):
            districts.add(doc["district"])
    refresh_districts(db, districts)
    return districts


def place_offices(db, offices):
    """After a rebuild or a backfill: ``offices`` [{name, district}] recorded, every area recomputed."""
    districts = set()
    for office in offices:
        if office.get("district"):
            before = note_office(db, office["name"], office["district"])
            districts |= {office["district"], before} - {None}
    refresh_districts(db, districts)
    return districts


def totals(fig, on):
    counts = _counts()
    for _, cell in _cells(fig or {}):
        _add_cell(counts, cell, on)
    return {"total": counts["total"], "done": counts["done"], "overdue": counts["overdue"],
            "centres": (fig or {}).get("centres", 0), "percent_done": percent(counts["done"], counts["total"]),
            **pace_of(list(((fig or {}).get("cells") or {}).values()), on), "colours": colour_counts(fig or {})}


def rank_key(rank):
    """The value a ranking is on: percent done (most done first) or the lag behind 序时进度 (most behind first)."""
    return (lambda r: -r["lag_percent"]) if rank == "lag" else (lambda r: -r["percent_done"])


def ranked(rows, rank="percent", tie=lambda r: r["code"]):
    """Rows ranked on ``rank`` (ties share a place), then by ``tie``."""
    value = rank_key(rank)
    rows.sort(key=lambda r: (value(r), tie(r)))
    place, last = 0, None
    for i, row in enumerate(rows, start=1):
        if value(row) != last:
            place, last = i, value(row)
        row["rank"] = place
    return rows


def rollup(db, code, on, rank="percent"):
    """{area: {code, level, offices, totals...}, children: [...ranked]}: a province's cities, a city's districts
    (each ranked within its parent on percent done, or on the lag behind 序时进度), a district's offices, each with
    its centres per colour (the counters); one ``_id`` read and one equality read."""
    doc = db.area_figs.find_one({"_id": code}) or {"level": level_of(code), "offices": 0, "fig": {}}
    area = {"code": code, "level": doc["level"], "offices": doc.get("offices", 0), **totals(doc.get("fig"), on)}
    if level_of(code) == DISTRICT:
        names = [d["_id"] for d in db.office_areas.find({"district": code}, {"_id": 1})]
        children = [{"code": name, "office": name, "level": "office", "offices": 1,
                     **totals((db.offices.find_one({"_id": name}, {"fig": 1}) or {}).get("fig"), on)} for name in names]
    else:
        children = [{"code": c["_id"], "level": c["level"], "offices": c.get("offices", 0), **totals(c.get("fig"), on)}
                    for c in db.area_figs.find({"parent": code})]
    return {"area": area, "children": ranked(children, rank)}


class AreaTree:
    """Reads of the area tree for a list of a whole area (due_items.overdue_page): an area's ``fig`` (one ``_id`` read),
    its children in list order (a province's cities and a city's districts by code: one equality read on ``parent``;
    a district's offices by name: one equality read on ``district`` and one ``_id`` read per office), and where an
    office lies (one ``_id`` read). Every read is kept for the request, so a page reads each node once."""

    def __init__(self, db):
        self.db = db
        self._figs, self._children, self._districts = {}, {}, {}

    def fig(self, code):
        if code not in self._figs:
            self._figs[code] = (self.db.area_figs.find_one({"_id": code}, {"fig": 1}) or {}).get("fig") or {}
        return self._figs[code]

    def children(self, code):
        """[(is_office, code or office name, fig)] in list order."""
        if code not in self._children:
            if level_of(code) == DISTRICT:
                names = sorted(d["_id"] for d in self.db.office_areas.find({"district": code}, {"_id": 1}))
                found = [(True, name, (self.db.offices.find_one({"_id": name}, {"fig": 1}) or {}).get("fig") or {})
                         for name in names]
                for name in names:
                    self._districts[name] = code
            else:
                found = sorted(((False, d["_id"], d.get("fig") or {}) for d in self.db.area_figs.find({"parent": code})),
                               key=lambda c: c[1])
                for _, child, fig in found:
                    self._figs[child] = fig
            self._children[code] = found
        return self._children[code]

    def district_of(self, office):
        if office not in self._districts:
            doc = self.db.office_areas.find_one({"_id": office}, {"district": 1})
            self._districts[office] = (doc or {}).get("district")
        return self._districts[office]

    def offices(self, code, limit):
        """The offices of area ``code`` in list order (district, then name), at most ``limit`` + 1 of them (more:
        the caller refuses), read level by level by equality."""
        if level_of(code) == DISTRICT:
            return [name for _, name, _ in self.children(code)][:limit + 1]
        out = []
        for _, child, _ in self.children(code):
            out.extend(self.offices(child, limit - len(out)))
            if len(out) > limit:
                break
        return out[:limit + 1]


def area_path(code, district):
    """The codes of ``code``'s descendants down to ``district`` (the district included), for counts kept per node."""
    return [c for c in ancestors(district).values() if c and len(c) >= len(code) and c.startswith(code)]
