// A centre's milestones, their progress reports, evidence and history (the milestones service).
import { get, path, upload } from './transport.js'

export const centreMilestones = (centreId, params) => get(path`/centres/${centreId}/milestones`, params)
export const centreHistory = (centreId) => get(path`/centres/${centreId}/history`)
// form: multipart (status, percent, note, reason, based_on_version, evidence files)
export const reportProgress = (centreId, key, form, opts) => upload(path`/centres/${centreId}/milestones/${key}/progress`, form, opts)
export const evidencePath = (evidenceId) => path`/evidence/${evidenceId}`
// The outbox's request for a progress report: fields [[name, value]], files [{ field, name, blob }]
export const progressRequest = (centreId, key, fields, files) =>
  ({ method: 'POST', path: path`/centres/${centreId}/milestones/${key}/progress`, fields, files })
