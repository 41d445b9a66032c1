// The Excel report of an area, direct or as an export job (docs/exports.md): ``run()`` downloads it directly; an
// area too large for that (409 export_job_required) starts a job, whose progress is polled every second until it
// is done or failed. The job's id is kept in local storage per person and scope, so a reload finds it again.
import { computed, onBeforeUnmount, ref, watch } from 'vue'
import { downloadExport, errorText, exportJob, newKey, restartExport, session, startExport } from '../api'

const POLL_MS = 1000

export function useExportJob(scope, direct) {
  const job = ref(null)
  const error = ref('')
  const busy = ref(false)
  // a job still queued or running: the button waits for it rather than starting a second one
  const active = computed(() => !!job.value && (job.value.state === 'queued' || job.value.state === 'running'))
  let timer = null
  let alive = true

  const storageKey = () => 'cctrack_export:' + ((session.user && session.user.login) || 'token') + ':' + scope()

  function stop() { if (timer) { clearTimeout(timer); timer = null } }
  function forget() { stop(); job.value = null; localStorage.removeItem(storageKey()) }
  function keep(next) {
    job.value = next
    localStorage.setItem(storageKey(), next.id)
    stop()
    if (alive && (next.state === 'queued' || next.state === 'running')) timer = setTimeout(poll, POLL_MS)
  }
  async function poll() {
    timer = null
    if (!job.value) return
    try {
      keep(await exportJob(job.value.id))
    } catch (e) {
      if (e.status === 404) { forget(); return }  // gone, or not this person's: nothing to resume
      error.value = errorText(e) + '，稍后自动重试'
      if (alive) timer = setTimeout(poll, POLL_MS * 5)
      return
    }
    error.value = ''
  }
  async function resume() {
    stop()
    job.value = null
    const id = localStorage.getItem(storageKey())
    if (!id) return
    job.value = { id, state: 'queued', rows: 0, total: 0, percent: 0 }
    await poll()
  }
  async function run(body) {
    error.value = ''
    busy.value = true
    try {
      await direct()
    } catch (e) {
      if (e.code !== 'export_job_required') { error.value = errorText(e); busy.value = false; return }
      try { keep(await startExport({ kind: 'progress', ...body }, newKey())) } catch (e2) { error.value = errorText(e2) }
    }
    busy.value = false
  }
  async function download() {
    error.value = ''
    try { await downloadExport(job.value.id) } catch (e) {
      error.value = e.status === 404 ? '文件已过期或已被清理，请点击“重新导出”' : errorText(e)
    }
  }
  async function restart() {
    error.value = ''
    try { keep(await restartExport(job.value.id, newKey())) } catch (e) { error.value = errorText(e) }
  }

  watch(scope, resume, { immediate: true })
  onBeforeUnmount(() => { alive = false; stop() })
  return { job, error, busy, active, run, download, restart, forget }
}
