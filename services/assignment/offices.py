"""The offices of the assignment store (collection ``offices``): their places in the table and their counters.

``seq`` is unique, so two offices created at once cannot take the same place (the loser tries the next);
``bucket`` is ``seq // OFFICE_BUCKET`` (indexed), so a page of offices is read by equality on the few buckets
that cover it, never by reading every office; ``meta`` ``office_seq`` keeps the last place given (``last``),
which is how many places the table has. ``counts`` holds the office's centres by level and its pilots by
level (``pilot_<level>``), recounted by equality on ``office`` after every change of its centres, so listing
offices and placing a page of centres read office documents only, never count centres.
"""
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.errors import Conflict
from shared.retry import retry_on_conflict
from shared.schemas.common import LEVELS

SEQ_RETRIES = 50  # places tried for a new office when others take them at the same time
OFFICE_BUCKET = 100  # offices per bucket (places 1-99 in bucket 0, 100-199 in bucket 1, ...)


def office_row(doc):
    """An office document as ``OfficeSchema``: {name, seq, total, subdistrict, community, village, pilots}."""
    counts = doc.get("counts") or {}
    return {"name": doc["_id"], "seq": doc["seq"], "total": counts.get("total", 0),
            "pilots": sum(counts.get("pilot_" + level, 0) for level in LEVELS),
            **{level: counts.get(level, 0) for level in LEVELS},
            **{code: doc.get(code) for code in ("province", "city", "district")}}


