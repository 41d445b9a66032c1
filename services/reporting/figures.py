"""Read side of the read model: the roll-up, office and centre summaries.

Everything is computed from small documents: the district's totals, an office's ``fig`` (or its
snapshot for ``as_of``), a bounded page of offices read by equality on their bucket, and a
centre's ``fig``. District figures never read every office. "Overdue on day D" means open and
due before D. Open items are read in ``services/reporting/due_items.py``.
"""
from datetime import date

from services.reporting import pace
from services.reporting.model import RANK_SLOT, RANKS
from services.reporting.store import OFFICE_BUCKET, summed
from shared.errors import InvalidInput
from shared.schemas.milestones import STATUSES
from shared.settings import settings

STATUS_FIELDS = STATUSES
OFFICE_PAGE = 1000


def fig_as_of(store, doc, as_of, snapshots="snapshots"):
    """An office's (or, with ``snapshots`` "district", the district's) figures at the end of ``as_of``
    (None: it had none yet). The district's totals summed over partitions (``parts``, store.district_doc) are
    the sum of each partition's figures on that day."""
    if doc.get("parts") is not None and as_of is not None:
        figs = [fig_as_of(store, part, as_of, snapshots) for part in doc["parts"]]
        if all(f is None for f in figs):
            return None
        total = {}
        for one in figs:
            summed(total, one)
        return total
    if as_of is None or doc.get("day") is None or as_of.isoformat() >= doc["day"]:
        return doc.get("fig") or {}
    if doc.get("revised_from") and as_of.isoformat() >= doc["revised_from"]:
        return None  # a report for a past day changed it after it was kept (services/reporting/history.py)
    days = [d for d in doc.get("snap_days", []) if d <= as_of.isoformat()]
    if not days:
        return None
    snap = store.get(snapshots, "{}:{}".format(doc["_id"], max(days)))
    return snap["fig"] if snap else None


def day(value):
    return None if value is None else date.fromisoformat(value)


def _overdue(open_due, on):
    day = on.isoformat()
    return sum(n for due, n in (open_due or {}).items() if due < day)


def _counts():
    return {"total": 0, **dict.fromkeys(STATUS_FIELDS, 0), "overdue": 0}


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


def _rules():
    return pace.Rules.of(settings())


def pace_of(cells, on):
    """``colour``, ``expected_percent`` (序时进度) and ``lag_percent`` of the milestones counted in ``cells``
    on the day ``on`` (pace.py)."""
    return pace.status(pace.Figures.merged(cells), on, _rules())


def colour_counts(fig, level=None):
    """Centres per colour counted in a ``fig`` (of one level, if given), every colour present."""
    counts = ((fig.get("level_colours") or {}).get(level) if level else fig.get("colours")) or {}
    return {c: counts.get(c, 0) for c in pace.COLOURS}


