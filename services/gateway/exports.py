"""Export jobs (docs/exports.md): the Excel report of an area too large to write while a request waits.

A job is one document of the gateway's store (``export_jobs``): who asked (``owner``), what (``kind`` progress,
``area``, ``as_of``), its ``state`` (queued, running, done, failed), ``rows`` done of ``total`` (centres), ``attempt``
and ``beat`` (the runner's last sign of life). ``POST /api/exports`` inserts it queued; every gateway replica's
timer (``EXPORT_TICK_SECONDS``) looks for queued jobs (equality on the indexed ``state``) and claims one by
inserting ``export_claims`` ``{_id: "<job>:<attempt>"}``: the insert is guarded by the unique ``_id``, so exactly
one replica runs each attempt (store rules: no compare-and-set). The runner writes the workbook page by page
(progress_export.py), updates ``rows`` and ``beat`` after each page, puts the file into the object store
(shared/objects.py, keyed by its SHA-256) and marks the job done with its ``key``.

A runner that dies (its process killed, its replica gone) stops beating: a job running without a beat for
``EXPORT_STALE_SECONDS`` is marked failed, by any replica's timer or by the next read of the job, and can be
restarted (``attempt`` + 1, queued again: a new claim). A runner that finds its job no longer running (marked
failed meanwhile) stops at its next page.
"""
import uuid
from datetime import timedelta

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATES = (QUEUED, RUNNING, DONE, FAILED)
LOOK = 20  # queued or running jobs read per tick (equality on ``state``, bounded)
FAILED_MESSAGE = "导出中断（处理导出的服务已停止），请点击“重新导出”"


class Stopped(Exception):
    """The job is no longer this runner's (marked failed meanwhile): stop writing."""


def owner_of(principal):
    """Who a job belongs to: the person (``user:<id>``) or the token (``token:<prefix>``)."""
    if principal.get("user_id"):
        return "user:" + str(principal["user_id"])
    return "token:" + str(principal.get("token") or principal.get("name") or "?")


class ExportStore:
    def __init__(self, db):
        self.db = db
        self.jobs = db.export_jobs
        self.claims = db.export_claims

    def ensure_indexes(self):
        self.jobs.create_index([("state", ASCENDING)], name="state")

    def create(self, owner, query, total, now):
        """A queued job: ``query`` {kind, area, as_of (ISO day)}; ``total`` the area's centres."""
        doc = {"_id": uuid.uuid4().hex, "owner": owner, "kind": query["kind"], "area": query.get("area"),
               "as_of": query["as_of"], "state": QUEUED, "rows": 0, "total": total, "attempt": 1, "created_at": now,
               "started_at": None, "finished_at": None, "beat": now, "key": None, "size": None, "filename": None,
               "error": None}
        self.jobs.insert_one(doc)
        return doc

    def get(self, job_id):
        return self.jobs.find_one({"_id": str(job_id)})

    def owned(self, job_id, owner):
        """The job ``job_id`` when it is ``owner``'s, else None (one ``_id`` read)."""
        job = self.get(job_id)
        return job if job is not None and job.get("owner") == owner else None

    def claim(self, job):
        """True for the one caller that claims this attempt of ``job`` (a unique insert)."""
        try:
            self.claims.insert_one({"_id": "{}:{}".format(job["_id"], job["attempt"])})
        except DuplicateKeyError:
            return False
        return True

    def of_state(self, state, limit=LOOK):
        return list(self.jobs.find({"state": state}).limit(limit))

    def _set(self, job, fields):
        self.jobs.update_one({"_id": job["_id"]}, {"$set": fields})
        return {**job, **fields}

    def start(self, job, now):
        return self._set(job, {"state": RUNNING, "started_at": now, "beat": now, "rows": 0})

    def beat(self, job, rows, now):
        """Progress of a running job; Stopped when it is no longer running this attempt (one ``_id`` read)."""
        current = self.get(job["_id"])
        if current is None or current["state"] != RUNNING or current["attempt"] != job["attempt"]:
            raise Stopped(job["_id"])
        return self._set(job, {"rows": rows, "beat": now})

    def finish(self, job, key, size, filename, now):
        rows = job.get("rows", 0)  # the area may have changed since it was counted: the total is what was written
        return self._set(job, {"state": DONE, "key": key, "size": size, "filename": filename, "finished_at": now,
                               "beat": now, "rows": rows, "total": rows})

    def fail(self, job, message, now):
        return self._set(job, {"state": FAILED, "error": message, "finished_at": now})

    def restart(self, job, now):
        return self._set(job, {"state": QUEUED, "attempt": job["attempt"] + 1, "rows": 0, "error": None,
                               "started_at": None, "finished_at": None, "beat": now, "key": None, "size": None})

    def mark_stale(self, job, now, seconds):
        """``job`` marked failed when it is running and its runner gave no sign of life for ``seconds``."""
        if job["state"] == RUNNING and job.get("beat") is not None and now - job["beat"] > timedelta(seconds=seconds):
            return self.fail(job, FAILED_MESSAGE, now)
        return job

    def sweep_stale(self, now, seconds):
        """Running jobs without a beat for ``seconds`` marked failed, and queued ones claimed that long ago whose
        runner died before it started them. Returns their ids."""
        failed = [j["_id"] for j in self.of_state(RUNNING) if self.mark_stale(j, now, seconds)["state"] == FAILED]
        for job in self.of_state(QUEUED):
            old = job.get("beat") is not None and now - job["beat"] > timedelta(seconds=seconds)
            if old and self.claims.find_one({"_id": "{}:{}".format(job["_id"], job["attempt"])}) is not None:
                self.fail(job, FAILED_MESSAGE, now)
                failed.append(job["_id"])
        return failed


def public(job):
    """The job as the API shows it (no owner, no store key)."""
    total, rows = job.get("total") or 0, job.get("rows") or 0
    percent = 100.0 if job["state"] == DONE else (round(min(100.0, 100.0 * rows / total), 1) if total else 0.0)
    return {"id": job["_id"], "kind": job["kind"], "area": job.get("area"), "as_of": job["as_of"], "state": job["state"],
            "rows": rows, "total": total, "percent": percent, "attempt": job["attempt"],
            "created_at": _iso(job.get("created_at")), "started_at": _iso(job.get("started_at")),
            "finished_at": _iso(job.get("finished_at")), "size": job.get("size"), "filename": job.get("filename"),
            "error": job.get("error"),
            "file": "/api/exports/{}/file".format(job["_id"]) if job["state"] == DONE else None}


def _iso(value):
    return value.isoformat() if value is not None else None
