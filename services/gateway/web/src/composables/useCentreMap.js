// The centres' map: the district's boundary (uploaded GeoJSON, registered with ECharts as "district") and
// the centres that have coordinates, each with its status from the read model's centre summaries.
import { computed, ref } from 'vue'
import { centreSummaries, errorText, getBoundary, listCentres } from '../api'
import { registerMap } from '../charts.js'

export const STATUSES = [
  { key: 'overdue', label: '有逾期', color: '#d32f2f' },
  { key: 'progress', label: '进行中', color: '#1976d2' },
  { key: 'done', label: '已完成', color: '#2e7d32' },
  { key: 'waiting', label: '未开始', color: '#616161' },
]

// the four colours, when the read model gives each centre one (red overdue, yellow behind, blue due soon, green)
export const COLOUR_STATUSES = [
  { key: 'red', label: '红（逾期）', color: '#d32f2f' },
  { key: 'yellow', label: '黄（落后）', color: '#f9a825' },
  { key: 'blue', label: '蓝（临近到期）', color: '#1976d2' },
  { key: 'green', label: '绿（正常）', color: '#2e7d32' },
]

export function statusOf(summary) {
  if (summary && summary.colour) return summary.colour
  if (!summary || !summary.total) return 'waiting'
  if (summary.overdue) return 'overdue'
  if (summary.done >= summary.total) return 'done'
  return summary.done ? 'progress' : 'waiting'
}

// every page of a paged list (limit 1000), bounded to `pages` pages
async function allPages(fetch, pages = 20) {
  const items = []
  for (let offset = 0, n = 0; n < pages; n += 1, offset += 1000) {
    const page = await fetch({ limit: 1000, offset })
    items.push(...page.items)
    if (items.length >= page.total || !page.items.length) break
  }
  return items
}

export function useCentreMap() {
  const boundary = ref(null)   // { version, filename, features, uploaded_at } once registered
  const missing = ref(false)   // no boundary uploaded yet
  const centres = ref([])      // { id, name, office, lat, lng, status }
  const unplaced = ref(0)      // centres without coordinates
  const error = ref('')

  async function loadBoundary() {
    missing.value = false
    try {
      const b = await getBoundary()
      registerMap('district', b.geojson)
      boundary.value = { ...b, geojson: undefined }
    } catch (e) {
      if (e.status === 404) { missing.value = true; boundary.value = null } else throw e
    }
  }

  async function load() {
    error.value = ''
    try {
      const [, list, summaries] = await Promise.all([loadBoundary(), allPages(listCentres), allPages(centreSummaries)])
      const byId = Object.fromEntries(summaries.map((s) => [s.centre_id, s]))
      const placed = list.filter((c) => c.lat != null && c.lng != null)
      unplaced.value = list.length - placed.length
      centres.value = placed.map((c) => ({ id: c.id, name: c.name, office: c.office, lat: c.lat, lng: c.lng,
        status: statusOf(byId[c.id]), summary: byId[c.id] }))
    } catch (e) { error.value = errorText(e) }
  }

  const statuses = computed(() => (centres.value.some((c) => c.summary && c.summary.colour) ? COLOUR_STATUSES : STATUSES))
  const option = computed(() => ({
    tooltip: { formatter: (p) => (p.data && p.data.centre ? `${p.data.centre.name}<br>${p.data.centre.office} · ${p.seriesName}` : p.name) },
    legend: { bottom: 0, data: statuses.value.map((s) => s.label) },
    geo: { map: 'district', roam: true, top: 16, bottom: 40, label: { show: true, color: '#455a64', fontSize: 12 },
      itemStyle: { areaColor: '#eef3f8', borderColor: '#78909c' }, emphasis: { itemStyle: { areaColor: '#dfe9f3' } } },
    series: statuses.value.map((s) => ({ name: s.label, type: 'scatter', coordinateSystem: 'geo', symbolSize: 14, color: s.color,
      itemStyle: { borderColor: '#fff', borderWidth: 1.5, opacity: 1 },
      data: centres.value.filter((c) => c.status === s.key).map((c) => ({ name: c.name, value: [c.lng, c.lat], centre: c })) })),
  }))

  return { boundary, missing, centres, unplaced, error, option, load, loadBoundary }
}
