"""Expiry of the gateway's short-lived records, by equality on their day.

FerretDB v1 has no TTL indexes, and a range on a date would read every document, so each
short-lived record carries the ISO ``day`` it belongs to (indexed) and the sweep deletes
whole days by equality, from the day after the last one it swept up to the newest day that
may go. Which days were swept is kept in ``meta`` (``_id`` "expiry"), so a restart goes on
where it stopped; a first sweep looks back ``LOOK_BACK_DAYS``. Every gateway replica may run
it: deleting a day twice deletes nothing the second time.

- ``idempotency_keys``: kept ``idempotency.KEEP_SECONDS`` (7 days), then a retry runs anew;
- ``login_failures``: only the last 45 minutes decide a lockout; kept one full day;
- ``sessions``: ``day`` is the day last seen (rewritten with ``last_seen``); a session idle
  for longer than ``SESSION_IDLE_MINUTES`` is refused anyway, and deleted here the day after.
"""
from datetime import date, timedelta

from shared.mongo import upsert_by_id

LOOK_BACK_DAYS = 60
META_ID = "expiry"


def last_days(now, idle, keep_seconds):
    """For each collection, the newest day (ISO) whose records may be deleted at ``now``."""
    today = now.date()
    return {"idempotency_keys": (today - timedelta(days=keep_seconds // 86400 + 1)).isoformat(),
            "login_failures": (today - timedelta(days=2)).isoformat(),
            "sessions": ((now - idle).date() - timedelta(days=1)).isoformat()}


def days_between(first_exclusive, last_inclusive, today):
    """ISO days after ``first_exclusive`` (None: ``LOOK_BACK_DAYS`` before today) up to ``last_inclusive``."""
    start = (today - timedelta(days=LOOK_BACK_DAYS) if first_exclusive is None
             else _day(first_exclusive) + timedelta(days=1))
    end = _day(last_inclusive)
    while start <= end:
        yield start.isoformat()
        start += timedelta(days=1)


def _day(iso):
    return date.fromisoformat(iso)


def sweep(db, now, idle, keep_seconds):
    """Delete expired records day by day; returns {collection: documents deleted}."""
    meta = db.meta.find_one({"_id": META_ID}) or {}
    swept = dict(meta.get("through") or {})
    deleted = {}
    for name, last in last_days(now, idle, keep_seconds).items():
        deleted[name] = 0
        for day in days_between(swept.get(name), last, now.date()):
            deleted[name] += db[name].delete_many({"day": day}).deleted_count
            swept[name] = day
    upsert_by_id(db.meta, META_ID, {"through": swept, "at": now})
    return deleted
