"""The overdue desk's lists (docs/areas.md "Lists of an area"): what is overdue (the notifications service's overdue
report), or the centres of one 序时进度 colour (the read model's ``colour_page``), of an office, an area or the
installation, in pages found from counters.

``colour``: 红 ``red`` (or none) is what is overdue, today's list with its filters; 黄 ``yellow``, 蓝 ``blue`` and
绿 ``green`` are the centres of that colour as the read model's colours stand today (with their 序时进度, lag and
nearest due day): a past day has no such list. Each overdue row carries its centre's colour (one ``_id`` read per
centre of the page).
"""
from shared.errors import InvalidInput
from shared.schemas.common import load_or_raise
from shared.schemas.notifications import OverdueQuerySchema

CENTRE_COLOURS = ("yellow", "blue", "green")


def overdue_list(notifications, reporting, query, today):
    """The answer of ``GET /api/overdue`` for ``query`` (already confined to the caller: office, area)."""
    query = {k: v for k, v in query.items() if v is not None}
    data = load_or_raise(OverdueQuerySchema(), query)  # a bad filter is a 400 before anything is read
    colour = query.pop("colour", None)
    if colour in CENTRE_COLOURS:
        if data["as_of"] and data["as_of"] != today:
            raise InvalidInput("按黄、蓝、绿颜色筛选只能查看今天的情况", {"as_of": ["颜色筛选只适用于今天"]})
        page = reporting.colour_page({"colour": colour, "office": data["office"], "area": data["area"],
                                      "offset": data["offset"], "limit": data["limit"]})
        return {"as_of": today.isoformat(), "total": page["total"], "limit": data["limit"], "offset": data["offset"],
                "colour": colour, "sources": {"reporting": "ok"}, "items": [], "centres": page["items"]}
    report = notifications.overdue_report(query)
    colours = reporting.centre_colours({"centre_ids": [r["centre_id"] for r in report["items"]]}) if report["items"] else {}
    for row in report["items"]:
        row["colour"] = colours.get(row["centre_id"])
    return {**report, "colour": colour, "centres": []}
