"""Open items of the read model, read one (due day, office) group at a time.

Each open milestone or rectification carries ``due_office`` ("day|office", indexed), so one office's
items of one day are one equality read; ``due_days`` counts them per office and day, and the
district's (or an office's) ``fig`` counts them per day. Pages are found from those counters,
never by reading the items they skip:
- ``open_items``: open items due before a day, in (due, _id) order, continued by a cursor;
- ``due_items``: open items due on given days (the notifications scan): a day of at most DAY_READ items
  whole (one read), a larger day by whole (day, office) groups;
- ``overdue_page``: a page of what is overdue on a day, in (due, office, centre, ref) order, with the
  total from the counters and ``offset`` resolved arithmetically;
- ``area_overdue_page``: the same for a whole area (province, city or district), in (due, district, office, centre,
  ref) order, found from the areas' counters (``area_figs``) level by level down to the (due, office) groups it reads.
"""
from typing import NamedTuple

from services.reporting.areas import AreaTree, area_path
from services.reporting.figures import day
from shared.areas import contains

COLLECTION = {"milestone": "milestones", "rectification": "rectifications"}
DAY_READ = 20000  # the scan reads a due day of at most this many open items whole (a page may hold one such day)


def day_counts(fig, kind, phase=None):
    """{due day: open items of ``kind``} from an office's or the district's ``fig`` (milestones: of ``phase`` only,
    when given)."""
    if kind == "rectification":
        return dict(fig.get("rect_due") or {})
    counts = {}
    for key, cell in (fig.get("cells") or {}).items():
        if phase is not None and key.split("|", 1)[0] != str(phase):
            continue
        for due, n in (cell.get("open_due") or {}).items():
            counts[due] = counts.get(due, 0) + n
    return counts


def _fig(store, office):
    if office:
        doc = store.get("offices", office)
        return (doc or {}).get("fig") or {}
    return store.district_doc().get("fig") or {}


def centre_name(store, doc, names):
    """The item's centre name: kept on the item (``centre_name``, written with it and on a rename); an item
    written before items carried it (a read model not rebuilt since) costs one ``_id`` read of its centre."""
    if "centre_name" in doc:
        return doc["centre_name"] or doc["centre_id"]
    if doc["centre_id"] not in names:
        names[doc["centre_id"]] = (store.get("centres", doc["centre_id"]) or {}).get("name") or doc["centre_id"]
    return names[doc["centre_id"]]


def rows(store, kind, docs, as_of=None):
    """Item documents as ``OpenItemSchema`` / ``OpenRectificationItemSchema`` rows, with centre names (kept on
    the items: no centre is read, see ``centre_name``)."""
    names, out = {}, []
    for doc in docs:
        name = centre_name(store, doc, names)
        if kind == "rectification":
            if as_of and (doc.get("opened_on") or "") > as_of.isoformat():
                continue
            out.append({"rectification_id": doc["_id"], "centre_id": doc["centre_id"],
                        "centre_name": name, "office": doc["office"],
                        "item_id": doc.get("item_id"), "title": doc.get("title"), "due": day(doc["due"]),
                        "status": "open"})
        else:
            out.append({"centre_id": doc["centre_id"], "centre_name": name,
                        "office": doc["office"], "level": doc.get("level"), "key": doc["key"],
                        "title": doc.get("title"), "phase": doc["phase"], "owner": doc.get("owner"),
                        "due": day(doc["due"]), "status": doc["status"],
                        "phase_end": day(doc.get("phase_end") or doc["due"])})
    return out


def open_items(store, query):
    """One page of open items due before ``query["before"]``, in (due, _id) order, read one due day
    at a time by equality. ``cursor`` "due|_id" continues after the last item of the previous page."""
    kind, limit = query["kind"], query["limit"]
    after_day, after_id = (query.get("cursor") or "|").split("|", 1)
    found = []
    for due in sorted(d for d in day_counts(_fig(store, query.get("office")), kind) if d < query["before"].isoformat()):
        if due < after_day:
            continue
        found.extend(store.open_due_page(COLLECTION[kind], due, query.get("office"),
                                         after_id if due == after_day else None, limit - len(found)))
        if len(found) >= limit:
            break
    cursor = "{}|{}".format(found[-1]["due"], found[-1]["_id"]) if len(found) >= limit else None
    return {"items": rows(store, kind, found, query.get("as_of")), "cursor": cursor}


