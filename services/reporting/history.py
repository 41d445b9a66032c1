"""Past days the read model kept no snapshot of: replayed from the milestones service's revisions.

The read model's daily snapshots begin the day it was installed, and a progress report that states the day its
work was done (``done_on``) changes days that were snapshotted before it arrived (the office's and the
district's ``revised_from``, see ``mark_revised``). For such a day an office's figures are asked from the
milestones service (``milestones.offices_as_of``), which replays each centre's revisions; the calls go one page
of at most OFFICES_PER_CALL offices at a time, each office at most once per request. The district's totals for
such a day are the sum of its offices (each from its own snapshot where it has one), so they are computed only
for a district of at most DISTRICT_OFFICES offices; a larger one is asked office by office. A day before the
programme starts has no data at all: it is refused with a message, never answered with zeros.
"""
from datetime import date

from services.reporting import office_history
from shared.errors import InvalidInput

OFFICES_PER_CALL = 100
DISTRICT_OFFICES = 1000  # the most offices whose past day is summed from the revisions in one request


def check_day(as_of, plan):
    """Refuse a day before the programme's first day (``plan``: ``milestones.get_plan()``)."""
    start = plan.get("start")
    if as_of is not None and start and as_of < date.fromisoformat(start):
        raise InvalidInput(f"{as_of.isoformat()} 早于建设计划开始日期 {start}，当天还没有任何建设数据",
                           {"as_of": [f"请选择 {start} 及以后的日期"]})


def mark_revised(model, office, done_on):
    """A report for a past day: the office's and the district's snapshots from that day on no longer hold what
    was true, so those days are replayed from the revisions (``revised_from``, read by ``figures.fig_as_of``)."""
    day = done_on.isoformat() if hasattr(done_on, "isoformat") else str(done_on)
    for doc in ([model.office(office)] if office else []) + [model.district_doc()]:
        if doc.get("revised_from") is None or day < doc["revised_from"]:
            doc["revised_from"] = day


def add_fig(total, fig):
    """Add an office's ``cells`` to ``total`` (the counters the roll-up reads)."""
    cells = total.setdefault("cells", {})
    for key, cell in (fig.get("cells") or {}).items():
        _add_counts(cells.setdefault(key, {}), cell)
    return total


def _add_counts(into, counts):
    """Sum ``counts`` into ``into``: numbers added, nested counters (open items by due day, 序时进度's windows)
    added key by key."""
    for name, n in counts.items():
        if isinstance(n, dict):
            _add_counts(into.setdefault(name, {}), n)
        else:
            into[name] = into.get(name, 0) + n


def centres_as_of(store, offices, as_of):
    """{office: the ids of the centres it held at the end of ``as_of``, or None (its present centres: unchanged
    since, or no stint recorded)} from the centres' stints (office_history.py), two equality reads per office."""
    return {office: office_history.members(store.db, office, as_of.isoformat()) for office in offices}


class PastDay:
    """One request's replayed offices of ``as_of`` (``milestones``: the milestones service's RPC proxy). With
    ``store`` (the read model), each office is replayed with the centres it held that day (``centres_as_of``: a
    centre moved away since counts under it, one registered after the day does not)."""

    def __init__(self, milestones, as_of, store=None):
        self.milestones, self.as_of, self.offices, self.store = milestones, as_of, {}, store

    def fetch(self, names):
        todo = [n for n in dict.fromkeys(names) if n not in self.offices]
        for start in range(0, len(todo), OFFICES_PER_CALL):
            query = {"offices": todo[start:start + OFFICES_PER_CALL], "as_of": self.as_of.isoformat()}
            if self.store is not None:
                held = centres_as_of(self.store, query["offices"], self.as_of)
                query["centres"] = {office: ids for office, ids in held.items() if ids is not None}
            for got in self.milestones.offices_as_of(query):
                self.offices[got["office"]] = got
        return [self.offices[n] for n in names]

    def fill(self, figs):
        """[(office doc, fig or None)] with each None replaced by the office's replayed figures."""
        self.fetch([doc["_id"] for doc, fig in figs if fig is None])
        return [(doc, {"cells": self.offices[doc["_id"]]["cells"]} if fig is None else fig) for doc, fig in figs]

    def district(self, office_docs, fig_of):
        """The district's figures of the day: the sum of every office's (``office_docs``: every office; ``fig_of``:
        an office's snapshot figures or None)."""
        if len(office_docs) > DISTRICT_OFFICES:
            raise InvalidInput(f"该日没有全区快照，全区街道超过 {DISTRICT_OFFICES} 个，无法从修改记录汇总全区：请按街道查看",
                               {"as_of": ["no district snapshot that day; ask one office at a time"]})
        total = {}
        for _, fig in self.fill([(doc, fig_of(doc)) for doc in office_docs]):
            add_fig(total, fig)
        return total

    def overdue(self, names):
        """The milestones overdue on the day in the offices ``names`` (rows of ``OpenItemSchema``, dates as days)."""
        rows = []
        for got in self.fetch(names):
            for item in got["overdue"]:
                rows.append({**item, "due": date.fromisoformat(item["due"]),
                             "phase_end": date.fromisoformat(item["phase_end"]) if item.get("phase_end") else None})
        return rows


class PastRects:
    """The rectifications open at the end of ``as_of`` in the offices ``names``, from their stints
    (office_history.py): counted per (due day, office) from one counter document per office, each (due day,
    office) group read by equality only when a page holds it, so the list's total and its items agree."""

    def __init__(self, db, as_of, names):
        self.db, self.day = db, as_of.isoformat()
        self.counts = {name: office_history.rect_counts(db, name, self.day) for name in dict.fromkeys(names)}

    def day_counts(self, office=None):
        """{due day: rectifications overdue that day} of one office or of every office named."""
        out = {}
        for name, counts in self.counts.items():
            if office is None or name == office:
                for due, n in counts.items():
                    out[due] = out.get(due, 0) + n
        return out

    def office_counts(self, due):
        """{office: rectifications due on ``due`` and open that day}."""
        return {name: counts[due] for name, counts in self.counts.items() if counts.get(due)}

    def group(self, due, office):
        return office_history.rect_group(self.db, due, office, self.day)
