// Standards, inspections and rectifications (the inspections service).
import { get, path, post, upload } from './transport.js'

export const getStandard = (level) => get(path`/standards/${level}`)
export const recordInspection = (centreId, body, key) => post(path`/centres/${centreId}/inspections`, body, key)
export const listRectifications = (params) => get('/rectifications', params)
export const getRectification = (id) => get(path`/rectifications/${id}`)
// form: multipart (note, evidence files)
export const submitRectification = (id, form, opts) => upload(path`/rectifications/${id}/submissions`, form, opts)
export const rectificationEvidencePath = (id, evidenceId) => path`/rectifications/${id}/evidence/${evidenceId}`