def due_items(store, query):
    """Open items of ``kind`` due on the given ``days``, in (day, office) order: a day of at most DAY_READ items
    read whole, a larger one by whole (day, office) groups, until at least ``limit`` items (a whole day may make a
    page longer); ``cursor`` "day|office" names the first group of the next page ("day|": the whole day)."""
    kind, limit = query["kind"], query["limit"]
    wanted = {d.isoformat() for d in query["days"]}
    cursor_day, cursor_office = (query.get("cursor") or "|").split("|", 1)
    found, counts = [], day_counts(_fig(store, None), kind)
    for due in sorted(wanted & set(counts)):
        if due < cursor_day:
            continue
        if counts[due] <= DAY_READ and not (due == cursor_day and cursor_office):
            if found and len(found) + counts[due] > limit:
                return {"items": rows(store, kind, found), "cursor": f"{due}|"}
            # a day of at most DAY_READ items: one equality read, not one per (day, office) group
            found.extend(sorted(store.open_day(COLLECTION[kind], due), key=lambda d: (d["office"], d["_id"])))
            continue
        for office in sorted(store.due_day_counts(kind, due)):
            if due == cursor_day and office < cursor_office:
                continue
            if len(found) >= limit:
                return {"items": rows(store, kind, found), "cursor": f"{due}|{office}"}
            found.extend(store.open_group(COLLECTION[kind], due, office))
    return {"items": rows(store, kind, found), "cursor": None}


class Counters(NamedTuple):
    """What an overdue page is found from: open items per due day (every kind and the ``extra`` ones together),
    per kind ({kind: {due: n}}) and the caller's extra items ({due: {office: n}}); ``phase``: milestones of that
    phase only."""
    per_day: dict
    per_kind: dict
    extra: dict
    phase: int | None = None
    past: dict | None = None  # a past day's milestones by (due, office), from the revisions


def _kept(doc, phase):
    return phase is None or doc.get("phase") == phase


def _group(store, kind, group, past):
    """The items of one (due, office) group: read by equality, or a past day's milestones (rows already)."""
    if kind == "milestone" and past is not None:
        return past.get(group, [])
    return store.open_group(COLLECTION[kind], *group)


def overdue_page(store, query, past=None):
    """Items overdue on ``as_of`` (open, due before it) of the district or one office, in (due, office)
    groups: ``total`` from the counters, and the groups that hold items ``offset`` .. ``offset + limit - 1``
    (``skip``: how many items of the first group come before ``offset``), each group read whole.
    ``extra`` {"due|office": n} counts items the caller adds to the same order (indicator items), so the
    groups are found for the merged list. ``kinds`` keeps those kinds of the read model's items only, ``phase``
    the milestones of that phase only (equality filters: the counters say how many of them each day holds).
    ``past``: for a past day, the milestones overdue that day as the revisions tell it
    (``history.PastDay.overdue``: also those done since), instead of the ones open now (not filtered by phase:
    the revisions' rows do not carry it). ``area`` (and no office): the list of that area (``area_overdue_page``)."""
    if query.get("area") and not query.get("office"):
        return area_overdue_page(store, query, past)
    before, office = query["as_of"].isoformat(), query.get("office")
    kinds, phase = query.get("kinds") or tuple(COLLECTION), query.get("phase")
    extra = {}
    for key, n in (query.get("extra") or {}).items():
        due, extra_office = key.split("|", 1)
        if due < before and (office is None or extra_office == office) and n > 0:
            extra.setdefault(due, {})[extra_office] = n
    fig = _fig(store, office)
    per_day, per_kind = {}, {kind: day_counts(fig, kind, phase) if kind in kinds else {} for kind in COLLECTION}
    past_groups = None
    if past is not None:
        past_groups = {}
        for row in (r for r in past if "milestone" in kinds and (office is None or r["office"] == office)):
            past_groups.setdefault((row["due"].isoformat(), row["office"]), []).append(row)
        per_kind["milestone"] = {}
        for (due, _), group in past_groups.items():
            per_kind["milestone"][due] = per_kind["milestone"].get(due, 0) + len(group)
    for kind in COLLECTION:
        for due, n in per_kind[kind].items():
            per_day[due] = per_day.get(due, 0) + n
    for due, counts in extra.items():
        per_day[due] = per_day.get(due, 0) + sum(counts.values())
    counters = Counters(per_day, per_kind, extra, None if past is not None else phase, past_groups)
    days = sorted(d for d in per_day if d < before)
    start, end = query["offset"], query["offset"] + query["limit"]
    seen, skip, groups = 0, 0, []
    for due in days:
        if seen >= end:
            break
        if seen + per_day[due] <= start:
            seen += per_day[due]
            continue
        held = _office_counts(store, due, office, counters)
        for group_office, n in sorted((name, sum(kinds.values())) for name, kinds in held.items()):
            if seen + n > start and seen < end:
                skip = skip if groups else start - seen
                groups.append((due, group_office, held[group_office]))
            seen += n
    # each group's items of a kind are read only where the counters say it holds some
    found = {kind: [doc for due, group_office, held in groups if held.get(kind)
                    for doc in _group(store, kind, (due, group_office), past_groups) if _kept(doc, counters.phase)]
             for kind in COLLECTION}
    return {"total": sum(per_day[d] for d in days), "skip": skip,
            "groups": [{"due": day(due), "office": group_office} for due, group_office, _ in groups],
            "milestones": found["milestone"] if past is not None else rows(store, "milestone", found["milestone"]),
            "rectifications": rows(store, "rectification", found["rectification"])}


