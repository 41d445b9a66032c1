"""Synthetic programmes for `make bench`: any number of centres, in the country's shape.

Deterministic (seeded), so anyone can repeat a run. China has about 31 provinces, 330 cities,
2,850 districts and counties, 41,000 sub-district and township offices and 700,000 villages and
communities, so an office holds about 17 centres: one sub-district centre, then communities and
villages. At 700,000 centres the generator makes that tree; a smaller programme keeps the shape
scaled down (``shape``): districts in proportion to the centres, fewer cities and provinces, but at
least two districts in a city and two cities in a province where there are enough. The areas carry
statistical codes of their level (2, 4, 6 and 9 digits; docs/areas.md) and names marked as generated
(测试11省, 测试1101市, 测试110101区, 测试110101001街道); offices are spread evenly over the districts,
districts over cities, cities over provinces, in code order.

About 5 % of the centres are pilots (due 2017-06-30); the others are due at the end of one of the
half-years 2017-2019. Progress is spread over 2017-2019: each milestone's report falls some days
around its due date, a few never come. The centres' ids (``o00001-s``, ``o00001-c01``...) and so their
seeded progress are those of the generator before the areas.

    .venv/bin/python -m tests.bench.generator 10000 > /tmp/alloc.csv
    .venv/bin/python -m tests.bench.generator 10000 --areas > /tmp/areas.csv
"""
import csv
import io
import random
import sys
from datetime import date, timedelta

CENTRES_PER_OFFICE = 17
COUNTRY = {"centres": 700_000, "provinces": 31, "cities": 330, "districts": 2850}
FIRST_PROVINCE = 11  # province codes 11, 12, ... (a code may not start with 00)
AREA_HEADER = ("名称", "区划代码")
DEADLINES = ("2017.12", "2018.06", "2018.12", "2019.06")
HEADER = ("编号", "中心名称", "级别", "街道办事处", "完成时限", "试点", "备注")
LEVEL_NAMES = {"subdistrict": "街道", "community": "社区", "village": "村"}
# (key, phase, order, due rule) as in services/milestones/plans/jinshui_2017.json
MILESTONES = (("p1_plan", 1, 1, "2017-04-30"), ("p2_pilot_built", 2, 2, "2017-06-30"),
              ("p2_lessons", 2, 3, "2017-06-30"), ("p3_construction", 3, 4, None),
              ("p3_signage", 3, 5, "2019-06-30"), ("p4_self_check", 4, 6, "2019-09-30"),
              ("p4_acceptance", 4, 7, "2019-09-30"), ("p5_rectification", 5, 8, "2019-12-31"))


