// ECharts for the bureau's desktop, bundled and tree-shaken (only the charts and parts used here), drawn on
// canvas. Colours: the three-colour status palette, and a graded scale for the heat map (never one solid red).
import { use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { BarChart, FunnelChart, HeatmapChart, LineChart, MapChart, PieChart, ScatterChart } from 'echarts/charts'
import { GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components'

use([CanvasRenderer, BarChart, FunnelChart, HeatmapChart, LineChart, MapChart, PieChart, ScatterChart,
  GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent])

export { registerMap } from 'echarts/core'
export { default as VChart } from 'vue-echarts'

export const COLOURS = { red: '#d32f2f', yellow: '#f9a825', blue: '#1976d2', green: '#2e7d32' }
export const COLOUR_NAMES = { red: '红', yellow: '黄', blue: '蓝', green: '绿' }
// share overdue, 0 (none) to 100 (all): pale green through amber to deep red
export const HEAT_SCALE = ['#e8f5e9', '#fff3c4', '#ffcc80', '#f57c00', '#c62828', '#7f0000']

// The progress over time: percent done (left axis) and overdue milestones (right axis).
export function trendOption(points) {
  return {
    tooltip: { trigger: 'axis' },
    legend: { data: ['完成率', '逾期里程碑'], top: 0 },
    grid: { left: 48, right: 52, top: 32, bottom: 28 },
    xAxis: { type: 'category', data: points.map((p) => p.day), boundaryGap: false },
    yAxis: [{ type: 'value', name: '%', max: 100, min: 0 }, { type: 'value', name: '项', minInterval: 1 }],
    series: [
      { name: '完成率', type: 'line', smooth: true, areaStyle: { opacity: 0.15 }, color: '#1976d2',
        data: points.map((p) => p.percent_done) },
      { name: '逾期里程碑', type: 'line', yAxisIndex: 1, color: '#d32f2f', data: points.map((p) => p.overdue) },
    ],
  }
}

// The five phases as a funnel: each phase's percent done, in phase order.
export function funnelOption(phases) {
  return {
    tooltip: { formatter: (p) => `${p.name}<br>完成 ${p.data.done}/${p.data.total}（${p.value}%）` },
    series: [{ type: 'funnel', sort: 'none', left: 10, right: 10, top: 8, bottom: 8, min: 0, max: 100,
      minSize: '30%', label: { position: 'inside', formatter: (p) => `${p.name} ${p.value}%`, color: '#fff', fontSize: 13 },
      color: ['#0d47a1', '#1565c0', '#1976d2', '#1e88e5', '#42a5f5'],
      data: phases.map((p) => ({ name: p.name, value: p.percent, done: p.done, total: p.total })) }],
  }
}

// The offices by percent done, the best on top.
export function rankingOption(offices) {
  const rows = [...offices].reverse()
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    yAxis: { type: 'category', data: rows.map((o) => o.office), axisLabel: { fontSize: 12 } },
    series: [{ type: 'bar', data: rows.map((o) => o.percent_done), color: '#2e7d32', barMaxWidth: 18,
      label: { show: true, position: 'right', formatter: '{c}%' } }],
  }
}

// The three colours (or four with blue) of the milestones, when the API gives them.
export function coloursOption(colours) {
  return {
    tooltip: { formatter: '{b}：{c}（{d}%）' },
    legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['40%', '68%'], top: 0, bottom: 24,
      data: Object.keys(COLOURS).filter((k) => colours[k] != null)
        .map((k) => ({ name: COLOUR_NAMES[k], value: colours[k], itemStyle: { color: COLOURS[k] } })) }],
  }
}

// The heat map (office x phase): each cell coloured by its share overdue, labelled with the overdue count of
// its milestones ("3/12") or, with none overdue, its percent done.
export function heatOption(offices, phases, cell) {
  const data = []
  offices.forEach((o, y) => phases.forEach((p, x) => {
    const c = cell(o, p.phase)
    const share = c && c.total ? Math.round((100 * c.overdue) / c.total) : null
    if (share != null) data.push({ value: [x, y, share], cell: c, label: { color: share > 45 ? '#fff' : '#222' } })
  }))
  return {
    tooltip: { formatter: (p) => `${offices[p.value[1]]} · ${phases[p.value[0]].name}<br>逾期 ${p.data.cell.overdue}/${p.data.cell.total}，`
      + `完成 ${Math.round(p.data.cell.percent_done)}%` },
    grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
    xAxis: { type: 'category', data: phases.map((p) => p.name), position: 'top', axisLabel: { interval: 0, fontSize: 12 } },
    yAxis: { type: 'category', data: offices, inverse: true, axisLabel: { fontSize: 12 } },
    visualMap: { min: 0, max: 100, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 160,
      text: ['逾期占比 100%', '0%'], inRange: { color: HEAT_SCALE } },
    series: [{ type: 'heatmap', data, itemStyle: { borderColor: '#fff', borderWidth: 2 },
      label: { show: true, fontSize: 12, formatter: (p) => (p.data.cell.overdue ? `${p.data.cell.overdue}/${p.data.cell.total}`
        : `${Math.round(p.data.cell.percent_done)}%`) },
      emphasis: { itemStyle: { borderColor: '#333', borderWidth: 2 } } }],
  }
}
