"""Survey results per centre, office and district, by month, quarter and year, from counters.

Every accepted answer (web form or evaluator import) adds to nine small documents in ``survey_counts``:
``centre:<id>:<period>``, ``office:<name>:<period>`` (with a part per centre) and ``district:<period>``
(with a part per office), for the periods ``YYYY-MM``, ``YYYY-Qn`` and ``YYYY``. A result is then one
``_id`` read, whatever the number of answers. The answers themselves stay insert-guarded (one per client,
centre and day); the counters are read-modify-write (FerretDB has no atomic ``$inc``), so they are changed
one at a time under ``LOCK``: run ONE replica of the indicators service, like the reporting service.
"""
from eventlet.semaphore import Semaphore

from services.indicators.survey import QUESTION_KEYS

LOCK = Semaphore(1)


def periods(month):
    """The month, its quarter and its year: ("2018-05", "2018-Q2", "2018")."""
    year, number = month[:4], int(month[5:7])
    return month, f"{year}-Q{(number - 1) // 3 + 1}", year


def period_key(month=None, quarter=None, year=None):
    if month:
        return month
    if quarter:
        return f"{year}-Q{quarter}"
    return str(year)


def doc_id(scope, subject, period):
    return f"district:{period}" if scope == "district" else f"{scope}:{subject}:{period}"


def _empty():
    return {"responses": 0, "good": 0, "sums": dict.fromkeys(QUESTION_KEYS, 0)}


def _add(counts, response):
    counts["responses"] += 1
    counts["good"] += 1 if response["ratings"]["overall"] >= 4 else 0
    for k in QUESTION_KEYS:
        counts["sums"][k] = counts["sums"].get(k, 0) + response["ratings"][k]


def increments(responses):
    """{doc id: {"counts", "parts": {part: counts}}} that ``responses`` add."""
    out = {}
    for r in responses:
        for period in periods(r["month"]):
            for scope, subject, part in (("centre", r["centre_id"], None), ("office", r["office"], r["centre_id"]),
                                         ("district", None, r["office"])):
                entry = out.setdefault(doc_id(scope, subject, period), {"scope": scope, "subject": subject,
                                                                        "period": period, "counts": _empty(),
                                                                        "parts": {}})
                _add(entry["counts"], r)
                if part is not None:
                    _add(entry["parts"].setdefault(part, _empty()), r)
    return out


def _merge(into, counts):
    into["responses"] += counts["responses"]
    into["good"] += counts["good"]
    for k, v in counts["sums"].items():
        into["sums"][k] = into["sums"].get(k, 0) + v


def count(store, responses):
    """Add ``responses`` (already stored) to the counters."""
    with LOCK:
        for key, entry in sorted(increments(responses).items()):
            doc = store.survey_count(key) or {"_id": key, "scope": entry["scope"], "subject": entry["subject"],
                                              "period": entry["period"], **_empty(), "parts": {}}
            _merge(doc, entry["counts"])
            for part, counts in entry["parts"].items():
                _merge(doc["parts"].setdefault(part, _empty()), counts)
            store.put_survey_count(doc)


def summary(counts):
    """{"responses", "good", "average": {question: mean}, "satisfaction_rate"} of a counter (or None)."""
    counts = counts or _empty()
    total = counts["responses"]
    return {"responses": total, "good": counts["good"],
            "average": {k: (round(counts["sums"].get(k, 0) / total, 2) if total else None) for k in QUESTION_KEYS},
            "satisfaction_rate": round(100.0 * counts["good"] / total, 2) if total else None}


def read(store, scope, subject, period):
    return store.survey_count(doc_id(scope, subject, period))
