"""The area tree (区划) of the assignment service: reading an area table, storing areas, and placing offices.

An area table (CSV or XLSX) has a name and a code per row (名称 / 区划代码); ``parse_areas`` returns the areas
or InvalidInput listing every bad row (line, field, message in Chinese), so nothing is written unless every
row is valid. Areas are stored in ``areas`` (``_id`` the short code, ``name``, ``level``, ``parent``; indexed on
``parent`` and ``level``): children of an area are an equality read. Writing is ``replace_one`` by ``_id``, so
importing a table again (or again after a stop part-way) ends in the same tree.

An office belongs to one district: its document, and every centre of it, carry ``province``, ``city`` and
``district`` (indexed top-level fields), so each roll-up is an equality read (``place_office``).
"""
from pymongo import ASCENDING

from services.assignment.allocation import read_rows
from shared.areas import DISTRICT, LEVEL_NAMES, ancestors, level_of, parent_of, short_code
from shared.errors import InvalidInput, NotFound

HEADERS = {"name": ("名称", "区划名称", "name"), "code": ("区划代码", "统计用区划代码", "代码", "code")}
MAX_AREAS = 100_000  # the country down to townships is about 45,000
PLACE_BATCH = 100  # offices placed per backfill batch


def parse_areas(filename, content):
    """[{code, name, level, parent}] from a table, parents before children; InvalidInput with every bad row."""
    rows = read_rows(filename, content)
    if not rows:
        raise InvalidInput("文件为空", {"file": ["empty"]})
    if len(rows) > MAX_AREAS + 1:
        raise InvalidInput(f"行数超过上限 {MAX_AREAS}", {"file": ["too many rows"]})
    header = [str(c).strip() for c in rows[0]]
    columns = {}
    for key, names in HEADERS.items():
        found = [header.index(n) for n in names if n in header]
        if not found:
            raise InvalidInput(f"表头缺少列：{names[0]}", {"header": [f"missing column {names[-1]}"]})
        columns[key] = found[0]
    areas, errors, seen = [], [], {}
    for line, row in enumerate(rows[1:], start=2):
        cells = {k: (str(row[i]).strip() if i < len(row) else "") for k, i in columns.items()}
        if not any(cells.values()):
            continue
        problems = []
        if not cells["name"]:
            problems.append(("name", "名称不能为空"))
        elif len(cells["name"]) > 50:
            problems.append(("name", "名称不能超过 50 个字"))
        code = None
        try:
            code = short_code(cells["code"]) if cells["code"] else None
            if code is None:
                problems.append(("code", "区划代码不能为空"))
        except ValueError as exc:
            problems.append(("code", str(exc)))
        if code and code in seen:
            problems.append(("code", f"区划代码与第 {seen[code]} 行重复"))
        elif code:
            seen[code] = line
        if problems:
            errors.extend({"line": line, "field": f, "message": m} for f, m in problems)
        elif code:
            areas.append({"code": code, "name": cells["name"], "level": level_of(code), "parent": parent_of(code),
                          "line": line})
    if errors:
        raise InvalidInput(f"导入失败：{len(errors)} 处错误，未写入任何数据", errors)
    if not areas:
        raise InvalidInput("文件中没有数据行", {"file": ["no data rows"]})
    return sorted(areas, key=lambda a: (len(a["code"]), a["code"]))


def missing_parents(areas, known):
    """Row errors for areas whose parent is neither in the file nor in ``known(code)`` (the store)."""
    codes = {a["code"] for a in areas}
    errors = []
    for area in areas:
        parent = area["parent"]
        if parent and parent not in codes and not known(parent):
            errors.append({"line": area["line"], "field": "code",
                           "message": f"上级区划（{LEVEL_NAMES[level_of(parent)]}）不在本文件中，也尚未导入；请先导入上级区划"})
    return sorted(errors, key=lambda e: e["line"])


def area_out(doc):
    return {"code": doc["_id"], "name": doc["name"], "level": doc["level"], "parent": doc.get("parent")}


class AreaStore:
    """Mixed into ``AssignmentStore`` (needs ``self.db``, ``self.offices``, ``self.centres``)."""

    def ensure_area_indexes(self):
        self.db.areas.create_index([("parent", ASCENDING)], name="parent")
        self.db.areas.create_index([("level", ASCENDING)], name="level")
        for field in ("province", "city", "district"):
            self.offices.create_index([(field, ASCENDING)], name=field)
            self.centres.create_index([(field, ASCENDING)], name=field)

    def area(self, code):
        doc = self.db.areas.find_one({"_id": code})
        return None if doc is None else area_out(doc)

    def area_children(self, code):
        """The areas directly under ``code`` (None: the provinces), by code: one equality read."""
        query = {"parent": code} if code else {"level": "province"}
        return sorted((area_out(d) for d in self.db.areas.find(query)), key=lambda a: a["code"])

    def save_areas(self, areas):
        for area in areas:
            self.db.areas.replace_one({"_id": area["code"]}, {k: area[k] for k in ("name", "level", "parent")},
                                      upsert=True)

    def office_codes(self, name):
        """{province, city, district} of an office (all None when it is not placed), one ``_id`` read."""
        doc = self.offices.find_one({"_id": name}, {"province": 1, "city": 1, "district": 1}) or {}
        return {k: doc.get(k) for k in ("province", "city", "district")}

    def offices_of_district(self, district):
        """The office names of a district, in table order: equality on ``district``."""
        docs = self.offices.find({"district": district}, {"seq": 1})
        return [d["_id"] for d in sorted(docs, key=lambda d: d["seq"])]

    def place_office(self, name, district):
        """Put office ``name`` and its centres in ``district``; returns how many centres changed. The office's
        centres are one equality read (an office has tens to hundreds); only those not yet there are written."""
        codes = ancestors(district)
        self.offices.update_one({"_id": name}, {"$set": codes})
        ids = [d["_id"] for d in self.centres.find({"office": name}, {"district": 1}) if d.get("district") != district]
        for centre_id in ids:
            self.centres.update_one({"_id": centre_id}, {"$set": codes})
        return len(ids)

    def unplaced_offices(self, limit):
        """Up to ``limit`` offices not in any district (equality on ``district`` null), for the backfill."""
        return [d["_id"] for d in self.offices.find({"district": None}, {"_id": 1}).limit(limit)]


def check_district(store, code):
    """The stored district of ``code`` (short or 12-digit), or InvalidInput in Chinese."""
    try:
        short = short_code(code)
    except ValueError as exc:
        raise InvalidInput(str(exc), {"district": [str(exc)]}) from None
    area = store.area(short)
    if area is None:
        raise NotFound("区划尚未导入，请先导入区划表", {"district": ["unknown area"]})
    if area["level"] != DISTRICT:
        raise InvalidInput("“{}”不是区（县）级区划，任务分配表只能导入到区（县）".format(area["name"]),
                           {"district": ["not a district"]})
    return area
