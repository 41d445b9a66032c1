"""Open items from other services, behind one small interface.

An item source is anything with a ``name`` and ``fetch(as_of)`` returning items (here: the read
model's open milestones and rectifications due on the days a scan can act on, and the indicators
service's small monthly list); ``collect`` asks every source and keeps going when one is missing or
down (logged, reported in the scan result, retried at the next tick), because one service being
unavailable must not silence the other's deadlines.

``overdue_items`` answers the overdue report with one page: the read model finds the page's
(due, office) groups from its counters (``reporting.overdue_page``), counting the indicator items
in, and only those groups are read.
"""
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from shared.clock import as_date
from shared.errors import CctrackError

log = logging.getLogger(__name__)
PAGE = 1000
MAX_DAYS = 400  # days per reporting.due_items call
MODEL_KINDS = ("milestone", "rectification")  # the kinds of items the read model pages


@dataclass(frozen=True)
class Item:
    kind: str          # milestone | rectification
    ref: str           # centre_id/key or rectification id
    centre_id: str
    centre_name: str
    office: str
    title: str
    due: object        # date
    phase_end: object = None

    @property
    def key(self):
        # The due date is part of the key: moving it re-arms every step.
        return f"{self.kind}:{self.ref}@{self.due.isoformat()}"

    def snapshot(self):
        return {"kind": self.kind, "ref": self.ref, "centre_id": self.centre_id, "centre_name": self.centre_name,
                "office": self.office, "title": self.title, "due": self.due.isoformat(),
                "phase_end": self.phase_end.isoformat() if self.phase_end else None}


def milestone_item(raw):
    return Item("milestone", "{}/{}".format(raw["centre_id"], raw["key"]), raw["centre_id"],
                raw.get("centre_name") or raw["centre_id"], raw["office"], raw.get("title") or raw["key"],
                as_date(raw["due"]), as_date(raw["phase_end"]) if raw.get("phase_end") else None)


def rectification_item(raw):
    return Item("rectification", str(raw["rectification_id"]), raw["centre_id"],
                raw.get("centre_name") or raw["centre_id"], raw["office"],
                "整改：" + (raw.get("title") or str(raw.get("item_id") or "")), as_date(raw["due"]))


def acknowledgement_item(raw):
    """A rectification order not signed for (签收) yet, from ``inspections.unacknowledged``: due on the day to sign
    by, so the rules remind it before and after that day like any item, once per step."""
    return Item("acknowledge", str(raw["rectification_id"]), raw["centre_id"], raw.get("centre_name") or raw["centre_id"],
                raw["office"], "签收整改通知：" + (raw.get("title") or ""), as_date(raw["due"]))


def indicator_item(raw):
    """A monthly report not yet in (kind ``monthly_report``) or an indicator behind pace (``indicator``),
    from ``indicators.open_items``."""
    return Item(raw["kind"], raw["ref"], raw["centre_id"], raw.get("centre_name") or raw["centre_id"], raw["office"],
                raw["title"], as_date(raw["due"]))


class RpcSource:
    """Items from a call ``call(as_of_iso)`` returning every raw item at once (small sources, tests)."""

    def __init__(self, name, call, convert):
        self.name = name
        self.call = call
        self.convert = convert

    def fetch(self, as_of):
        return [self.convert(raw) for raw in self.call(as_of.isoformat()) if raw.get("due")]


class DueDaySource:
    """Open items of one ``kind`` from the read model (``reporting.due_items``) due on the days
    ``days(as_of)`` (the scan's window, ``rules.due_window``), page by page; ``call`` does the RPC."""

    def __init__(self, name, kind, call, convert, days):
        self.name, self.kind, self.call, self.convert, self.days = name, kind, call, convert, days

    def fetch(self, as_of):
        days, out = [d.isoformat() for d in self.days(as_of)], []
        for start in range(0, len(days), MAX_DAYS):
            cursor = None
            while True:
                page = self.call({"kind": self.kind, "days": days[start:start + MAX_DAYS], "cursor": cursor,
                                  "limit": PAGE})
                out.extend(self.convert(raw) for raw in page["items"] if raw.get("due"))
                cursor = page["cursor"]
                if not cursor:
                    break
        return out


def order(item):
    return item.due, item.office, item.centre_id, item.ref


@dataclass(frozen=True)
class OverdueQuery:
    """One page of the overdue report: what is overdue on ``as_of`` (in one office, or everywhere)."""
    as_of: date
    office: str | None = None
    offset: int = 0
    limit: int = 100
    kind: str | None = None    # one kind of item only
    phase: int | None = None   # milestones of this phase only
    area: str | None = None    # the list of this province, city or district (the read model tells where offices lie)


class OverduePage(NamedTuple):
    items: list
    total: int
    sources: dict  # status by source name: "ok" or "error: ..."


def overdue_items(call_page, small_sources, query):
    """The ``OverduePage`` of what is overdue on ``query.as_of`` in (due, office, centre, ref) order.
    ``small_sources``' items (read whole) are merged in; the read model's come from one page
    call. When the read model is down, the report holds the other sources' items and says so."""
    as_of, office, offset, limit = query.as_of, query.office, query.offset, query.limit
    kinds = [k for k in MODEL_KINDS if query.kind in (None, k) and (query.phase is None or k == "milestone")]
    extra, status = collect(small_sources if query.phase is None else [], as_of)
    late = sorted((i for i in extra if i.due < as_of and (office is None or i.office == office)
                   and query.kind in (None, i.kind)), key=order)
    area = query.area if office is None else None
    if not kinds and area is None:  # only the small sources' kinds: no page of the read model to merge
        return OverduePage(late[offset:offset + limit], len(late), status)
    query = {"as_of": as_of.isoformat(), "office": office, "offset": offset, "limit": limit, "kinds": kinds,
             "phase": query.phase, "extra": dict(Counter(f"{i.due.isoformat()}|{i.office}" for i in late)),
             **({"area": area} if area else {})}
    try:
        page = call_page(query)
    except CctrackError:  # the read model refused the query (e.g. a past day over too many offices): said as it is
        raise
    except Exception as exc:
        log.warning("read model unavailable for the overdue report: %r", exc)
        status.update({name: f"error: {type(exc).__name__}" for name in ("milestones", "inspections")})
        if area:  # where the small sources' offices lie is the read model's to tell: nothing rather than too much
            return OverduePage([], 0, status)
        return OverduePage(late[offset:offset + limit], len(late), status)
    status.update(milestones="ok", inspections="ok")
    # the page's groups come in the list's order ((due, office) for an office or the installation; (due, district,
    # office) for an area): items are sorted by their group's place, then centre and ref
    place = {(g["due"], g["office"]): n for n, g in enumerate(page["groups"])}
    items = ([milestone_item(r) for r in page["milestones"]] + [rectification_item(r) for r in page["rectifications"]]
             + [i for i in late if (i.due.isoformat(), i.office) in place])
    items.sort(key=lambda i: (place.get((i.due.isoformat(), i.office), len(place)), *order(i)))
    return OverduePage(items[page["skip"]:page["skip"] + limit], page["total"], status)


def collect(sources, as_of):
    """(items, status by source name: "ok" or "error: ..."), de-duplicated by key."""
    items, status = {}, {}
    for source in sources:
        try:
            fetched = source.fetch(as_of)
        except Exception as exc:
            log.warning("item source %s unavailable, skipped this scan: %r", source.name, exc)
            status[source.name] = f"error: {type(exc).__name__}"
            continue
        status[source.name] = "ok"
        for item in fetched:
            items[item.key] = item
    return list(items.values()), status
