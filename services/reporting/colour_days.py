"""Colours that move as days pass: the pace timer moves only the centres whose colour changes.

Each centre carries its 序时进度 colour on the district's ``pace_day`` and ``pace_next``, the first day on
which that colour will differ (``pace.next_change``; None when it never will without a change of its
milestones). When a new day comes, the timer first moves ``pace_day`` to it (so every change applied from
then on colours its centres for the new day), then, for each day since ``pace_swept``, reads the centres
filed under that day (equality on the indexed ``pace_next``, one bounded page at a time, each page one
change under the write lock) and recolours them, which moves the colour counters of their office, the
district and the office bucket and files each under its next day. ``pace_swept`` records each day done,
so a timer stopped halfway continues where it stopped. No read covers centres whose colour stays.
"""
from datetime import date, timedelta
from functools import partial

from services.reporting.model import Model

PAGE = 500


def _district_change(store, day, update):
    model = Model(store, day)
    district = model.district_doc()
    update(district)
    model.flush()
    return district


def move_colours(store, writer, today):
    """Bring the colours to ``today``; returns how many centres were recoloured."""
    day = today.isoformat()

    if store.own_district().get("pace_day") is None:
        return 0  # an empty model: its first change starts the pace day (a model from before colours: rebuild it)

    def start(district):
        if district["pace_day"] < day:
            district.setdefault("pace_swept", district["pace_day"])
            district["pace_day"] = day

    with writer:
        district = _district_change(store, day, start)
    swept, target, moved = date.fromisoformat(district["pace_swept"]), date.fromisoformat(district["pace_day"]), 0
    while swept < target:
        swept += timedelta(days=1)
        while True:
            with writer:
                docs = store.centres_paced(swept.isoformat(), PAGE)
                if not docs:
                    break
                model = Model(store, day)
                for doc in docs:
                    doc["pace_next"] = None  # recolouring files it under its next day (never this one again)
                    model.centres[doc["_id"]] = doc
                model.flush()  # recolours every centre it holds
                moved += len(docs)
        with writer:
            _district_change(store, day, partial(dict.update, pace_swept=swept.isoformat()))
    return moved


def start_rebuild(store, today):
    """A rebuild colours every centre for ``today``: nothing is left to sweep."""
    _district_change(store, None, partial(dict.update, pace_day=today.isoformat(), pace_swept=today.isoformat()))
