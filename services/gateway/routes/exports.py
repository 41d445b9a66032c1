"""Export jobs (docs/exports.md): the Excel report of a large area, written outside the request with its progress.

``POST /api/exports`` {kind: "progress", area, as_of} -> 202 and the job; ``GET /api/exports/<id>`` the job
(state, rows done of total, percent); ``GET /api/exports/<id>/file`` the finished workbook from the object store
(Range, ETag); ``POST /api/exports/<id>/restart`` a failed (or finished) job queued again. A job is its owner's: anyone else
gets 404. Every gateway replica's timer runs queued jobs, each claimed once (services/gateway/exports.py).
"""
import logging
import tempfile
from datetime import UTC, datetime
from urllib.parse import quote

from eventlet import tpool
from marshmallow import fields, validate

from services.gateway import objects
from services.gateway.exports import (
    DONE,
    FAILED,
    QUEUED,
    Stopped,
    owner_of,
    public,
)
from services.gateway.http import http, json_body, json_response
from services.gateway.openapi import document
from services.gateway.progress_export import ExportQuery, Hooks, area_centres, write_workbook
from services.gateway.routes.dashboard import XLSX
from shared.authz import area_filter
from shared.clock import today
from shared.errors import Conflict, NotFound
from shared.objects import object_store
from shared.schemas.common import Day, StrictSchema, load_or_raise
from shared.settings import settings, timer

log = logging.getLogger(__name__)
TAG = "reports"


class ExportRequestSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("progress",), error="导出类型只能是 progress（建设进度报表）"))
    area = fields.String(load_default=None, allow_none=True,
                         validate=validate.Regexp(r"^(\d{2}|\d{4}|\d{6})$", error="区划代码应为 2、4 或 6 位数字"),
                         metadata={"description": "the area (province, city or district code); default the account's"})
    as_of = Day(load_default=None, allow_none=True)


class ExportJobSchema(StrictSchema):
    id = fields.String()
    kind = fields.String()
    area = fields.String(allow_none=True)
    as_of = fields.String()
    state = fields.String(metadata={"description": "queued, running, done or failed"})
    rows = fields.Integer(metadata={"description": "centres written so far"})
    total = fields.Integer(metadata={"description": "centres of the area"})
    percent = fields.Float()
    attempt = fields.Integer()
    created_at = fields.String(allow_none=True)
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    filename = fields.String(allow_none=True)
    error = fields.String(allow_none=True, metadata={"description": "why it failed, for people"})
    file = fields.String(allow_none=True, metadata={"description": "where the finished file is downloaded"})


document("/api/exports", "post", "开始一个导出任务（大区划的建设进度 Excel 报表在后台生成，返回任务及其进度）", tag=TAG,
         roles=("admin",), body=ExportRequestSchema, response=ExportJobSchema, status=202, errors=(400, 401, 403))
document("/api/exports/{job_id}", "get", "导出任务的状态与进度（已完成中心数/总数、百分比）；只有发起人可见", tag=TAG,
         roles=("admin",), response=ExportJobSchema, errors=(401, 403, 404))
document("/api/exports/{job_id}/file", "get", "下载已完成的导出文件（支持 Range 与 ETag）", tag=TAG, roles=("admin",),
         produces=(XLSX,), errors=(401, 403, 404, 409))
document("/api/exports/{job_id}/restart", "post", "重新导出：失败或已完成的任务按原条件重新排队（同一任务号）", tag=TAG, roles=("admin",),
         response=ExportJobSchema, status=202, body_required=False, errors=(401, 403, 404, 409))


def wall():
    """Jobs live in real time (a frozen CLOCK_NOW must not stop a runner's beat from ageing)."""
    return datetime.now(UTC)


class ExportRoutes:
    """The routes and the runner; the service holds ``exports = Mongo(ExportStore)`` (its own stores are declared
    on the service class, where the index checks find them)."""

    def _own_job(self, principal, job_id):
        """The caller's job (a stale runner's job marked failed first), or 404: another's job is not shown."""
        job = self.exports.owned(job_id, owner_of(principal))
        if job is None:
            raise NotFound("导出任务不存在或不属于您", {"job_id": [str(job_id)]})
        return self.exports.mark_stale(job, wall(), settings().export_stale_seconds)

    @http("POST", "/api/exports", action="reports.export")
    def post_export(self, request, principal):
        query = load_or_raise(ExportRequestSchema(), json_body(request), "导出条件有误")
        as_of = query["as_of"] or today()
        area = area_filter(principal, "reports.export", query["area"])
        total = area_centres(self, area, 10 ** 9)
        job = self.exports.create(owner_of(principal), {"kind": query["kind"], "area": area, "as_of": as_of.isoformat()},
                                  total, wall())
        self.tokens.accounts.audit("export_requested", principal.label(), job["_id"],
                                   {"kind": job["kind"], "area": area, "as_of": job["as_of"], "centres": total},
                                   self.clock.now())
        return json_response(public(job), 202)

    @http("GET", "/api/exports/<job_id>", action="reports.export")
    def get_export(self, request, principal, job_id):
        return public(self._own_job(principal, job_id))

    @http("GET", "/api/exports/<job_id>/file", action="reports.export")
    def get_export_file(self, request, principal, job_id):
        job = self._own_job(principal, job_id)
        if job["state"] != DONE:
            raise Conflict("导出尚未完成，请等待进度到 100% 后再下载", {"state": [job["state"]]})
        self.tokens.accounts.audit("export_downloaded", principal.label(), job["_id"],
                                   {"kind": job["kind"], "area": job.get("area"), "as_of": job["as_of"]}, self.clock.now())
        return objects.send(request, job["key"], XLSX, {
            "Content-Disposition": "attachment; filename*=UTF-8''" + quote(job["filename"])})

    @http("POST", "/api/exports/<job_id>/restart", action="reports.export")
    def post_export_restart(self, request, principal, job_id):
        job = self._own_job(principal, job_id)
        if job["state"] not in (FAILED, DONE):
            raise Conflict("导出任务正在进行，无需重新开始", {"state": [job["state"]]})
        job = self.exports.restart(job, wall())
        self.tokens.accounts.audit("export_restarted", principal.label(), job["_id"], {"attempt": job["attempt"]},
                                   self.clock.now())
        return json_response(public(job), 202)

    @timer("EXPORT_TICK_SECONDS")
    def run_export_jobs(self):
        """Stale jobs marked failed, then one queued job claimed and run (exports.py)."""
        store = self.exports
        store.sweep_stale(wall(), settings().export_stale_seconds)
        for job in store.of_state(QUEUED):
            if store.claim(job):
                self._run_export(store, job)
                return

    def _run_export(self, store, job):
        job = store.start(job, wall())
        as_of = datetime.fromisoformat(job["as_of"]).date()
        state = {"job": job}

        def progress(rows):
            state["job"] = store.beat(state["job"], rows, wall())

        try:
            with tempfile.TemporaryFile() as out:
                rows = write_workbook(self, ExportQuery(job.get("area"), as_of, today()), out,
                                      Hooks(progress, lambda: self._indicator_ranking(as_of), tpool.execute))
                size = out.tell()
                out.seek(0)
                key = object_store().put_file(out)
            store.finish({**state["job"], "rows": rows}, key, size, f"建设进度报表-{job.get('area') or '全部'}-{job['as_of']}.xlsx",
                         wall())
        except Stopped:
            log.info("export %s stopped: no longer running", job["_id"])
        except Exception:
            log.exception("export %s failed", job["_id"])
            store.fail(state["job"], "导出失败（读取数据或写入文件时出错），请稍后点击“重新导出”", wall())
