"""Read side: milestones of a centre or an office, open items, the progress
roll-up and the audit trail. With ``as_of`` the state is replayed from the
revisions as it stood at the end of that day; without it the projection is read
and "overdue" is judged against today."""
from shared.errors import NotFound
from shared.schemas.milestones import STATUSES
from services.milestones.commands import cutoff, overdue


def _states(store, centre_ids, as_of):
    if as_of is None:
        if centre_ids is not None:  # equality per centre, not $in over a list
            return [s for cid in centre_ids for s in sorted(store.states_of_centre(cid).values(),
                                                            key=lambda s: s["order"] or 0)]
        return store.current_states(centre_ids)[0]
    return store.states_as_of(centre_ids, cutoff(as_of))


def _with_centre(state, centre, on):
    return {**state, "centre_id": centre["id"], "centre_name": centre["name"], "office": centre["office"],
            "level": centre["level"], "overdue": overdue(state, on)}


def list_milestones(store, centre_id, as_of, today):
    centre = store.get_centre(centre_id)
    if centre is None:
        raise NotFound("中心“{}”不存在或尚未同步".format(centre_id), {"centre_id": [centre_id]})
    on = as_of or today
    states = _states(store, [centre_id], as_of)
    return {"centre": centre, "as_of": on, "milestones": [{**s, "overdue": overdue(s, on)} for s in states]}


def list_office_milestones(store, filters, today):
    """With an office: its centres by equality, each centre's milestones by equality, filtered and paged
    here. District-wide (no office): equality on the given fields over the projection."""
    if not filters.get("office"):
        centres = {c["id"]: c for c in store.centres_where(None, filters.get("level"))}
        scope = list(centres) if filters.get("level") else None
        items, total = store.current_states(scope, phase=filters.get("phase"), status=filters.get("status"),
                                            key=filters.get("key"), skip=filters["offset"], limit=filters["limit"])
        return {"items": [_with_centre(s, centres[s["centre_id"]], today) for s in items if s["centre_id"] in centres],
                "total": total, "limit": filters["limit"], "offset": filters["offset"]}
    centres = {c["id"]: c for c in store.centres_where(filters["office"], filters.get("level"))}
    wanted = {k: filters[k] for k in ("phase", "status", "key") if filters.get(k) is not None}
    states = [s for s in _states(store, sorted(centres), None) if all(s[k] == v for k, v in wanted.items())]
    page = states[filters["offset"]:filters["offset"] + filters["limit"]]
    return {"items": [_with_centre(s, centres[s["centre_id"]], today) for s in page], "total": len(states),
            "limit": filters["limit"], "offset": filters["offset"]}


def open_items(store, plan, as_of, today):
    on = as_of or today
    centres = {c["id"]: c for c in store.centres_where()}
    out = []
    for state in _states(store, None, as_of):
        if state["status"] == "done" or state["due"] is None or state["centre_id"] not in centres:
            continue
        centre = centres[state["centre_id"]]
        phase = plan.phases.get(state["phase"])
        out.append({"centre_id": centre["id"], "centre_name": centre["name"], "office": centre["office"],
                    "level": centre["level"], "key": state["key"], "title": state["title"], "phase": state["phase"],
                    "owner": state["owner"], "due": state["due"], "status": state["status"],
                    "phase_end": phase["end"] if phase else state["due"]})
    out.sort(key=lambda i: (i["due"], i["centre_id"], i["phase"]))
    return out, on


def _counts():
    return {"total": 0, **{s: 0 for s in STATUSES}, "overdue": 0}


def _add(counts, state, on):
    counts["total"] += 1
    counts[state["status"]] += 1
    counts["overdue"] += 1 if overdue(state, on) else 0


def _percent(counts):
    return round(100.0 * counts["done"] / counts["total"], 1) if counts["total"] else 0.0


def progress_rollup(store, filters, today):
    """Counts by office and phase, per office with a rank, and the district total."""
    as_of = filters.get("as_of")
    on = as_of or today
    centres = {c["id"]: c for c in store.centres_where(filters.get("office"), filters.get("level"))}
    seq = {}
    for cid in sorted(centres):  # centre ids follow the allocation table, so offices keep its order
        seq.setdefault(centres[cid]["office"], len(seq))
    rows, offices, totals = {}, {}, _counts()
    scope = list(centres) if filters.get("office") or filters.get("level") else None
    for state in _states(store, scope, as_of):
        if state["centre_id"] not in centres or (filters.get("phase") and state["phase"] != filters["phase"]):
            continue
        office = centres[state["centre_id"]]["office"]
        for counts in (rows.setdefault((office, state["phase"]), _counts()), offices.setdefault(office, _counts()), totals):
            _add(counts, state, on)
    row_list = [{"office": office, "phase": phase, **c, "percent_done": _percent(c)}
                for (office, phase), c in sorted(rows.items(), key=lambda kv: (seq[kv[0][0]], kv[0][1]))]
    office_list = [{"office": office, "total": c["total"], "done": c["done"], "overdue": c["overdue"],
                    "percent_done": _percent(c)} for office, c in offices.items()]
    office_list.sort(key=lambda o: (-o["percent_done"], o["overdue"], seq[o["office"]]))
    for o in office_list:
        o["rank"] = 1 + sum(1 for other in office_list if other["percent_done"] > o["percent_done"])
    return {"as_of": on, "rows": row_list, "offices": office_list, "totals": {**totals, "percent_done": _percent(totals)}}


def history_entry(doc):
    if "outcome" in doc:  # an audit document: refused attempt or a note about the centre
        return {k: doc.get(k) for k in ("at", "outcome", "kind", "centre_id", "office", "key", "version", "actor",
                                        "role", "before", "after", "error")}
    after = {k: doc.get(k) for k in ("status", "percent", "note", "reason", "due", "evidence")}
    return {"at": doc["at"], "outcome": "accepted", "kind": doc["kind"], "centre_id": doc["centre_id"],
            "office": doc.get("office"), "key": doc["key"], "version": doc["version"], "actor": doc.get("actor"),
            "role": doc.get("role"), "before": doc.get("before"), "after": after, "error": None}
