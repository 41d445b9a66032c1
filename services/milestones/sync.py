"""Repairing missed assignment events, office by office, reconciling only what differs.

For one office the assignment's centres of that office (``assignment.centres_after``, bounded pages) are
compared with the milestones store's own centres of that office (one equality read on the indexed
``office``); ``reconcile_centre`` runs only for a centre that is missing here or differs in what it uses
(assignment version, name, level, office, deadline, pilot, coordinates). A centre moved from office X to Y is listed by
the assignment under Y and kept here under X, so it is missing from Y's comparison and is reconciled.
An office in step costs one RPC and one read, whatever its size.

- ``sweep``: the offices in places ``offset + 1`` .. ``offset + limit`` (the ``sync_centres`` RPC; the CLI
  pages through every office with it).
- ``tick``: the timer's share: at most ``limit`` offices from the cursor kept in the store (``meta`` ``sync``),
  which moves on before the work starts (replicas sharing the sweep take different offices) and wraps
  around after the last office, so a tick is bounded at any scale and the sweep survives restarts.
"""
from shared.schemas.assignment import CentreSchema
from shared.schemas.common import load_or_raise

COMPARED = ("name", "level", "office", "deadline", "pilot", "lat", "lng", "district")  # district: docs/areas.md
CENTRE_PAGE = 1000   # centres of one office per assignment.centres_after call
OFFICE_PAGE = 1000   # offices per assignment.list_offices call
COUNTS = ("created", "redated", "moved")
REPAIRED_SHOWN = 100  # centre ids named in a result (and the log); ``reconciled`` counts them all


def differs(listed, stored):
    """Whether ``listed`` (the assignment's centre, loaded with CentreSchema) must be reconciled against
    ``stored`` (the milestones store's copy, or None when it is not here)."""
    if stored is None:
        return True
    if (stored.get("assignment_version") or 0) != (listed.get("version") or 0):
        return True
    return any(stored.get(field) != listed.get(field) for field in COMPARED)


def to_reconcile(listed, stored):
    """The centres of ``listed`` (one office's, from the assignment) missing from ``stored`` ({id: centre}, the
    milestones store's centres of that office) or differing from their copy there, in the order listed."""
    return [centre for centre in listed if differs(centre, stored.get(centre["id"]))]


def empty_totals():
    return {"offices": 0, "centres": 0, "reconciled": 0, **dict.fromkeys(COUNTS, 0), "repaired": []}


def sync_office(store, assignment, office, reconcile, totals):
    """Compare one office and reconcile what differs; adds to ``totals`` (``repaired``: the first centre ids)."""
    stored = {centre["id"]: centre for centre in store.centres_where(office)}
    after = None
    while True:
        page = assignment.centres_after({"office": office, "after": after, "limit": CENTRE_PAGE})
        listed = [load_or_raise(CentreSchema(), item) for item in page["items"]]
        for centre in to_reconcile(listed, stored):
            counts = reconcile(centre)
            for key in COUNTS:
                totals[key] += counts.get(key, 0)
            totals["reconciled"] += 1
            if len(totals["repaired"]) < REPAIRED_SHOWN:
                totals["repaired"].append(centre["id"])
        totals["centres"] += len(listed)
        after = page["next"]
        if after is None:
            break
    totals["offices"] += 1


def office_names(assignment, offset, limit):
    """(names of the offices in places ``offset + 1`` .. ``offset + limit``, places in the table)."""
    names, start, total = [], offset, offset + 1
    while start < min(offset + limit, total):
        page = assignment.list_offices({"offset": start, "limit": min(OFFICE_PAGE, offset + limit - start)})
        names.extend(o["name"] for o in page["items"])
        start, total = start + page["limit"], page["total"]
    return names, total


def sweep(store, assignment, offset, limit, reconcile):
    """Compare the offices in places ``offset + 1`` .. ``offset + limit``; the totals, with ``total`` (places)
    and ``next`` (where the next page starts, None after the last office)."""
    names, total = office_names(assignment, offset, limit)
    totals = empty_totals()
    for name in names:
        sync_office(store, assignment, name, reconcile, totals)
    return {**totals, "offset": offset, "limit": limit, "total": total,
            "next": offset + limit if offset + limit < total else None}


def sweep_all(store, assignment, reconcile):
    """Every office, a page of OFFICE_PAGE offices at a time; the totals of all pages."""
    totals, offset = None, 0
    while offset is not None:
        step = sweep(store, assignment, offset, OFFICE_PAGE, reconcile)
        if totals is not None:
            step.update({k: totals[k] + step[k] for k in ("offices", "centres", "reconciled") + COUNTS},
                        repaired=(totals["repaired"] + step["repaired"])[:REPAIRED_SHOWN])
        totals, offset = step, step["next"]
    return {**totals, "offset": 0, "limit": max(totals["total"], 1)}


def tick(store, assignment, limit, reconcile):
    """The timer's share of the sweep: ``limit`` offices from the kept cursor, which moves on first."""
    offset = store.sync_cursor()
    names, total = office_names(assignment, offset, limit)
    following = offset + limit if offset + limit < total else 0
    store.set_sync_cursor(following)
    totals = empty_totals()
    for name in names:
        sync_office(store, assignment, name, reconcile, totals)
    return {**totals, "offset": offset, "limit": limit, "total": total, "next": following}
