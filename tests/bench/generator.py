"""Synthetic programmes for `make bench`: any number of centres, shaped like the real ones.

Deterministic (seeded), so anyone can repeat a run. China has about 41,000 township-level
offices for about 700,000 villages and communities, so an office holds about 17 centres:
one sub-district centre, then communities and villages. About 5 % are pilots (due
2017-06-30); the others are due at the end of one of the half-years 2017-2019. Progress
is spread over 2017-2019: each milestone's report falls some days around its due date,
a few never come.

    .venv/bin/python -m tests.bench.generator 10000 > /tmp/alloc.csv
"""
import csv
import io
import random
import sys
from datetime import date, timedelta

CENTRES_PER_OFFICE = 17
DEADLINES = ("2017.12", "2018.06", "2018.12", "2019.06")
HEADER = ("编号", "中心名称", "级别", "街道办事处", "完成时限", "试点", "备注")
LEVEL_NAMES = {"subdistrict": "街道", "community": "社区", "village": "村"}
# (key, phase, order, due rule) as in services/milestones/plans/jinshui_2017.json
MILESTONES = (("p1_plan", 1, 1, "2017-04-30"), ("p2_pilot_built", 2, 2, "2017-06-30"),
              ("p2_lessons", 2, 3, "2017-06-30"), ("p3_construction", 3, 4, None),
              ("p3_signage", 3, 5, "2019-06-30"), ("p4_self_check", 4, 6, "2019-09-30"),
              ("p4_acceptance", 4, 7, "2019-09-30"), ("p5_rectification", 5, 8, "2019-12-31"))


def office_name(n):
    return f"第{n:05d}街道"


def centres(count, seed=2017):
    """``count`` centre rows: dicts with id, name, level, office, deadline (YYYY.MM) and pilot."""
    rng = random.Random(seed)
    for i in range(count):
        office_no, slot = divmod(i, CENTRES_PER_OFFICE)
        office = office_name(office_no + 1)
        pilot = rng.random() < 0.05
        if slot == 0:
            level, cid = "subdistrict", f"o{office_no + 1:05d}-s"
            name = office + "综合文化服务中心"
        else:
            level = "village" if rng.random() < 0.4 else "community"
            cid = f"o{office_no + 1:05d}-{level[0]}{slot:02d}"
            name = "{}{:02d}{}".format(office, slot, "村" if level == "village" else "社区")
        deadline = "2017.06" if pilot else rng.choice(DEADLINES)
        yield {"id": cid, "name": name, "level": level, "office": office, "deadline": deadline, "pilot": pilot}


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
    sys.stdout.write(allocation_csv(int(sys.argv[1]) if len(sys.argv) > 1 else 105))
