"""Roll-ups and the Excel report of one area (docs/areas.md), for the gateway's routes.

``named_rollup``: the read model's roll-up of an area (reporting.area_rollup) with the areas' names from the area
tree (assignment.list_areas), so no code reaches a person. ``area_districts``: the districts of an area, for the
streamed Excel report of that area (progress_export.py).
"""
from shared.areas import DISTRICT, level_of

COLOURS = ("red", "yellow", "blue", "green")


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

