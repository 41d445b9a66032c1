"""Centres of one 序时进度 colour (pace.py), in pages found from the colour counters, for an office, an area or the
whole installation.

Each centre carries its colour (``colour``, on the district's ``pace_day``), and every office's, office bucket's,
area's and the district's ``fig`` counts its centres per colour (``colours``, moved with each centre's colour: see
model.py and colour_days.py). A page is found from those counters, never by reading what it skips:
- an office: its centres (equality on the indexed ``office``: one office's centres, a bounded read) of the colour;
- an area: from the area's ``fig`` down its children (cities, districts, offices: ``areas.AreaTree``), skipping every
  child whose centres of the colour all come before ``offset``; order (district, office, centre);
- the installation: its offices' buckets one ``_id`` read at a time (each bucket's ``fig`` counts its colours),
  then the offices of the bucket the page reaches; order (office's arrival, centre).
Only the offices the page holds are read whole.
"""
from datetime import date
from typing import NamedTuple

from services.reporting import figures
from services.reporting.areas import AreaTree
from services.reporting.store import OFFICE_BUCKET


def colour_count(fig, colour):
    return int(((fig or {}).get("colours") or {}).get(colour, 0))


class Span(NamedTuple):
    colour: str
    start: int
    end: int


def _window(nodes, span, seen, descend):
    """Walk ``nodes`` [(is_office, name, fig)] adding [(office, skip)] for the offices whose centres of the colour
    reach into [start, end) (``skip``: how many of the first one's come before start); ``descend(name)`` gives a
    non-office node's children. Returns (seen, offices)."""
    colour, start, end = span
    found = []
    for is_office, name, fig in nodes:
        if seen >= end:
            break
        n = colour_count(fig, colour)
        if n <= 0 or seen + n <= start:
            seen += max(n, 0)
        elif is_office:
            found.append((name, start - seen if not found and seen < start else 0))
            seen += n
        else:
            seen, more = _window(descend(name), span, seen, descend)
            if more and found:
                more[0] = (more[0][0], 0)
            found.extend(more)
    return seen, found


def _buckets(store, count):
    """[(False, bucket number, bucket fig)] of the installation's offices, read lazily one ``_id`` at a time."""
    for number in range((count + OFFICE_BUCKET - 1) // OFFICE_BUCKET):
        yield False, number, (store.get("office_buckets", number) or {}).get("fig") or {}


def colour_page(store, query, today):
    """{total, items}: centres of ``query["colour"]`` (``CentreSummarySchema`` rows; their colour the one counted),
    ``offset`` .. ``offset + limit - 1`` of the office, the area or the installation."""
    colour, office, area = query["colour"], query.get("office"), query.get("area")
    start, end = query["offset"], query["offset"] + query["limit"]
    if office:
        total = colour_count((store.get("offices", office) or {}).get("fig"), colour)
        offices = [(office, start)] if total > start else []
    elif area:
        tree = AreaTree(store.db)
        total = colour_count(tree.fig(area), colour)
        _, offices = _window([(False, area, tree.fig(area))], Span(colour, start, end), 0, tree.children)
    else:
        district = store.district_doc()
        total = colour_count(district.get("fig"), colour)

        def offices_of_bucket(number):
            return [(True, d["_id"], d.get("fig") or {}) for d in store.offices_in_bucket(number)]

        _, offices = _window(_buckets(store, district.get("offices", 0)), Span(colour, start, end), 0, offices_of_bucket)
    docs = []
    for name, _ in offices:
        docs.extend(sorted((d for d in store.centres_of(name) if d.get("colour") == colour and d.get("name") is not None),
                           key=lambda d: d["_id"]))
    skip = offices[0][1] if offices else 0
    pace_day = date.fromisoformat(store.district_doc().get("pace_day") or today.isoformat())
    rows = [{**figures.centre_summary(doc, pace_day), "colour": doc["colour"]} for doc in docs[skip:skip + end - start]]
    return {"total": total, "items": rows}


def centre_colours(store, centre_ids):
    """{centre id: colour} of the given centres (one ``_id`` read each; a page's worth)."""
    out = {}
    for centre_id in dict.fromkeys(centre_ids):
        doc = store.get("centres", centre_id)
        if doc is not None and doc.get("colour"):
            out[centre_id] = doc["colour"]
    return out
