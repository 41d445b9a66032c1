"""Where each centre and each rectification stood on a past day: stints of the read model.

The read model's documents hold the present: a centre's office, a rectification's office and whether it is
open. A view for a past day needs what was true then (services/reporting/history.py), so every change of a
centre's office and every rectification's opening, closing (销号) and move is also kept as a *stint*, a small
document with the days it began and ended (ISO days; ``since`` None: from the programme's start, ``until``
None: still). Stint ``[since, until)`` covers a day D when ``since <= D < until``: it holds at the end of D.

- ``centre_stints``: ``_id`` "centre@office@since"; ``centre_id``, ``office``, ``since``, ``until``. Indexed:
  ``office`` (the centres an office held, one equality read) and ``centre_id`` (one centre's stints, on a move).
  A centre registered on the read model's first day (the install, whose past is entered with ``done_on``) is
  there from the start; one registered later is counted from its registration day.
- ``rect_stints``: ``_id`` "rectification@office"; the rectification's centre, centre name, item, title and
  ``due``, ``office``, ``since`` (opened, or moved in), ``until`` (closed, or moved out) and ``due_office``
  ("due|office", indexed): one office's rectifications of one due day are one equality read, closed ones too.
- ``rect_spans``: ``_id`` office; ``spans`` {"due|since|until": rectification stints}: the counters a past
  day's overdue list is paged from (how many were open on D and due before it, per due day) without reading
  the items it skips, and the list's total.

Written by the one writer with the changes that cause them (``projection.set_centre``, ``set_rectification``).
A read model from before stints has none: an office without any stint is replayed with its present centres, a
centre without any stint counts under its present office, and ``cctrack reports rebuild`` records the open
rectifications' stints (a closed one's closing day is not known to a rebuild).
"""
from datetime import date

from pymongo import ASCENDING

CENTRES, RECTS, SPANS = "centre_stints", "rect_stints", "rect_spans"


def ensure_indexes(db):
    db[CENTRES].create_index([("office", ASCENDING)], name="office")
    db[CENTRES].create_index([("centre_id", ASCENDING)], name="centre")
    db[RECTS].create_index([("due_office", ASCENDING)], name="due_office")


def _iso(value):
    return None if value is None else value.isoformat() if isinstance(value, date) else str(value)


# --- pure parts ----------------------------------------------------------------------------------

def covers(stint, day):
    """Whether ``stint`` holds at the end of ``day`` (ISO): begun on or before it, not ended by then."""
    return (stint.get("since") or "") <= day and (stint.get("until") is None or stint["until"] > day)


def registered_since(district, day):
    """The day a centre registered on ``day`` counts from: None (the programme's start) while ``day`` is the
    read model's first day (the install: the district's earliest snapshot day, or its day when it has none),
    else ``day`` itself."""
    days = district.get("snap_days") or []
    first = min(days) if days else district.get("day")
    return None if day is None or first is None or day <= first else day


def members_on(stints, unrecorded, day):
    """The centres of one office at the end of ``day`` (ISO): those whose stint in it covers the day, plus
    ``unrecorded`` (its present centres with no stint at all, from before stints were kept). None when the office
    has no stint: nothing is known beyond its present centres."""
    if not stints:
        return None
    recorded = {s["centre_id"] for s in stints}
    inside = {s["centre_id"] for s in stints if covers(s, day)}
    return sorted(inside | {c for c in unrecorded if c not in recorded})


def span_key(stint):
    return "{}|{}|{}".format(stint["due"], stint.get("since") or "", stint.get("until") or "")


def open_counts(spans, day):
    """{due day: rectifications open at the end of ``day`` and due before it} from an office's ``spans``."""
    counts = {}
    for key, n in (spans or {}).items():
        due, since, until = key.split("|")
        if n > 0 and due < day and since <= day and (not until or until > day):
            counts[due] = counts.get(due, 0) + n
    return counts


def rect_row(stint):
    """A rectification stint as a row of ``OpenRectificationItemSchema`` (open that day)."""
    return {"rectification_id": stint["rect_id"], "centre_id": stint["centre_id"],
            "centre_name": stint.get("centre_name") or stint["centre_id"], "office": stint["office"],
            "item_id": stint.get("item_id"), "title": stint.get("title"), "due": date.fromisoformat(stint["due"]),
            "status": "open"}


# --- centres -------------------------------------------------------------------------------------

