"""Roll-ups and the Excel report of one area (docs/areas.md), for the gateway's routes.

``named_rollup``: the read model's roll-up of an area (reporting.area_rollup) with the areas' names from the area
tree (assignment.list_areas), so no code reaches a person. ``area_offices``: the offices of an area, district by
district (one equality read each). ``offices_rollup``: the per-office roll-ups of those offices joined and ranked,
the same shape as ``reports.district_rollup``, so the Excel report of an area is the district's report restricted
to the area's offices.
"""
from services.gateway.reports import rank_offices
from shared.areas import DISTRICT, level_of

COLOURS = ("red", "yellow", "blue", "green")
STATUS = ("total", "not_started", "in_progress", "blocked", "done", "overdue")


def named_rollup(reporting, assignment, code, as_of=None, rank="percent"):
    """The roll-up of ``code`` with its children's names, ranked on ``rank`` (percent done, or the lag behind 序时进度:
    most behind first); ties share a place."""
    rollup = reporting.area_rollup({"area": code, "as_of": as_of, "rank": rank})
    tree = assignment.list_areas({"parent": code})
    names = {a["code"]: a["name"] for a in tree["items"]}
    rollup["area"]["name"] = (tree.get("area") or {}).get("name")
    if level_of(code) != DISTRICT:  # an area of the tree without offices yet is listed with nothing done
        known = {c["code"] for c in rollup["children"]}
        rollup["children"].extend({"code": a["code"], "level": a["level"], "offices": 0, "centres": 0, "total": 0,
                                   "done": 0, "overdue": 0, "percent_done": 0.0, "expected_percent": 0.0,
                                   "lag_percent": 0.0, "colour": None, "colours": dict.fromkeys(COLOURS, 0)}
                                  for a in tree["items"] if a["code"] not in known)
    for child in rollup["children"]:
        child["name"] = child.get("office") or names.get(child["code"])
    value = (lambda c: -(c.get("lag_percent") or 0.0)) if rank == "lag" else (lambda c: -c["percent_done"])
    rollup["children"].sort(key=lambda c: (value(c), -c["total"], c["code"]))
    place, last = 0, None
    for index, child in enumerate(rollup["children"], start=1):  # ties share a place
        if value(child) != last:
            place, last = index, value(child)
        child["rank"] = place
    return rollup


def area_districts(assignment, code):
    """The district codes under ``code`` (itself when it is a district): the tree read level by level."""
    level, districts = [code], []
    while level:
        below = []
        for area in level:
            if level_of(area) == DISTRICT:
                districts.append(area)
            else:
                below.extend(a["code"] for a in assignment.list_areas({"parent": area})["items"])
        level = below
    return districts


def area_offices(assignment, reporting, code):
    """[{office, centres}] of the offices under ``code``, in table order, district by district."""
    names = [n for d in area_districts(assignment, code) for n in assignment.district_offices(d)["offices"]]
    counts = {}
    for name in names:
        counts[name] = reporting.office_summary(name).get("centres", 0)
    return [{"office": name, "centres": counts[name]} for name in names]


def offices_rollup(reporting, as_of, offices):
    """The roll-up (RollupSchema's rows, offices, totals) of ``offices``: one office's roll-up per call."""
    rows, ranked, totals = [], [], dict.fromkeys(STATUS, 0)
    for entry in offices:
        one = reporting.progress_rollup({"as_of": as_of, "office": entry["office"]})
        rows.extend(one["rows"])
        ranked.extend(one["offices"])
        for key in STATUS:
            totals[key] += one["totals"].get(key, 0)
    totals["percent_done"] = round(100.0 * totals["done"] / totals["total"], 1) if totals["total"] else 0.0
    return {"rows": rows, "offices": rank_offices(ranked, offices), "totals": totals}