def _office_counts(store, due, office, counters):
    """{office: {kind or "extra": items due on ``due``}} of the merged list: one office's (from its counters),
    or the day's per-office counts (read only for the kinds that have items due that day)."""
    total, per_kind, extra = counters.per_day[due], counters.per_kind, counters.extra
    if office:
        return {office: {**{kind: per_kind[kind].get(due, 0) for kind in COLLECTION},
                         "extra": total - sum(per_kind[kind].get(due, 0) for kind in COLLECTION)}}
    counts = {name: {"extra": n} for name, n in (extra.get(due) or {}).items()}
    if counters.past is not None:
        for (group_due, name), group in counters.past.items():
            if group_due == due:
                counts.setdefault(name, {})["milestone"] = len(group)
    for kind in COLLECTION:
        if kind == "milestone" and counters.past is not None:
            continue
        if kind == "milestone" and counters.phase is not None and per_kind[kind].get(due):
            # the day's counters are per office, not per phase: the day's open milestones, counted by office
            for doc in store.open_day(COLLECTION[kind], due):
                if _kept(doc, counters.phase):
                    counts.setdefault(doc["office"], {})[kind] = counts.get(doc["office"], {}).get(kind, 0) + 1
        elif per_kind[kind].get(due):
            for name, n in store.due_day_counts(kind, due).items():
                counts.setdefault(name, {})[kind] = n
    return counts


def area_overdue_page(store, query, past=None):
    """``overdue_page`` for the area ``query["area"]``: ``total`` from the area's counters (its ``fig`` in
    ``area_figs``, the sum of its offices'), and the page's (due, office) groups found by going down, for each day
    the page reaches, from the area to its children (cities, districts, then offices, each in code or name order)
    while skipping every child whose items of that day all come before ``offset``: only the children of the areas
    the page passes through are read, and only the page's groups' items. ``extra`` items and a past day's
    milestones (``past``) count on the office they belong to and every area above it (outside the area: left out)."""
    tree, code, before = AreaTree(store.db), query["area"], query["as_of"].isoformat()
    kinds = tuple(COLLECTION) if query.get("kinds") is None else tuple(query["kinds"])
    phase = None if past is not None else query.get("phase")
    added = {}  # (due, area code or ("office", name)): extra items and past milestones, on every node above them

    def add(due, office, n):
        district = tree.district_of(office)
        if due >= before or n <= 0 or not contains(code, district):
            return
        for node in [*area_path(code, district), ("office", office)]:
            added[(due, node)] = added.get((due, node), 0) + n

    for key, n in (query.get("extra") or {}).items():
        add(*key.split("|", 1), n)
    past_groups = None
    if past is not None:
        past_groups = {}
        for row in (r for r in past if "milestone" in kinds):
            past_groups.setdefault((row["due"].isoformat(), row["office"]), []).append(row)
        for (due, office), group in past_groups.items():
            add(due, office, len(group))
    model_kinds = [k for k in kinds if not (k == "milestone" and past is not None)]

    def held(fig, due):
        return {kind: day_counts(fig, kind, phase).get(due, 0) for kind in model_kinds}

    def count(fig, node, due):
        return sum(held(fig, due).values()) + added.get((due, node), 0)

    per_day = {}
    for kind in model_kinds:
        for due, n in day_counts(tree.fig(code), kind, phase).items():
            per_day[due] = per_day.get(due, 0) + n
    for (due, node), n in added.items():
        if node == code:
            per_day[due] = per_day.get(due, 0) + n
    days = sorted(d for d in per_day if d < before and per_day[d] > 0)
    start, end = query["offset"], query["offset"] + query["limit"]
    groups, skip = [], [0]

    def descend(node, due, seen):
        for is_office, child, fig in tree.children(node):
            if seen >= end:
                break
            n = count(fig, ("office", child) if is_office else child, due)
            if n <= 0 or seen + n <= start:
                seen += max(n, 0)
            elif is_office:
                if not groups:
                    skip[0] = start - seen
                groups.append((due, child, held(fig, due)))
                seen += n
            else:
                seen = descend(child, due, seen)
        return seen

    seen = 0
    for due in days:
        if seen >= end:
            break
        if seen + per_day[due] <= start:
            seen += per_day[due]
            continue
        seen = descend(code, due, seen)
    found = {kind: [] for kind in COLLECTION}
    for due, office, counts in groups:
        for kind in COLLECTION:
            if counts.get(kind) or (kind == "milestone" and past_groups is not None and "milestone" in kinds):
                found[kind].extend(doc for doc in _group(store, kind, (due, office), past_groups) if _kept(doc, phase))
    return {"total": sum(per_day[d] for d in days), "skip": max(skip[0], 0),
            "groups": [{"due": day(due), "office": office} for due, office, _ in groups],
            "milestones": found["milestone"] if past is not None else rows(store, "milestone", found["milestone"]),
            "rectifications": rows(store, "rectification", found["rectification"])}


def past_offices(store, query, most):
    """The offices whose past day an overdue page of ``query`` needs (its office, or its area's offices, at most
    ``most`` + 1), or None for the whole installation."""
    if query.get("office"):
        return [query["office"]]
    if query.get("area"):
        return AreaTree(store.db).offices(query["area"], most)
    return None
