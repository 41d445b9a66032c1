"""Loading what the evaluation needs, by equality reads only: an office's centres (from the assignment
service, page by page), an office's figures for a year (``office`` + ``year``), survey responses for an
office or centre and year. The district view walks the offices one by one."""
from shared.errors import NotFound
from services.indicators import survey

PAGE = 1000


def centre(assignment, centre_id):
    try:
        found = assignment.get_centre(centre_id)
    except NotFound:
        raise NotFound("中心“{}”不存在".format(centre_id), {"centre_id": [centre_id]}) from None
    return {k: found[k] for k in ("id", "name", "level", "office")}


def offices(assignment):
    return [o["name"] for o in assignment.list_offices()]


def centres(assignment, office):
    out, offset = [], 0
    while True:
        page = assignment.list_centres({"office": office, "limit": PAGE, "offset": offset})
        out.extend({k: c[k] for k in ("id", "name", "level", "office")} for c in page["items"])
        offset += PAGE
        if offset >= page["total"] or not page["items"]:
            return out


def district(store, assignment, years):
    """({office: [centres]}, {office: {centre_id: {month: figures}}}): one pass over the centres and one
    read per year, instead of one per office (every non-``_id`` read is a scan on FerretDB)."""
    by_office, offset = {}, 0
    while True:
        page = assignment.list_centres({"limit": PAGE, "offset": offset})
        for c in page["items"]:
            by_office.setdefault(c["office"], []).append({k: c[k] for k in ("id", "name", "level", "office")})
        offset += PAGE
        if offset >= page["total"] or not page["items"]:
            break
    for office in offices(assignment):
        by_office.setdefault(office, [])
    figures = {office: {} for office in by_office}
    for year in sorted(set(years)):
        for doc in store.year_reports(year):
            figures.setdefault(doc["office"], {}).setdefault(doc["centre_id"], {})[doc["month"]] = doc["figures"]
    return by_office, figures


def district_satisfaction(store, years):
    """{office: {year: (good, total)}} from one read per year."""
    out = {}
    for year in set(years):
        per_office = {}
        for doc in store.responses_by(None, None, "year", year):
            per_office.setdefault(doc["office"], []).append(doc)
        for office, docs in per_office.items():
            summary = survey.summarise(docs)
            out.setdefault(office, {})[year] = (summary["good"], summary["responses"])
    return out


def district_survey(store, year, months):
    """{office: summary} of the responses in ``months`` (of ``year``): one read of the year."""
    per_office, wanted = {}, set(months)
    for doc in store.responses_by(None, None, "year", year):
        if doc["month"] in wanted:
            per_office.setdefault(doc["office"], []).append(doc)
    return {office: survey.summarise(docs) for office, docs in per_office.items()}


def reports(store, office, years):
    by_centre = {}
    for year in sorted(set(years)):
        for doc in store.office_year(office, year):
            by_centre.setdefault(doc["centre_id"], {})[doc["month"]] = doc["figures"]
    return by_centre


def satisfaction(store, field, value, years):
    """{year: (good, total)} from the survey responses of an office or centre."""
    out = {}
    for year in set(years):
        summary = survey.summarise(store.responses_by(field, value, "year", year))
        out[year] = (summary["good"], summary["responses"])
    return out


def survey_summary(store, field, value, months):
    docs = [d for month in months for d in store.responses_by(field, value, "month", month)]
    return survey.summarise(docs)
