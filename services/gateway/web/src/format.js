// How values are shown: names of codes from the server's one table of labels (GET /api/labels,
// shared/labels.py), loaded once after login, and dates, times, sizes, percentages.
import { reactive } from 'vue'
import { getLabels } from './api/labels.js'

export const labels = reactive({})
let loading = null

// Once per page load (and again after a failure); the router waits for it before showing a page.
export function loadLabels() {
  if (!loading) {
    loading = getLabels().then((tables) => { Object.assign(labels, tables) }).catch((e) => { loading = null; throw e })
  }
  return loading
}

// name('milestone_statuses', 'done') -> 已完成; the code itself when the table does not know it
export function name(table, code) {
  const names = labels[table] || {}
  return code == null ? '' : names[code] ?? String(code)
}
// The codes of a table in the server's order, with their names: [[code, name], ...]
export function entries(table) { return Object.entries(labels[table] || {}) }

export function pct(x) { return x == null ? '–' : (Math.round(x * 10) / 10) + '%' }
export function day(x) { return x ? String(x).slice(0, 10) : '–' }
export function time(x) { return x ? String(x).replace('T', ' ').slice(0, 16) : '–' }
export function size(n) { return n > 1048576 ? (n / 1048576).toFixed(1) + ' MB' : Math.ceil(n / 1024) + ' KB' }
// The programme's calendar day (the server's TIMEZONE, Asia/Shanghai), not the browser's: a
// bureau laptop set to UTC must not ask for yesterday's figures after 16:00 UTC.
export function today() { return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date()) }
