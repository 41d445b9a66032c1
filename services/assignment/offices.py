"""The offices of the assignment store (collection ``offices``): their places in the table and their counters.

``seq`` is unique, so two offices created at once cannot take the same place (the loser tries the next);
``counts`` holds the office's centres by level and its pilots by level (``pilot_<level>``), recounted by
equality on ``office`` after every change of its centres, so listing offices and placing a page of
centres read office documents only, never count centres.
"""
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.errors import Conflict
from shared.schemas.common import LEVELS

SEQ_RETRIES = 50  # places tried for a new office when others take them at the same time


class OfficeStore:
    """Mixed into ``AssignmentStore`` (needs ``self.offices``, ``self.centres`` and ``self.meta``)."""

    def office_docs(self, office=None):
        """One office by ``_id``, or every office document (one small document each), in table order."""
        if office:
            doc = self.offices.find_one({"_id": office})
            return [doc] if doc else []
        return sorted(self.offices.find({}), key=lambda d: (d["seq"], d["_id"]))

    def office_exists(self, name):
        return self.offices.find_one({"_id": name}, {"_id": 1}) is not None

    def office_counts(self):
        """[{name, seq, total, subdistrict, community, village, pilots}] in table order, from the counters."""
        rows = []
        for i, doc in enumerate(self.office_docs()):
            counts = doc.get("counts") or {}
            rows.append({"name": doc["_id"], "seq": i + 1, "total": counts.get("total", 0),
                         "pilots": sum(counts.get("pilot_" + level, 0) for level in LEVELS),
                         **{level: counts.get(level, 0) for level in LEVELS}})
        return rows

    def ensure_offices(self, names):
        """Create the offices of ``names`` that do not exist, after the last one, in the order given."""
        missing = [n for n in dict.fromkeys(names) if not self.office_exists(n)]
        if not missing:
            return
        last = (self.meta.find_one({"_id": "office_seq"}) or {}).get("last", 0)
        docs = [{"_id": name, "seq": last + i + 1, "counts": {"total": 0}} for i, name in enumerate(missing)]
        try:
            self.offices.insert_many(docs, ordered=False)
            failed = []
        except BulkWriteError as exc:
            failed = [docs[e["index"]]["_id"] for e in exc.details.get("writeErrors", [])]
        self._note_seq(docs[-1]["seq"])
        for name in failed:  # created meanwhile by someone else, or its place was taken
            self.ensure_office(name)

    def ensure_office(self, name):
        for _ in range(SEQ_RETRIES):
            if self.office_exists(name):
                return
            seq = (self.meta.find_one({"_id": "office_seq"}) or {}).get("last", 0) + 1
            try:
                self.offices.insert_one({"_id": name, "seq": seq, "counts": {"total": 0}})
            except DuplicateKeyError:
                self._note_seq(seq)  # the place was taken: the hint moves past it
                continue
            self._note_seq(seq)
            return
        raise Conflict("新建街道办事处“{}”时冲突过多，请重试".format(name), {"office": [name]})

    def _note_seq(self, seq):
        # only a hint for the next place: the unique index on seq is the guard
        self.meta.update_one({"_id": "office_seq"}, {"$max": {"last": seq}}, upsert=True)

    def recount_offices(self, names):
        """Store each office's counters, counted from its centres by equality on ``office``."""
        for name in dict.fromkeys(names):
            counts = {"total": 0}
            for doc in self.centres.find({"office": name}, {"level": 1, "pilot": 1}):
                counts["total"] += 1
                counts[doc["level"]] = counts.get(doc["level"], 0) + 1
                if doc.get("pilot"):
                    counts["pilot_" + doc["level"]] = counts.get("pilot_" + doc["level"], 0) + 1
            self.offices.update_one({"_id": name}, {"$set": {"counts": counts}})


def count(counts, level, pilot):
    """How many centres of an office match (level, pilot), from its counters."""
    levels = [level] if level else LEVELS
    everyone = sum(counts.get(lv, 0) for lv in levels)
    pilots = sum(counts.get("pilot_" + lv, 0) for lv in levels)
    return everyone if pilot is None else pilots if pilot else everyone - pilots
