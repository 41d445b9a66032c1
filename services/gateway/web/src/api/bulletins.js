// The 通报 (GET /api/bulletins/{period}.docx | .pdf, admin): a month "2018-03", a quarter "2018-Q1" or a year "2018".
import { download, path } from './transport.js'

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
