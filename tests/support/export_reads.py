"""A generated area answering the RPCs the progress workbook reads (services/gateway/progress_export.py), page by
page and computed on demand, so that an area of any size costs no memory here: for the writer's unit tests and
for ``tests/bench/export_memory.py`` (peak memory of the writer at 2,000 to 100,000 centres). Unit tests only:
the integration tests read the real read model.

The area: one province ``41``, ``districts`` districts ``41ccdd`` (99 to a city ``41cc``), each with ``offices``
offices of ``centres`` centres. Office ``o`` has done ``o % 7`` of 10 milestones in each centre."""
from dataclasses import dataclass, field


@dataclass
class GeneratedArea:
    districts: int = 2
    offices: int = 3
    centres: int = 4
    calls: list = field(default_factory=list)
    largest: int = 0  # the most items in one answer

    def __post_init__(self):
        self.reporting, self.assignment, self.milestones = _Reporting(self), _Assignment(self), _Milestones(self)

    def note(self, name, answer_items):
        self.calls.append(name)
        self.largest = max(self.largest, answer_items)

    def district_codes(self):
        return [f"41{d // 99 + 1:02d}{d % 99 + 1:02d}" for d in range(self.districts)]  # 99 districts per city

    def office_names(self, district):
        return [f"{district}号{n + 1}街道" for n in range(self.offices)]

    def every_office(self):
        return [o for d in self.district_codes() for o in self.office_names(d)]

    def centre_ids(self, office):
        return [f"{office}-c{n + 1:03d}" for n in range(self.centres)]

    def done(self, office):
        return int(office.rsplit("号", 1)[1].rstrip("街道")) % 7

    def figures(self, office):
        total, done = 10 * self.centres, self.done(office) * self.centres
        return {"total": total, "done": done, "overdue": self.centres - self.done(office) % 3,
                "percent_done": round(100.0 * done / total, 1)}


class _Reporting:
    def __init__(self, area):
        self.area = area

    def area_rollup(self, query):
        a, code = self.area, query["area"]
        if len(code) == 6:
            children = [{"code": o, "office": o, "centres": a.centres} for o in a.office_names(code)]
            centres = a.offices * a.centres
        else:
            children, centres = [], a.districts * a.offices * a.centres
        a.note("reporting.area_rollup", len(children))
        return {"area": {"code": code, "centres": centres}, "children": children}

    def offices(self, query):
        a, names = self.area, self.area.every_office()
        items = [{"office": o, "centres": a.centres} for o in names[query["offset"]:query["offset"] + query["limit"]]]
        a.note("reporting.offices", len(items))
        return {"items": items, "total": len(names), **query}

    def _one(self, office):
        f = self.area.figures(office)
        return {"rows": [{"office": office, "phase": p, "total": f["total"] // 2, "not_started": 0, "in_progress": 0,
                          "blocked": 0, "done": f["done"] // 2, "overdue": 0, "percent_done": f["percent_done"]}
                         for p in (1, 2)],
                "offices": [{"office": office, **f}], "totals": {**f, "not_started": 0, "in_progress": 0, "blocked": 0}}

    def progress_rollup(self, query):
        a = self.area
        if query.get("office"):
            a.note("reporting.progress_rollup", 3)
            return self._one(query["office"])
        names = a.every_office()[query["offset"]:query["offset"] + query["limit"]]
        ones = [self._one(n) for n in names]
        total = a.districts * a.offices * a.centres * 10
        done = sum(a.done(o) * a.centres for o in a.every_office())
        a.note("reporting.progress_rollup", 3 * len(names))
        return {"rows": [r for one in ones for r in one["rows"]], "offices": [one["offices"][0] for one in ones],
                "totals": {"total": total, "done": done, "overdue": 0, "percent_done": round(100.0 * done / total, 1)}}

    def centre_summaries(self, query):
        ids = self.area.centre_ids(query["office"])
        items = [{"centre_id": c, "colour": ("red", "green")[n % 2]}
                 for n, c in enumerate(ids[query["offset"]:query["offset"] + query["limit"]])]
        self.area.note("reporting.centre_summaries", len(items))
        return {"items": items, "total": len(ids)}

    def centres_as_of(self, query):
        """A past day: the area's first office held only its first centre then (the other came later)."""
        first = self.area.office_names(self.area.district_codes()[0])[0]
        self.area.note("reporting.centres_as_of", len(query["offices"]))
        return {o: (self.area.centre_ids(o)[:1] if o == first else None) for o in query["offices"]}

    def centres_after(self, query):
        items, after, limit = [], query["after"], query["limit"]
        for offset, office in enumerate(query["offices"]):
            ids = [c for c in self.area.centre_ids(office) if after is None or c > after]
            after = None
            for c in ids:
                if len(items) == limit:
                    self.area.note("reporting.centres_after", len(items))
                    return {"items": items, "next": {"offset": offset, "after": items[-1]["id"]}}
                items.append({"id": c, "name": f"{c}综合文化服务中心", "level": "community", "office": office,
                              "deadline": "2018-12-31", "pilot": False, "remark": "", "version": 1})
        self.area.note("reporting.centres_after", len(items))
        return {"items": items, "next": None}


class _Assignment:
    def __init__(self, area):
        self.area = area

    def list_areas(self, query):
        parent = query["parent"]
        codes = self.area.district_codes()
        items = ([{"code": c, "level": "city"} for c in sorted({d[:4] for d in codes})] if parent == "41" else
                 [{"code": d, "level": "district"} for d in codes if d[:4] == parent] if len(parent) == 4 else [])
        self.area.note("assignment.list_areas", len(items))
        return {"area": {"code": parent}, "items": items}

    def district_offices(self, district):
        names = self.area.office_names(district) if district in self.area.district_codes() else []
        self.area.note("assignment.district_offices", len(names))
        return {"district": district, "offices": names}


class _Milestones:
    def __init__(self, area):
        self.area = area

    def centre_progress(self, query):
        a, rows = self.area, []
        for office in query["offices"]:
            held = (query.get("centres") or {}).get(office)
            done = a.done(office)
            rows.extend({"centre_id": c, "centre_name": f"{c}综合文化服务中心", "office": office, "level": "community",
                         "total": 10, "done": done, "phase": 1 + done // 3, "overdue": done % 3, "days_overdue": 2 * (done % 3)}
                        for c in (held if held is not None else a.centre_ids(office)))
        a.note("milestones.centre_progress", len(rows))
        return rows
