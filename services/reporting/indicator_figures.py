"""The read model's indicator figures (issue 10): monthly figures and indicator standing per office and year.

Fed by the indicators service's ``monthly_report_submitted`` (the centre's whole year: months of figures,
``revision``, and ``scores`` at each month-end) and ``indicator_status_changed``. Documents in
``indicator_figures``, all read and written by ``_id``:

- ``centre:<id>:<year>``: the last payload applied for a centre and year (its revision, office, level,
  months). A payload with a revision not above it changes nothing.
- ``office:<name>:<year>`` and ``district:<year>``: the sums of their centres' contributions:
  ``months.MM.<level>.<metric>`` (``sum`` figures of the month; ``latest`` figures and ``staff_total``
  carried forward within the year, as the indicators service reads them; ``reports``: centres that
  reported that month), ``scores.MM.{rows, attained, achieved, on_track, at_risk, missed}`` (the centres'
  own indicators judged at the month-end), ``centres.<level>`` (centres that reported in the year) and
  ``statuses.<status>`` (current statuses of its centres' and its own indicators, from status changes).
- ``status:<subject>:<year>``: the subject's current status per ``indicator@period_end`` and its date.

A correction replaces the centre's old contribution: the difference between the new payload's
contribution and the stored one is added, once (the event key and the revision both guard it). Quarters
and the year are derived from the months by the reader (the indicators service's tracking).
"""
from services.reporting.store import summed
from shared.schemas.indicators import METRICS

COLLECTION = "indicator_figures"


def _collection(db):
    return db[COLLECTION]


def _get(db, doc_id):
    return _collection(db).find_one({"_id": doc_id})


def _put(db, doc):
    _collection(db).replace_one({"_id": doc["_id"]}, doc, upsert=True)


def carried(year, months):
    """{"MM": {metric: value, "reports": 0/1}} for the twelve months of a centre's year: ``sum`` figures of
    the month itself, ``latest`` figures (and ``staff_total``) as last reported up to that month."""
    state, out = {}, {}
    for number in range(1, 13):
        figures = months.get(f"{year:04d}-{number:02d}")
        row = {}
        if figures is not None:
            for metric, value in figures.items():
                if METRICS[metric][2] == "latest":
                    state[metric] = value
                else:
                    row[metric] = value
            state["staff_total"] = (figures.get("staff_full_time") or 0) + (figures.get("staff_part_time") or 0)
            row["reports"] = 1
        row.update(state)
        out[f"{number:02d}"] = {k: v for k, v in row.items() if v}
    return out


def contribution(payload):
    """{path: value} a centre-year payload adds to its office's (and the district's) document."""
    if not payload:
        return {}
    level, out = payload["level"], {("centres", payload["level"]): 1}
    for mm, row in carried(payload["year"], payload["months"]).items():
        for metric, value in row.items():
            out[("months", mm, level, metric)] = value
    for mm, scores in (payload.get("scores") or {}).items():
        for key, value in scores.items():
            if value:
                out[("scores", mm, key)] = value
    return out


def add(doc, paths, sign):
    for path, value in paths.items():
        node = doc
        for part in path[:-1]:
            node = node.setdefault(part, {})
        total = round(node.get(path[-1], 0) + sign * value, 4)
        if total:
            node[path[-1]] = int(total) if float(total).is_integer() else total
        else:
            node.pop(path[-1], None)
    _prune(doc)


def _prune(node):
    for key in list(node):
        if isinstance(node[key], dict):
            _prune(node[key])
            if not node[key]:
                del node[key]


def office_id(office, year):
    return f"office:{office}:{year}"


def district_id(year, partition=None):
    """The district's document of a year (a partition's: ``district:<year>@<tag>``, partition.py)."""
    doc_id = f"district:{year}"
    return doc_id if partition is None else partition.doc_id(doc_id)


def _area(db, doc_id, office, year):
    return _get(db, doc_id) or {"_id": doc_id, "office": office, "year": year}


