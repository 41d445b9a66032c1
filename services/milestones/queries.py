"""Read side: milestones of a centre or of an office and the audit trail. Every read is an
``_id`` lookup or equality on indexed fields (the office's centres, then each centre's
milestones), so its cost follows one office, never the programme. With ``as_of`` a centre's
state is replayed from its own revisions as it stood at the end of that day; without it the
projection is read and "overdue" is judged against today. District-wide figures and open items
come from the read model (``reporting``)."""
from services.milestones.commands import cutoff, overdue
from shared.errors import InvalidInput, NotFound
from shared.workdays import workdays_between


def _current(store, centre_id):
    return sorted(store.states_of_centre(centre_id).values(), key=lambda s: s["order"] or 0)


def _with_centre(state, centre, on):
    return {**state, "centre_id": centre["id"], "centre_name": centre["name"], "office": centre["office"],
            "level": centre["level"], "overdue": overdue(state, on)}


def list_milestones(store, centre_id, as_of, today):
    centre = store.get_centre(centre_id)
    if centre is None:
        raise NotFound(f"中心“{centre_id}”不存在或尚未同步", {"centre_id": [centre_id]})
    on = as_of or today
    states = _current(store, centre_id) if as_of is None else store.states_as_of(centre_id, cutoff(as_of))
    return {"centre": centre, "as_of": on, "milestones": [{**s, "overdue": overdue(s, on)} for s in states]}


def list_office_milestones(store, filters, today):
    """One office's milestones: its centres by equality, each centre's milestones by equality, filtered and
    paged here. A district-wide list would read every milestone of the programme: an office is required
    (the district's figures by office are the read model's roll-up)."""
    if not filters.get("office"):
        raise InvalidInput("请指定街道办事处（office）：里程碑列表按街道查询，全区汇总请看建设进度",
                           {"office": ["required: the list is read one office at a time"]})
    centres = {c["id"]: c for c in store.centres_where(filters["office"], filters.get("level"))}
    wanted = {k: filters[k] for k in ("phase", "status", "key") if filters.get(k) is not None}
    states = [s for cid in sorted(centres) for s in _current(store, cid) if all(s[k] == v for k, v in wanted.items())]
    page = states[filters["offset"]:filters["offset"] + filters["limit"]]
    return {"items": [_with_centre(s, centres[s["centre_id"]], today) for s in page], "total": len(states),
            "limit": filters["limit"], "offset": filters["offset"]}


def history_entry(doc):
    if "outcome" in doc:  # an audit document: refused attempt or a note about the centre
        return {k: doc.get(k) for k in ("at", "outcome", "kind", "centre_id", "office", "key", "version", "actor",
                                        "role", "before", "after", "error")}
    after = {k: doc.get(k) for k in ("status", "percent", "note", "reason", "due", "evidence")}
    return {"at": doc["at"], "outcome": "accepted", "kind": doc["kind"], "centre_id": doc["centre_id"],
            "office": doc.get("office"), "key": doc["key"], "version": doc["version"], "actor": doc.get("actor"),
            "role": doc.get("role"), "before": doc.get("before"), "after": after, "error": None}


def held_centres(store, office, held=None):
    """The centres an office's past day is replayed with: ``held`` (the ids it held that day, from the read model's
    stints; each read by ``_id``), or, without it, its present centres (equality on the office)."""
    if held is None:
        return store.centres_where(office)
    return [{**c, "office": office} for c in (store.get_centre(i) for i in sorted(set(held))) if c is not None]


def office_as_of(store, plan, office, as_of, held=None):
    """One office's milestones as they stood at the end of ``as_of``, replayed from the revisions (its centres:
    ``held_centres``, each centre's revisions by equality on the centre): the office's figures in the read
    model's shape (``cells`` "phase|level": total, a count per status, ``open_due`` {due: n}) and the milestones
    overdue on that day (open then, due before it)."""
    cells, items, end = {}, [], cutoff(as_of)
    for centre in held_centres(store, office, held):
        for state in store.states_as_of(centre["id"], end):
            cell = cells.setdefault("{}|{}".format(state["phase"], centre["level"]), {"total": 0})
            cell["total"] += 1
            cell[state["status"]] = cell.get(state["status"], 0) + 1
            if state["status"] != "done" and state["due"] is not None:
                due = state["due"].isoformat()
                cell.setdefault("open_due", {})[due] = cell.get("open_due", {}).get(due, 0) + 1
                if state["due"] < as_of:
                    phase = plan.phases.get(state["phase"])
                    items.append({**{k: state[k] for k in ("key", "title", "phase", "owner", "due", "status")},
                                  "centre_id": centre["id"], "centre_name": centre["name"], "office": office,
                                  "level": centre["level"], "phase_end": phase["end"] if phase else state["due"]})
    return {"office": office, "cells": cells, "overdue": items}


def centre_progress(store, office, as_of, today, held=None):
    """One office's centres with their progress at the end of ``as_of`` (replayed from the revisions) or today
    (the projection): milestones done of total, the current phase (of the first milestone not done), how many are
    overdue and by how many working days the oldest one is (the Excel report's per-centre sheet)."""
    on, rows = as_of or today, []
    for centre in held_centres(store, office, held if as_of is not None else None):
        states = _current(store, centre["id"]) if as_of is None else store.states_as_of(centre["id"], cutoff(as_of))
        open_states = [s for s in states if s["status"] != "done"]
        late = sorted(s["due"] for s in open_states if overdue(s, on))
        first_open = min(open_states, key=lambda s: (s["phase"], s["order"] or 0)) if open_states else None
        rows.append({"centre_id": centre["id"], "centre_name": centre["name"], "office": office,
                     "level": centre["level"], "total": len(states),
                     "done": sum(1 for s in states if s["status"] == "done"),
                     "phase": first_open["phase"] if first_open else None, "overdue": len(late),
                     "days_overdue": max(0, workdays_between(late[0], on)) if late else 0})
    return rows
