// What the bureau's charts are drawn from: the district's progress over time (its daily snapshots) and each
// phase's district totals (one roll-up per phase of the plan), loaded together; each part that fails says so.
import { ref } from 'vue'
import { errorText, progress, progressTrend } from '../api'
import { entries } from '../format.js'

export function useDeskCharts() {
  const trend = ref(null)
  const phases = ref([])
  const error = ref('')

  async function loadCharts(asOf) {
    error.value = ''
    const codes = entries('phases').map(([code, label]) => ({ phase: Number(code), name: label }))
    const [t, ...perPhase] = await Promise.allSettled([
      progressTrend({ points: 60, until: asOf }),
      ...codes.map((p) => progress({ phase: p.phase, as_of: asOf, limit: 1 })),
    ])
    trend.value = t.status === 'fulfilled' ? t.value : null
    phases.value = codes.map((p, i) => {
      const r = perPhase[i]
      const totals = r.status === 'fulfilled' ? r.value.totals : { done: 0, total: 0, percent_done: 0 }
      return { ...p, done: totals.done, total: totals.total, percent: Math.round(totals.percent_done) }
    })
    const failed = [t, ...perPhase].find((r) => r.status === 'rejected')
    if (failed) error.value = errorText(failed.reason)
  }
  return { trend, phases, error, loadCharts }
}
