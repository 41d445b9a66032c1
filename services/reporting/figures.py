"""Read side of the read model: the roll-up, office and centre summaries, open items by due day.

Everything is computed from small documents: an office's ``fig`` (or its snapshot for ``as_of``),
a centre's ``fig``, and pages of open items read by equality on one due day at a time. "Overdue
on day D" means open and due before D.
"""
from datetime import date

from shared.schemas.milestones import STATUSES

STATUS_FIELDS = STATUSES


def fig_as_of(store, office_doc, as_of):
    """The office's figures at the end of ``as_of`` (None: it had none yet)."""
    if as_of is None or office_doc.get("day") is None or as_of.isoformat() >= office_doc["day"]:
        return office_doc.get("fig") or {}
    days = [d for d in office_doc.get("snap_days", []) if d <= as_of.isoformat()]
    if not days:
        return None
    snap = store.get("snapshots", "{}:{}".format(office_doc["_id"], max(days)))
    return snap["fig"] if snap else None


def day(value):
    return None if value is None else date.fromisoformat(value)


def _overdue(open_due, on):
    day = on.isoformat()
    return sum(n for due, n in (open_due or {}).items() if due < day)


def _counts():
    return {"total": 0, **{s: 0 for s in STATUS_FIELDS}, "overdue": 0}


def _add_cell(counts, cell, on):
    counts["total"] += cell.get("total", 0)
    for s in STATUS_FIELDS:
        counts[s] += cell.get(s, 0)
    counts["overdue"] += _overdue(cell.get("open_due"), on)


def percent(done, total):
    return round(100.0 * done / total, 1) if total else 0.0


def _cells(fig, phase=None, level=None):
    for key, cell in (fig.get("cells") or {}).items():
        cell_phase, cell_level = key.split("|", 1)
        if (phase is None or int(cell_phase) == phase) and (level is None or cell_level == level):
            yield int(cell_phase), cell


def rollup(store, filters, today):
    """The shape of ``RollupSchema``: rows by office and phase, offices ranked, district totals."""
    on = filters.get("as_of") or today
    rows, offices, totals, seq = {}, {}, _counts(), {}
    for doc in store.office_docs(filters.get("office")):
        fig = fig_as_of(store, doc, filters.get("as_of"))
        if not fig:
            continue
        for phase, cell in _cells(fig, filters.get("phase"), filters.get("level")):
            for counts in (rows.setdefault((doc["_id"], phase), _counts()), offices.setdefault(doc["_id"], _counts()),
                           totals):
                _add_cell(counts, cell, on)
        seq[doc["_id"]] = (doc.get("first_centre") or "", doc["_id"])
    rows = {k: c for k, c in rows.items() if c["total"]}
    offices = {k: c for k, c in offices.items() if c["total"]}
    row_list = [{"office": office, "phase": phase, **c, "percent_done": percent(c["done"], c["total"])}
                for (office, phase), c in sorted(rows.items(), key=lambda kv: (seq[kv[0][0]], kv[0][1]))]
    office_list = [{"office": office, "total": c["total"], "done": c["done"], "overdue": c["overdue"],
                    "percent_done": percent(c["done"], c["total"])} for office, c in offices.items()]
    office_list.sort(key=lambda o: (-o["percent_done"], o["overdue"], seq[o["office"]]))
    for o in office_list:
        o["rank"] = 1 + sum(1 for other in office_list if other["percent_done"] > o["percent_done"])
    return {"as_of": on, "rows": row_list, "offices": office_list,
            "totals": {**totals, "percent_done": percent(totals["done"], totals["total"])}}


def office_summary(store, office, today):
    docs = store.office_docs(office)
    fig = (docs[0].get("fig") or {}) if docs else {}
    phases, all_counts = {}, _counts()
    for phase, cell in _cells(fig):
        _add_cell(phases.setdefault(phase, _counts()), cell, today)
        _add_cell(all_counts, cell, today)
    by_phase = [{"phase": p, "total": c["total"], "done": c["done"], "overdue": c["overdue"],
                 "percent_done": percent(c["done"], c["total"])} for p, c in sorted(phases.items())]
    return {"office": office, "centres": fig.get("centres", 0), "total": all_counts["total"],
            "done": all_counts["done"], "overdue": all_counts["overdue"],
            "percent_done": percent(all_counts["done"], all_counts["total"]), "by_phase": by_phase,
            "open_rectifications": fig.get("open_rectifications", 0), "accepted": fig.get("accepted", 0),
            "failed": fig.get("failed", 0)}


