"""Open items from other services, behind one small interface.

An item source is anything with a ``name`` and ``fetch(as_of)`` returning items
(here: the read model's open milestones and rectifications); ``collect`` asks every source and keeps going when one is missing or
down (logged, reported in the scan result, retried at the next tick), because
one service being unavailable must not silence the other's deadlines.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from shared.workdays import as_date

log = logging.getLogger(__name__)
PAGE = 1000
# Reminders start 7 working days ahead; the longest run of days off (Spring Festival, National Day)
# adds at most 9 more: a month ahead is always enough.
HORIZON_DAYS = 31


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
        return "{}:{}@{}".format(self.kind, self.ref, self.due.isoformat())

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


class ReadModelSource:
    """Open items of one ``kind`` from the read model (``reporting.open_items``), page by page, due
    before ``as_of`` + ``horizon_days`` (far enough ahead for every reminder); ``call`` does the RPC."""

    def __init__(self, name, kind, call, convert, horizon_days=HORIZON_DAYS):
        self.name, self.kind, self.call, self.convert, self.horizon_days = name, kind, call, convert, horizon_days

    def fetch(self, as_of):
        out, cursor = [], None
        before = (as_of + timedelta(days=self.horizon_days)).isoformat()
        while True:
            page = self.call({"kind": self.kind, "before": before, "as_of": as_of.isoformat(), "cursor": cursor,
                              "limit": PAGE})
            out.extend(self.convert(raw) for raw in page["items"] if raw.get("due"))
            cursor = page["cursor"]
            if not cursor:
                return out


def collect(sources, as_of):
    """(items, status by source name: "ok" or "error: ..."), de-duplicated by key."""
    items, status = {}, {}
    for source in sources:
        try:
            fetched = source.fetch(as_of)
        except Exception as exc:  # noqa: BLE001 - any failure of one source must not stop the scan
            log.warning("item source %s unavailable, skipped this scan: %r", source.name, exc)
            status[source.name] = "error: {}".format(type(exc).__name__)
            continue
        status[source.name] = "ok"
        for item in fetched:
            items[item.key] = item
    return list(items.values()), status
