// The 通报 (GET /api/bulletins/{period}.docx | .pdf, admin): a month "2018-03", a quarter "2018-Q1" or a year "2018".
import { download, get, path, request } from './transport.js'

export const KINDS = [
  { name: 'month', label: '月度' },
  { name: 'quarter', label: '季度' },
  { name: 'year', label: '年度' },
]

// The period as the API names it: ('month', 2018, 3) -> "2018-03", ('quarter', 2018, 1) -> "2018-Q1", ('year', 2018) -> "2018".
export function periodKey(kind, year, number) {
  if (kind === 'month') return `${year}-${String(number).padStart(2, '0')}`
  if (kind === 'quarter') return `${year}-Q${number}`
  return String(year)
}

// The period in words, as the document's title has it.
export function periodLabel(kind, year, number) {
  if (kind === 'month') return `${year}年${number}月`
  if (kind === 'quarter') return `${year}年第${'一二三四'[number - 1]}季度`
  return `${year}年`
}

export const bulletinPath = (period, format) => path`/bulletins/${period}` + '.' + format

// Saves the document (format "docx" or "pdf") with the file name the server gives.
export function downloadBulletin(period, format) {
  return download(bulletinPath(period, format), `建设进展情况通报-${period}.${format}`)
}

// The period in words from the API's name of it: "2018-03", "2018-Q1" or "2018".
export function keyLabel(key) {
  const [year, rest] = key.split('-')
  if (!rest) return periodLabel('year', Number(year))
  if (rest.startsWith('Q')) return periodLabel('quarter', Number(year), Number(rest.slice(1)))
  return periodLabel('month', Number(year), Number(rest))
}

// The schedule that sends the 通报 by itself (GET|PUT /api/bulletins/schedule, admin).
export const getBulletinSchedule = () => get('/bulletins/schedule')
export const saveBulletinSchedule = (body) => request('PUT', '/bulletins/schedule', body)
