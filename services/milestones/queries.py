"""Read side: milestones of a centre or of an office and the audit trail. Every read is an
``_id`` lookup or equality on indexed fields (the office's centres, then each centre's
milestones), so its cost follows one office, never the programme. With ``as_of`` a centre's
state is replayed from its own revisions as it stood at the end of that day; without it the
projection is read and "overdue" is judged against today. District-wide figures and open items
come from the read model (``reporting``)."""
from services.milestones.commands import cutoff, overdue
from shared.errors import InvalidInput, NotFound


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
