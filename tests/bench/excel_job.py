"""The Excel report as the bench measures it: directly when the area is small, else through an export job
(docs/exports.md): POST /api/exports, GET /api/exports/<id> until done, then its file."""
import time


def excel_report(http, base, area=None, as_of=None, timeout=7200):
    """(milliseconds, bytes of the file, the job or None): the direct download, or on 409 export_job_required
    the job from its start to its file downloaded."""
    params = {k: v for k, v in (("area", area), ("as_of", as_of)) if v}
    start = time.perf_counter()
    response = http.get(base + "/api/reports/progress.xlsx", params=params, timeout=timeout)
    if response.status_code != 409 or response.json().get("error") != "export_job_required":
        response.raise_for_status()
        return (time.perf_counter() - start) * 1000, len(response.content), None
    started = http.post(base + "/api/exports", json={"kind": "progress", **params}, timeout=600)
    started.raise_for_status()
    job, deadline = started.json(), time.monotonic() + timeout
    while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(1)
        job = http.get(base + "/api/exports/" + job["id"], timeout=600).json()
    if job["state"] != "done":
        raise RuntimeError(f"export job {job['id']} {job['state']}: {job.get('error')}")
    file = http.get(base + job["file"], timeout=timeout)
    file.raise_for_status()
    return (time.perf_counter() - start) * 1000, len(file.content), job