def centre_registered(db, centre_id, office, since):
    """A centre's first stint (its registration): written without a read (``_id`` from its fields)."""
    if office:
        _put(db, CENTRES, {"_id": f"{centre_id}@{office}@{since or ''}", "centre_id": centre_id, "office": office,
                           "since": since, "until": None})


def centre_moved(db, centre_id, offices, day):
    """The centre left ``offices[0]`` for ``offices[1]`` on ``day``: its open stint there ends (a centre from before
    stints gets one from the start) and one in the new office begins."""
    left, joined = offices
    stints = list(db[CENTRES].find({"centre_id": centre_id}))
    ending = [s for s in stints if s["office"] == left and s.get("until") is None]
    if not stints and left:  # a centre from before stints: in its old office from the start
        ending = [{"_id": f"{centre_id}@{left}@", "centre_id": centre_id, "office": left, "since": None}]
    for stint in ending:
        _put(db, CENTRES, {**stint, "until": day})
    if not any(s["office"] == joined and s.get("until") is None for s in stints):
        centre_registered(db, centre_id, joined, day)


def centre_rebuilt(db, centre_id, office):
    """A rebuild's centre: recorded from the start under its office when it has no stint yet."""
    if office and db[CENTRES].find_one({"centre_id": centre_id}, {"_id": 1}) is None:
        centre_registered(db, centre_id, office, None)


def members(db, office, day):
    """The centre ids of ``office`` at the end of ``day`` (ISO), or None when they are its present centres (or
    nothing is recorded, see ``members_on``): its stints and its present centres' ids, two equality reads."""
    stints = list(db[CENTRES].find({"office": office}))
    if not stints:
        return None
    present = sorted(c["_id"] for c in db.centres.find({"office": office}, {"_id": 1}))
    held = members_on(stints, present, day)
    return None if held == present else held


# --- rectifications ------------------------------------------------------------------------------

def rect_opened(db, rect, office, since):
    """``rect`` (the read model's rectification document) is open in ``office`` from ``since``."""
    if not office or not rect.get("due"):
        return
    stint = {"_id": "{}@{}".format(rect["_id"], office), "rect_id": rect["_id"], "centre_id": rect["centre_id"],
             "centre_name": rect.get("centre_name"), "item_id": rect.get("item_id"), "title": rect.get("title"),
             "due": rect["due"], "office": office, "since": _iso(since), "until": None,
             "due_office": "{}|{}".format(rect["due"], office)}
    old = db[RECTS].find_one({"_id": stint["_id"]})
    if old is not None:
        return
    _put(db, RECTS, stint)
    _count(db, stint, +1)


def rect_ended(db, rect, office, day):
    """``rect`` stops being open in ``office`` on ``day`` (closed, or moved with its centre); a rectification
    from before stints gets its stint from its opening day."""
    if not office or not rect.get("due") or day is None:
        return
    stint = db[RECTS].find_one({"_id": "{}@{}".format(rect["_id"], office)})
    if stint is None and rect.get("opened_on"):  # (a closing that arrived before the opening: not known when)
        rect_opened(db, rect, office, rect["opened_on"])
        stint = db[RECTS].find_one({"_id": "{}@{}".format(rect["_id"], office)})
    if stint is None or stint.get("until") is not None:
        return
    _count(db, stint, -1)
    stint["until"] = _iso(day)
    _put(db, RECTS, stint)
    _count(db, stint, +1)


def rect_counts(db, office, day):
    """{due day: rectifications of ``office`` open at the end of ``day`` (ISO) and due before it}: one ``_id`` read."""
    return open_counts((db[SPANS].find_one({"_id": office}) or {}).get("spans"), day)


def rect_group(db, due, office, day):
    """The rows of ``office``'s rectifications due on ``due`` and open at the end of ``day``: one equality read."""
    return [rect_row(s) for s in sorted(db[RECTS].find({"due_office": f"{due}|{office}"}), key=lambda s: s["_id"])
            if covers(s, day)]


def _count(db, stint, sign):
    doc = db[SPANS].find_one({"_id": stint["office"]}) or {"_id": stint["office"], "spans": {}}
    key = span_key(stint)
    doc["spans"][key] = doc["spans"].get(key, 0) + sign
    if doc["spans"][key] <= 0:
        doc["spans"].pop(key)
    _put(db, SPANS, doc)


def _put(db, collection, doc):
    db[collection].replace_one({"_id": doc["_id"]}, doc, upsert=True)