def _new_office(name, seq):
    return {"_id": name, "seq": seq, "bucket": seq // OFFICE_BUCKET, "counts": {"total": 0}}


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

    def office(self, name):
        """One office's row (``office_row``) by ``_id``, or None."""
        doc = self.offices.find_one({"_id": name})
        return None if doc is None else office_row(doc)

    def last_seq(self):
        return (self.meta.find_one({"_id": "office_seq"}) or {}).get("last", 0)

    def office_page(self, offset, limit):
        """(rows, total): the offices in places ``offset + 1`` .. ``offset + limit`` of the table, in order, read
        by equality on the buckets that cover them; ``total`` is the number of places (the kept ``last``).

        A place can be empty (an office whose creation lost a race), so a page may hold fewer than ``limit``
        offices: callers continue at ``offset + limit`` while that is below ``total``. The ``last`` hint may
        lag behind a racing creation; the page that reaches it also reads the rest of its bucket, and a
        higher place found there raises ``total``, so no office stays out of every page."""
        last, end = self.last_seq(), offset + limit
        docs = []
        for bucket in range((offset + 1) // OFFICE_BUCKET, max(min(end, last), offset + 1) // OFFICE_BUCKET + 1):
            docs.extend(self.offices.find({"bucket": bucket}))
        total = max([last] + [d["seq"] for d in docs]) if end >= last else last
        docs = sorted((d for d in docs if offset < d["seq"] <= end), key=lambda d: d["seq"])
        return [office_row(d) for d in docs], total

    def office_counts(self):
        """Every office's row in table order, page by page (tests and small tables)."""
        rows, offset, total = [], 0, 1
        while offset < total:
            page, total = self.office_page(offset, 1000)
            rows.extend(page)
            offset += 1000
        return rows

    def backfill_office_buckets(self):
        """Offices made before they had a ``bucket`` get one (once per database, at start)."""
        for doc in self.offices.find({}, {"seq": 1, "bucket": 1}):
            if doc.get("bucket") != doc["seq"] // OFFICE_BUCKET:
                self.offices.update_one({"_id": doc["_id"]}, {"$set": {"bucket": doc["seq"] // OFFICE_BUCKET}})

    def ensure_offices(self, names):
        """Create the offices of ``names`` that do not exist, after the last one, in the order given."""
        missing = [n for n in dict.fromkeys(names) if not self.office_exists(n)]
        if not missing:
            return
        last = self.last_seq()
        docs = [_new_office(name, last + i + 1) for i, name in enumerate(missing)]
        try:
            self.offices.insert_many(docs, ordered=False)
            failed = []
        except BulkWriteError as exc:
            failed = [docs[e["index"]]["_id"] for e in exc.details.get("writeErrors", [])]
        self._note_seq(docs[-1]["seq"])
        for name in failed:  # created meanwhile by someone else, or its place was taken
            self.ensure_office(name)

    def ensure_office(self, name):
        def write(exists):
            if exists:
                return
            seq = self.last_seq() + 1
            try:
                self.offices.insert_one(_new_office(name, seq))
            except DuplicateKeyError:
                self._note_seq(seq)  # the place was taken: the hint moves past it
                raise Conflict(f"街道办事处序号 {seq} 已被占用", {"office": [name]}) from None
            self._note_seq(seq)
        retry_on_conflict(write, lambda: self.office_exists(name), attempts=SEQ_RETRIES,
                          exhausted=Conflict(f"新建街道办事处“{name}”时冲突过多，请重试", {"office": [name]}))

    def _note_seq(self, seq):
        # only a hint for the next place: the unique index on seq is the guard
        self.meta.update_one({"_id": "office_seq"}, {"$max": {"last": seq}}, upsert=True)

    def recount_offices(self, names):
        """Store each office's counters, counted from its centres by equality on ``office``; then the sums of
        their buckets and of the table (``sum_buckets``)."""
        buckets = set()
        for name in dict.fromkeys(names):
            counts = {"total": 0}
            for doc in self.centres.find({"office": name}, {"level": 1, "pilot": 1}):
                counts["total"] += 1
                counts[doc["level"]] = counts.get(doc["level"], 0) + 1
                if doc.get("pilot"):
                    counts["pilot_" + doc["level"]] = counts.get("pilot_" + doc["level"], 0) + 1
            self.offices.update_one({"_id": name}, {"$set": {"counts": counts}})
            office = self.offices.find_one({"_id": name}, {"seq": 1})
            if office is not None:
                buckets.add(office["seq"] // OFFICE_BUCKET)
        self.sum_buckets(buckets)

    def sum_buckets(self, buckets):
        """``office_buckets`` {_id: bucket, counts}: the counters of a bucket's offices summed (one equality read
        each), and ``meta`` ``office_totals``: the buckets' sums added up.
        Recomputed from their sources, never incremented, so a sum left stale by two changes at once is put
        right by the next change."""
        for bucket in sorted(buckets):
            counts = _summed(d.get("counts") or {} for d in self.offices.find({"bucket": bucket}, {"counts": 1}))
            self.office_buckets.replace_one({"_id": bucket}, {"counts": counts}, upsert=True)
        if buckets:
            totals = _summed(self.bucket_sums().values())
            self.meta.replace_one({"_id": "office_totals"}, {"counts": totals}, upsert=True)

    def bucket_sums(self):
        """{bucket: counts} of every bucket: one read of ``office_buckets``, one small document per 100 offices."""
        return {d["_id"]: d.get("counts") or {} for d in self.office_buckets.find({})}

    def table_counts(self):
        """The counters of every office added up (kept by ``sum_buckets``)."""
        return (self.meta.find_one({"_id": "office_totals"}) or {}).get("counts") or {}

    def offices_from(self, offset, level, pilot):
        """Office documents in table order from the one holding matching centre number ``offset`` (0-based),
        each with ``before`` (matching centres of the offices before it), bucket by bucket: the buckets' sums
        skip the buckets before the page, then one equality read per bucket. A generator: stop when full."""
        seen, sums = 0, self.bucket_sums()
        for bucket in range(max(sums, default=-1) + 1):
            in_bucket = count(sums.get(bucket) or {}, level, pilot)
            if seen + in_bucket <= offset:
                seen += in_bucket
                continue
            for doc in sorted(self.offices.find({"bucket": bucket}), key=lambda d: d["seq"]):
                yield seen, doc
                seen += count(doc.get("counts") or {}, level, pilot)


def _summed(many):
    total = {"total": 0}
    for counts in many:
        for key, n in counts.items():
            total[key] = total.get(key, 0) + n
    return total


def count(counts, level, pilot):
    """How many centres of an office match (level, pilot), from its counters."""
    levels = [level] if level else LEVELS
    everyone = sum(counts.get(lv, 0) for lv in levels)
    pilots = sum(counts.get("pilot_" + lv, 0) for lv in levels)
    return everyone if pilot is None else pilots if pilot else everyone - pilots
