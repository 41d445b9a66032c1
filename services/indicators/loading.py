"""Loading what the evaluation needs, by ``_id`` lookups and equality reads only: a centre and an office's
centres (from the assignment service, page by page), an office's figures for a year (``office`` + ``year``),
survey counters; and, for district-wide views, the read model's indicator figures (``reporting``): one
document per office and one for the district."""
from typing import Any, NamedTuple

from services.indicators import survey_counts
from shared.errors import NotFound
from shared.pages import every_item

PAGE = 1000


class Sources(NamedTuple):
    """Where the district-wide views read: the indicators' own store, the assignment service (offices and
    centres) and the read model (``reporting``), both as RPC proxies."""

    store: Any
    assignment: Any
    reporting: Any


def centre(assignment, centre_id):
    try:
        found = assignment.get_centre(centre_id)
    except NotFound:
        raise NotFound(f"中心“{centre_id}”不存在", {"centre_id": [centre_id]}) from None
    return {**{k: found[k] for k in ("id", "name", "level", "office")}, "district": found.get("district")}


def offices(assignment):
    """[{name, subdistrict, community, village, total}] in table order (counts of registered centres): the
    district-wide views rank every office, so every page of ``assignment.list_offices`` is read."""
    return every_item(assignment.list_offices, PAGE)


def centres(assignment, office):
    out, offset = [], 0
    while True:
        page = assignment.list_centres({"office": office, "limit": PAGE, "offset": offset})
        out.extend({**{k: c[k] for k in ("id", "name", "level", "office")}, "district": c.get("district")}
                   for c in page["items"])
        offset += PAGE
        if offset >= page["total"] or not page["items"]:
            return out


def reports(store, office, years):
    by_centre = {}
    for year in sorted(set(years)):
        for doc in store.office_year(office, year):
            by_centre.setdefault(doc["centre_id"], {})[doc["month"]] = doc["figures"]
    return by_centre


def satisfaction(store, scope, subject, years):
    """{year: (good, total)} from the survey counters of a centre, an office or the district."""
    out = {}
    for year in set(years):
        counts = survey_counts.read(store, scope, subject, str(year))
        out[year] = (counts["good"], counts["responses"]) if counts else (0, 0)
    return out


def read_model(reporting, years, office_names):
    """{year: {"district": doc, "offices": {name: doc}}} of the read model's indicator figures."""
    return {year: reporting.indicator_figures({"year": year, "offices": office_names}) for year in sorted(set(years))}
