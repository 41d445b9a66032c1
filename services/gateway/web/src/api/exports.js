// Export jobs (docs/exports.md): the Excel report of a large area, written in the background with its progress.
import { download, get, path, post } from './transport.js'

export const startExport = (body, key) => post('/exports', body, key)
export const exportJob = (id) => get(path`/exports/${id}`)
export const restartExport = (id, key) => post(path`/exports/${id}/restart`, undefined, key)
export const downloadExport = (id) => download(path`/exports/${id}/file`, '建设进度报表.xlsx')