def offices_for(count):
    return max(1, -(-count // CENTRES_PER_OFFICE))


def shape(count):
    """(provinces, cities, districts, offices) of a programme of ``count`` centres: the country's at 700,000;
    below, districts in proportion to the centres, cities with the square root and provinces with the cube
    root of the scale, keeping two districts in a city and two cities in a province where there are enough."""
    scale = count / COUNTRY["centres"]
    offices = offices_for(count)
    districts = max(1, min(offices, round(COUNTRY["districts"] * scale)))
    cities = max(1, min(districts // 2, round(COUNTRY["cities"] * scale ** 0.5)))
    provinces = max(1, min(cities // 2, round(COUNTRY["provinces"] * scale ** (1 / 3))))
    return provinces, cities, districts, offices


def _spread(items, groups):
    """``items`` (a count) split into ``groups`` consecutive runs as even as can be: [(start, stop)]."""
    return [(g * items // groups, (g + 1) * items // groups) for g in range(groups)]


def area_name(code):
    return "测试{}{}".format(code, {2: "省", 4: "市", 6: "区", 9: "街道"}[len(code)])


def tree(count):
    """The area tree of ``count`` centres: [{code, name, parent}] parents first (provinces, cities, districts,
    then the offices' 9-digit codes), and for each office number (from 1) its 9-digit code."""
    provinces, cities, districts, offices = shape(count)
    areas, office_codes = [], {}
    district_spans = _spread(offices, districts)
    city_spans = _spread(districts, cities)
    for p, (c0, c1) in enumerate(_spread(cities, provinces)):
        province = f"{FIRST_PROVINCE + p:02d}"
        areas.append({"code": province, "name": area_name(province), "parent": None})
        for c in range(c0, c1):
            city = f"{province}{c - c0 + 1:02d}"
            areas.append({"code": city, "name": area_name(city), "parent": province})
            d0, d1 = city_spans[c]
            for d in range(d0, d1):
                district = f"{city}{d - d0 + 1:02d}"
                areas.append({"code": district, "name": area_name(district), "parent": city})
                o0, o1 = district_spans[d]
                for o in range(o0, o1):
                    office_codes[o + 1] = f"{district}{o - o0 + 1:03d}"
    townships = [{"code": office_codes[n], "name": area_name(office_codes[n]), "parent": office_codes[n][:6]}
                 for n in sorted(office_codes)]
    return areas + townships, office_codes


def areas_csv(count):
    """The area table (the area import's format: 名称, 区划代码) of ``count`` centres, parents first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AREA_HEADER)
    for area in tree(count)[0]:
        writer.writerow((area["name"], area["code"]))
    return out.getvalue()


def office_name(n, count=None):
    """The name of office number ``n`` (from 1) of a programme of ``count`` centres (default: at least ``n``
    offices' worth): its township's generated name."""
    return area_name(tree(count or n * CENTRES_PER_OFFICE)[1][n])


def centres(count, seed=2017):
    """``count`` centre rows: dicts with id, name, level, office, deadline (YYYY.MM), pilot, and the office's
    ``province``, ``city``, ``district`` codes (not columns of the allocation table: the import's district)."""
    rng = random.Random(seed)
    office_codes = tree(count)[1]
    for i in range(count):
        office_no, slot = divmod(i, CENTRES_PER_OFFICE)
        code = office_codes[office_no + 1]
        office = area_name(code)
        pilot = rng.random() < 0.05
        if slot == 0:
            level, cid = "subdistrict", f"o{office_no + 1:05d}-s"
            name = office + "综合文化服务中心"
        else:
            level = "village" if rng.random() < 0.4 else "community"
            cid = f"o{office_no + 1:05d}-{level[0]}{slot:02d}"
            name = "{}{:02d}{}".format(office, slot, "村" if level == "village" else "社区")
        deadline = "2017.06" if pilot else rng.choice(DEADLINES)
        yield {"id": cid, "name": name, "level": level, "office": office, "deadline": deadline, "pilot": pilot,
               "province": code[:2], "city": code[:4], "district": code[:6]}


def by_district(rows):
    """The centre rows grouped by district, in order: {district code: [rows]} (an import file per district)."""
    groups = {}
    for row in rows:
        groups.setdefault(row["district"], []).append(row)
    return groups


def first_area(count, level):
    """The code of the first province, city or district (``level``) of a programme of ``count`` centres."""
    digits = {"province": 2, "city": 4, "district": 6}[level]
    return tree(count)[1][1][:digits]


def allocation_csv(count, seed=2017):
    """The allocation table of ``count`` centres as CSV text (the import's format)."""
    return allocation_csv_of(centres(count, seed))


def allocation_csv_of(rows):
    """The allocation table of the centre rows ``rows`` (from ``centres``) as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for c in rows:
        writer.writerow((c["id"], c["name"], LEVEL_NAMES[c["level"]], c["office"], c["deadline"],
                         "是" if c["pilot"] else "否", ""))
    return out.getvalue()


def month_end(deadline):
    year, month = (int(x) for x in deadline.split("."))
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def milestones_of(centre):
    """The centre's milestones: (key, phase, order, due date); pilot-only ones for pilots."""
    for key, phase, order, due in MILESTONES:
        if key.startswith("p2_") and not centre["pilot"]:
            continue
        yield key, phase, order, date.fromisoformat(due) if due else month_end(centre["deadline"])


def progress(centre, seed=2017):
    """Reports for the centre's milestones: (key, status, day reported), spread over 2017-2019."""
    rng = random.Random("{}:{}".format(seed, centre["id"]))
    for key, _phase, _order, due in milestones_of(centre):
        if rng.random() < 0.08:
            continue  # never reported: overdue
        day = due + timedelta(days=rng.randint(-60, 20))
        yield key, "done", max(day, date(2017, 3, 1))


def milestone_documents(count, seed=2017):
    """Milestone-shaped documents (the store bench): about 6 per centre, ``count`` in all."""
    made = 0
    for centre in centres(count, seed):
        reported = {key: day for key, _status, day in progress(centre, seed)}
        for key, phase, order, due in milestones_of(centre):
            if made == count:
                return
            day = reported.get(key)
            yield {"_id": "{}:{}".format(centre["id"], key), "centre_id": centre["id"], "key": key,
                   "phase": phase, "order": order, "office": centre["office"], "level": centre["level"],
                   "due": due.isoformat(), "status": "done" if day else "not_started",
                   "percent": 100 if day else 0, "version": 2 if day else 1,
                   "updated_at": (day or date(2017, 3, 1)).isoformat()}
            made += 1


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 105
    sys.stdout.write(areas_csv(size) if "--areas" in sys.argv else allocation_csv(size))