def office_page(store, offset, limit, count):
    """Offices number ``offset`` .. ``offset + limit - 1`` in order of arrival (``count``: how many there are),
    read by equality on their buckets of OFFICE_BUCKET offices."""
    last = min(offset + limit, count) - 1
    docs = []
    for bucket in range(offset // OFFICE_BUCKET, last // OFFICE_BUCKET + 1) if last >= offset else ():
        docs.extend(d for d in store.offices_in_bucket(bucket) if offset <= d["seq"] <= last)
    return docs


def district_ranks(fig):
    """{rank_pct: rank} from the district's count of offices per place (``fig["ranks"]``): an office's rank
    is 1 + the offices with a higher percent done (equal percentages share a rank)."""
    ranks, ahead = {}, 0
    for key, n in sorted(((int(k), n) for k, n in (fig.get(RANKS) or {}).items()), reverse=True):
        ranks[key], ahead = ahead + 1, ahead + n
    return ranks


def ranked_page(store, fig, offset, limit):
    """Offices number ``offset`` .. ``offset + limit - 1`` of the district's ranking (percent done, then table
    order). A place the page holds whole, or of at most RANK_SLOT offices, is read by equality on ``rank_pct``;
    of a larger place the page holds part of, only the slots it reaches (``place_part``)."""
    end, seen, docs = offset + limit, 0, []
    for key, n in sorted(((int(k), n) for k, n in (fig.get(RANKS) or {}).items()), reverse=True):
        if seen >= end:
            break
        if seen + n > offset:
            skip, need = max(0, offset - seen), min(n, end - seen)
            if (skip == 0 and need == n) or n <= RANK_SLOT:
                docs.extend(store.offices_ranked(key)[skip:need])
            else:
                docs.extend(place_part(store, key, skip, need))
        seen += n
    return docs


def place_part(store, key, skip, need):
    """Offices ``skip`` .. ``need - 1`` (in table order) of the place ``key`` of the ranking: its slot counts
    (one ``_id`` read of ``rank_places``) say which slots hold them, and only those are read (equality on
    ``rank_slot``): at most RANK_SLOT - 1 offices more on either side."""
    place = store.rank_place(key)
    if place is None:  # not kept (cannot happen once store.rank_offices_once has run): the whole place
        return store.offices_ranked(key)[skip:need]
    at, base, found = 0, None, []
    for slot, n in sorted((int(s), n) for s, n in place["slots"].items()):
        if at >= need:
            break
        if at + n > skip:
            base = at if base is None else base
            found.extend(store.offices_ranked_in_slot(key, slot))
        at += n
    return found[skip - (base or 0):need - (base or 0)]


def _page_docs(store, filters, district, total_fig, today):
    offset, limit = filters.get("offset", 0), filters.get("limit", OFFICE_PAGE)
    if filters.get("order") != "rank":  # table order, and lag order (sorted within the page)
        return office_page(store, offset, limit, district["offices"]), district["offices"]
    if filters.get("phase") is not None or filters.get("level") or (filters.get("as_of") or today) < today:
        raise InvalidInput("按排名分页只适用于当前的全部阶段和级别（不能同时指定 phase、level 或过去的 as_of）",
                           {"order": ["rank order needs no phase, level or past as_of"]})
    return ranked_page(store, total_fig, offset, limit), sum((total_fig.get(RANKS) or {}).values())


def rollup(store, filters, today, past=None):
    """The shape of ``RollupSchema``: rows by office and phase and offices ranked, for one office or for a
    page of offices (``offset``/``limit``, in order of arrival, or with ``order`` "rank" in the district's
    ranking, or with ``order`` "lag" by how far they lag behind 序时进度 within the page), and the totals of
    that office or of the whole district (from the district's totals).
    Without phase and level, ranks are the district's (from its count of offices per percent done);
    with them, ranks are within the page. Rows, offices and totals carry their colour, 序时进度 and lag on
    ``as_of``; the totals also count the centres per colour (``colours``, from the counters). ``past``
    (history.PastDay) replays the offices of a past day that the snapshots do not hold."""
    on, as_of = filters.get("as_of") or today, filters.get("as_of")
    rows, offices, totals, seq = {}, {}, _counts(), {}
    cells = {"rows": {}, "offices": {}, "totals": []}
    district = store.district_doc()
    total_fig = fig_as_of(store, district, as_of, "district")
    if total_fig is None and past is not None and not filters.get("office"):
        total_fig = past.district(office_page(store, 0, district["offices"], district["offices"]),
                                  lambda doc: fig_as_of(store, doc, as_of))
    total_fig = total_fig or {}
    colour_fig = total_fig
    if filters.get("office"):
        docs, summed = store.office_docs(filters["office"]), True
        count = len(docs)
        colour_fig = fig_as_of(store, docs[0], as_of) or {} if docs else {}
    else:
        docs, count = _page_docs(store, filters, district, total_fig, today)
        summed = False
        for _, cell in _cells(total_fig, filters.get("phase"), filters.get("level")):
            _add_cell(totals, cell, on)
            cells["totals"].append(cell)
    figs = [(doc, fig_as_of(store, doc, as_of)) for doc in docs]
    if past is not None:
        figs = past.fill(figs)
    for doc, fig in figs:
        if not fig:
            continue
        for phase, cell in _cells(fig, filters.get("phase"), filters.get("level")):
            targets = (rows.setdefault((doc["_id"], phase), _counts()), offices.setdefault(doc["_id"], _counts()))
            for counts in targets + ((totals,) if summed else ()):
                _add_cell(counts, cell, on)
            cells["rows"].setdefault((doc["_id"], phase), []).append(cell)
            cells["offices"].setdefault(doc["_id"], []).append(cell)
            if summed:
                cells["totals"].append(cell)
        seq[doc["_id"]] = (doc.get("first_centre") or "", doc["_id"])
    rows = {k: c for k, c in rows.items() if c["total"]}
    offices = {k: c for k, c in offices.items() if c["total"]}
    row_list = [{"office": office, "phase": phase, **c, "percent_done": percent(c["done"], c["total"]),
                 **pace_of(cells["rows"][(office, phase)], on)}
                for (office, phase), c in sorted(rows.items(), key=lambda kv: (seq[kv[0][0]], kv[0][1]))]
    office_list = [{"office": office, "total": c["total"], "done": c["done"], "overdue": c["overdue"],
                    "percent_done": percent(c["done"], c["total"]), **pace_of(cells["offices"][office], on)}
                   for office, c in offices.items()]
    ranked = district.get("ranked") and RANKS in total_fig and filters.get("phase") is None and not filters.get("level")
    if filters.get("order") == "rank":
        office_list.sort(key=lambda o: (-o["percent_done"], seq[o["office"]]))
    elif filters.get("order") == "lag":
        office_list.sort(key=lambda o: (-o["lag_percent"], -pace.SEVERITY[o["colour"]], o["percent_done"],
                                        seq[o["office"]]))
    else:
        office_list.sort(key=lambda o: (-o["percent_done"], o["overdue"], seq[o["office"]]))
    places = district_ranks(total_fig) if ranked else {}
    for o in office_list:
        o["rank"] = places.get(round(10 * o["percent_done"])) if ranked else \
            1 + sum(1 for other in office_list if other["percent_done"] > o["percent_done"])
        o["lag_rank"] = 1 + sum(1 for other in office_list if other["lag_percent"] > o["lag_percent"])
    return {"as_of": on, "rows": row_list, "offices": office_list, "offices_total": count,
            "totals": {**totals, "percent_done": percent(totals["done"], totals["total"]),
                       **pace_of(cells["totals"], on), "colours": colour_counts(colour_fig, filters.get("level"))}}


def office_summary(store, office, today):
    docs = store.office_docs(office)
    fig = (docs[0].get("fig") or {}) if docs else {}
    phases, all_counts, phase_cells, all_cells = {}, _counts(), {}, []
    for phase, cell in _cells(fig):
        _add_cell(phases.setdefault(phase, _counts()), cell, today)
        _add_cell(all_counts, cell, today)
        phase_cells.setdefault(phase, []).append(cell)
        all_cells.append(cell)
    by_phase = [{"phase": p, "total": c["total"], "done": c["done"], "overdue": c["overdue"],
                 "percent_done": percent(c["done"], c["total"]), **pace_of(phase_cells[p], today)}
                for p, c in sorted(phases.items())]
    return {"office": office, "centres": fig.get("centres", 0), "total": all_counts["total"],
            "done": all_counts["done"], "overdue": all_counts["overdue"],
            "percent_done": percent(all_counts["done"], all_counts["total"]), "by_phase": by_phase,
            "open_rectifications": fig.get("open_rectifications", 0), "accepted": fig.get("accepted", 0),
            "failed": fig.get("failed", 0), **pace_of(all_cells, today), "colours": colour_counts(fig)}


def centre_summary(doc, today):
    fig = doc.get("fig") or {}
    upcoming = sorted(d for d in (fig.get("open_due") or {}) if d >= today.isoformat())
    total, done = fig.get("total", 0), fig.get("done", 0)
    return {"centre_id": doc["_id"], "centre_name": doc.get("name") or doc["_id"], "level": doc.get("level"),
            "office": doc.get("office"), "pilot": bool(doc.get("pilot")), "deadline": day(doc.get("deadline")),
            "total": total, "done": done, "overdue": _overdue(fig.get("open_due"), today),
            "percent_done": percent(done, total), "next_due": day(upcoming[0]) if upcoming else None,
            "open_rectifications": fig.get("open_rectifications", 0), **pace_of([fig], today)}


def urgency(summary):
    return (-summary["overdue"], summary["next_due"] is None, summary["next_due"] or date.min, summary["centre_id"])


def centre_count(fig, level=None):
    """Centres counted in an office's, a bucket's or the district's ``fig`` (of one level, if given)."""
    fig = fig or {}
    return (fig.get("levels") or {}).get(level, 0) if level else fig.get("centres", 0)


def _office_rows(store, office, level, today):
    rows = [centre_summary(doc, today) for doc in store.centres_of(office)
            if doc.get("name") is not None and (not level or doc.get("level") == level)]
    return sorted(rows, key=urgency)


def centre_summaries(store, filters, today):
    """With an office: its centres sorted by urgency (most overdue first, then the nearest next due day, then
    centre id), one equality read. Without: the district's centres office by office in the offices' order of
    arrival (each office's by urgency); the page is found from the centre counts of the office buckets and
    offices, so only the offices that fall into it are read; ``total`` comes from the district's totals."""
    level, start, limit = filters.get("level"), filters["offset"], filters["limit"]
    if filters.get("office"):
        rows = _office_rows(store, filters["office"], level, today)
        return {"items": rows[start:start + limit], "total": len(rows), "limit": limit, "offset": start}
    district = store.district_doc()
    end, seen, items = start + limit, 0, []
    for bucket in range((district["offices"] + OFFICE_BUCKET - 1) // OFFICE_BUCKET):
        if seen >= end:
            break
        in_bucket = centre_count(store.bucket_fig(bucket), level)
        if seen + in_bucket <= start:
            seen += in_bucket
            continue
        for office in store.offices_in_bucket(bucket):
            count = centre_count(office.get("fig"), level)
            if count and seen + count > start and seen < end:
                items.extend(_office_rows(store, office["_id"], level, today)[max(0, start - seen):end - seen])
            seen += count
    return {"items": items[:limit], "total": centre_count(district.get("fig"), level), "limit": limit,
            "offset": start}