def centre_summary(doc, today):
    fig = doc.get("fig") or {}
    upcoming = sorted(d for d in (fig.get("open_due") or {}) if d >= today.isoformat())
    total, done = fig.get("total", 0), fig.get("done", 0)
    return {"centre_id": doc["_id"], "centre_name": doc.get("name") or doc["_id"], "level": doc.get("level"),
            "office": doc.get("office"), "pilot": bool(doc.get("pilot")), "deadline": day(doc.get("deadline")),
            "total": total, "done": done, "overdue": _overdue(fig.get("open_due"), today),
            "percent_done": percent(done, total), "next_due": day(upcoming[0]) if upcoming else None,
            "open_rectifications": fig.get("open_rectifications", 0)}


def urgency(summary):
    return (-summary["overdue"], summary["next_due"] is None, summary["next_due"] or date.min, summary["centre_id"])


def centre_summaries(store, filters, today):
    """Sorted by urgency: most overdue first, then the nearest next due day, then centre id.
    With an office: one equality read. Without: office by office (every centre: a district-wide list)."""
    offices = [filters["office"]] if filters.get("office") else [d["_id"] for d in store.office_docs()]
    rows = []
    for office in offices:
        rows.extend(centre_summary(doc, today) for doc in store.centres_of(office)
                    if doc.get("name") is not None and (not filters.get("level") or doc.get("level") == filters["level"]))
    rows.sort(key=urgency)
    start = filters["offset"]
    return {"items": rows[start:start + filters["limit"]], "total": len(rows), "limit": filters["limit"],
            "offset": start}


def due_days(store, kind, office, before):
    """The distinct due days (ISO) of open items of ``kind`` before ``before``, from the office documents."""
    days = set()
    for doc in store.office_docs(office):
        fig = doc.get("fig") or {}
        if kind == "rectification":
            days.update(fig.get("rect_due") or {})
        else:
            for cell in (fig.get("cells") or {}).values():
                days.update(cell.get("open_due") or {})
    return sorted(d for d in days if d < before.isoformat())


def open_items(store, query):
    """One page of open items due before ``query["before"]``, in (due, _id) order, read one due day
    at a time by equality. ``cursor`` "due|_id" continues after the last item of the previous page."""
    kind, limit = query["kind"], query["limit"]
    collection = "rectifications" if kind == "rectification" else "milestones"
    after_day, after_id = (query.get("cursor") or "|").split("|", 1)
    found = []
    for due in due_days(store, kind, query.get("office"), query["before"]):
        if due < after_day:
            continue
        found.extend(store.open_due_page(collection, due, query.get("office"),
                                         after_id if due == after_day else None, limit - len(found)))
        if len(found) >= limit:
            break
    names = {}
    items = []
    for doc in found:
        if doc["centre_id"] not in names:
            names[doc["centre_id"]] = store.get("centres", doc["centre_id"]) or {}
        centre = names[doc["centre_id"]]
        if kind == "rectification":
            if query.get("as_of") and (doc.get("opened_on") or "") > query["as_of"].isoformat():
                continue
            items.append({"rectification_id": doc["_id"], "centre_id": doc["centre_id"],
                          "centre_name": centre.get("name") or doc["centre_id"], "office": doc["office"],
                          "item_id": doc.get("item_id"), "title": doc.get("title"), "due": day(doc["due"]), "status": "open"})
        else:
            items.append({"centre_id": doc["centre_id"], "centre_name": centre.get("name") or doc["centre_id"],
                          "office": doc["office"], "level": doc.get("level"), "key": doc["key"], "title": doc.get("title"),
                          "phase": doc["phase"], "owner": doc.get("owner"), "due": day(doc["due"]), "status": doc["status"],
                          "phase_end": day(doc.get("phase_end") or doc["due"])})
    cursor = "{}|{}".format(found[-1]["due"], found[-1]["_id"]) if len(found) >= limit else None
    return {"items": items, "cursor": cursor}
