// Figures from the read model: district progress, overdue items, centre and office summaries, the Excel report.
import { download, get, path, query } from './transport.js'

export const progress = (params) => get('/progress', params)
export const overdue = (params) => get('/overdue', params)
export const centreSummaries = (params) => get('/centre-summaries', params)
export const officeSummary = (office) => get(path`/offices/${office}/summary`)
export const centreSummary = (centreId) => get(path`/centres/${centreId}/summary`)
export const exportProgress = (asOf) => download('/reports/progress.xlsx?as_of=' + encodeURIComponent(asOf), '建设进度报表.xlsx')
export const progressTrend = (params) => get('/progress/trend', params)
export const exportOverdue = (params) => download('/overdue/export.xlsx' + query(params), '逾期清单.xlsx')
