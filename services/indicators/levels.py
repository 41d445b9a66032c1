"""Where each indicator is evaluated (docs/areas.md, "Indicators at their own level"): for which area, at which
level, and from what. Pure functions over the plans.

- ``city`` (a city's quota or city-wide target, e.g. 000 每年评审2个市级示范区): for the plan's city, from what its
  districts report (``area report``); the city's figure is the sum of its districts' reports.
- ``district`` in a city's plan (000 各区按每5万人1个): for each district of the city, from its own report.
- ``district`` in a district's plan (001 覆盖率, 004 增长): for that district, from its offices and centres (the
  read model's office documents of the district).
- ``office`` / ``centre``: for each office / centre of the plan's area, from its centres' monthly reports.
"""
from services.indicators.plans import load_plans
from shared.areas import level_of
from shared.schemas.indicators import METRICS

REPORTED, CENTRES = "district_reports", "centres"
# the report's fields whose wording differs from a centre's monthly figure, and the denominators of the ratios
LABELS = {
    "branch_library": ("已建有总分馆的乡镇（街道）数", "个"),
    "branch_library_of": ("具备条件的乡镇（街道）数", "个"),
    "culture_coop": ("已建有乡村文化合作社的行政村数", "个"),
    "culture_coop_of": ("具备条件的行政村数", "个"),
    "cultural_spaces": ("已建成新型公共文化空间数（累计）", "个"),
    "population": ("常住人口", "人"),
    "satisfaction_good": ("群众满意度测评中评价4分及以上的份数", "份"),
    "satisfaction_total": ("群众满意度测评份数", "份"),
}


def plan_of(indicator):
    return load_plans()[indicator["document"]]


def evaluated_at(indicator):
    """{"area": the plan's area code, "level", "subjects": what one row judges, "source": where the figure comes
    from}: ``subjects`` is ``area`` (the area itself), ``each_district``, ``each_office`` or ``each_centre``."""
    area = plan_of(indicator)["area"]["code"]
    level = indicator["applies_to"]["level"]
    area_level = level_of(area)
    if level == area_level:
        subjects = "area"
    else:
        subjects = {"district": "each_district", "office": "each_office", "centre": "each_centre"}[level]
    reported = level in ("province", "city") or (level == "district" and area_level in ("province", "city"))
    return {"area": area, "level": level, "subjects": subjects, "source": REPORTED if reported else CENTRES}


def reported(indicator):
    return evaluated_at(indicator)["source"] == REPORTED


def plans_of(code):
    """The plans whose area is ``code``."""
    return [p for _, p in sorted(load_plans().items()) if p["area"]["code"] == code]


def city_indicators(city):
    """The indicators of ``city``'s plans evaluated for the city itself from its districts' reports."""
    return [i for p in plans_of(city) for i in p["indicators"] if reported(i) and evaluated_at(i)["subjects"] == "area"]


def each_district_indicators(city):
    """The indicators of ``city``'s plans evaluated for each of its districts from the district's own report."""
    return [i for p in plans_of(city) for i in p["indicators"]
            if reported(i) and evaluated_at(i)["subjects"] == "each_district"]


def own_indicators(district):
    """The district-level indicators of ``district``'s own plans (from its offices and centres)."""
    return [i for p in plans_of(district) for i in p["indicators"]
            if evaluated_at(i)["subjects"] == "area" and evaluated_at(i)["source"] == CENTRES]


def area_type(name):
    """``county`` for a county or county-level city (…县, …市), else ``district`` (…区): 000 sets them apart."""
    return "county" if name and name[-1] in "县市旗" else "district"


def applies_to_district(indicator, name):
    return indicator["applies_to"]["area_type"] == area_type(name) if evaluated_at(indicator)["subjects"] == \
        "each_district" else True


def keys(indicator):
    """The report fields ``indicator`` is computed from: its metric, and for a ratio its denominator."""
    metric = indicator["metric"]
    if metric == "satisfaction_rate":
        return ["satisfaction_good", "satisfaction_total"]
    out = [metric]
    if indicator.get("denominator"):
        out.append(indicator["denominator"] if indicator["denominator"] in METRICS else metric + "_of")
    return out


def label(key):
    if key in LABELS:
        return LABELS[key]
    name, unit, _ = METRICS[key]
    return name, unit


def report_fields(city):
    """The fields a district of ``city`` reports, each once, in plan order: [{key, label, unit, indicators}]."""
    out = {}
    for indicator in city_indicators(city) + each_district_indicators(city):
        for key in keys(indicator):
            name, unit = label(key)
            entry = out.setdefault(key, {"key": key, "label": name, "unit": unit, "indicators": []})
            entry["indicators"].append(indicator["title"])
    return list(out.values())