def apply_centre_year(db, payload, partition=None):
    """Replace a centre's contribution for a year by ``payload``'s; False if it holds nothing newer."""
    key = "centre:{}:{}".format(payload["centre_id"], payload["year"])
    old = _get(db, key)
    if old is not None and old["revision"] >= payload["revision"]:
        return False
    year = payload["year"]
    for office, sign, source in ((old or {}).get("office"), -1, old), (payload["office"], +1, payload):
        if source is None:
            continue
        paths = contribution(source)
        for doc_id, name in ((office_id(office, year), office), (district_id(year, partition), None)):
            doc = _area(db, doc_id, name, year)
            add(doc, paths, sign)
            _put(db, doc)
    _put(db, {"_id": key, **{k: payload[k] for k in ("centre_id", "office", "level", "year", "revision", "months",
                                                       "scores")}})
    return True


def apply_status(db, change, partition=None):
    """Record a subject's new status for an indicator; the office's and district's counts follow."""
    year = int(change["as_of"][:4])
    key = "status:{}:{}".format(change["subject"], year)
    doc = _get(db, key) or {"_id": key, "office": change["office"], "statuses": {}}
    slot = "{}@{}".format(change["indicator_id"], change["period_end"]).replace(".", "_")
    before = doc["statuses"].get(slot)
    if before and (before["as_of"] > change["as_of"] or before["status"] == change["status"]):
        return False
    for doc_id, name in ((office_id(change["office"], year), change["office"]), (district_id(year, partition), None)):
        area = _area(db, doc_id, name, year)
        if before:
            add(area, {("statuses", before["status"]): 1}, -1)
        add(area, {("statuses", change["status"]): 1}, +1)
        _put(db, area)
    doc["statuses"][slot] = {"status": change["status"], "as_of": change["as_of"]}
    _put(db, doc)
    return True


def _out(doc, year, office=None):
    doc = doc or {"office": office, "year": year}
    return {"office": doc.get("office"), "year": year, "months": doc.get("months", {}),
            "scores": doc.get("scores", {}), "centres": doc.get("centres", {}), "statuses": doc.get("statuses", {})}


def _district_of_year(db, year, tags):
    """The district's document of a year: the one, or the sum of the partitions' (``tags``, store.partition_tags)."""
    if tags in (None, [""]):
        return _get(db, district_id(year))
    parts = [doc for doc in (_get(db, f"{district_id(year)}@{tag}") for tag in tags) if doc is not None]
    if not parts:
        return None
    total = {"office": None, "year": year}
    for part in parts:
        summed(total, {k: v for k, v in part.items() if k not in ("_id", "office", "year")})
    return _rounded(total)


def _rounded(node):
    """Sums of figures rounded as ``add`` rounds them (four places)."""
    for key, value in node.items():
        if isinstance(value, dict):
            _rounded(value)
        elif isinstance(value, float):
            value = round(value, 4)
            node[key] = int(value) if value.is_integer() else value
    return node


def read_year(db, year, offices, tags=None):
    """The district's document (summed over ``tags``, the partitions) and one per office named (``_id`` reads)."""
    return {"year": year, "district": _out(_district_of_year(db, year, tags), year),
            "offices": {name: _out(_get(db, office_id(name, year)), year, name) for name in offices}}


def reset(db, offices=None, partition=None):
    """Forget the figures (before a rebuild): the centre-years go, offices and the district keep only their
    status counts (statuses are not rebuilt: they come from the status changes). Walks the collection once,
    as a rebuild reads everything anyway."""
    collection = _collection(db)
    mine = None if offices is None else set(offices)  # a partition's rebuild: its offices' and district's only
    for doc in list(collection.find({}, {"_id": 1, "office": 1})):
        if mine is not None and doc.get("office") not in mine and doc["_id"] != district_id(doc["_id"][9:13], partition):
            continue
        if doc["_id"].startswith("centre:"):
            collection.delete_one({"_id": doc["_id"]})
        elif doc["_id"].startswith(("office:", "district:")):
            collection.update_one({"_id": doc["_id"]}, {"$unset": {"months": "", "scores": "", "centres": ""}})


def rebuild(db, payloads, partition=None):
    """Apply centre-year payloads read from the indicators service; returns how many changed the model."""
    return sum(1 for payload in payloads if apply_centre_year(db, payload, partition))
