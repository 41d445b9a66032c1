// Standards, inspections and rectifications (the inspections service).
import { get, path, post, upload } from './transport.js'

export const getStandard = (level) => get(path`/standards/${level}`)
export const recordInspection = (centreId, body, key) => post(path`/centres/${centreId}/inspections`, body, key)
// An inspection with its items' photos ({ itemId: [File] }): multipart (inspection JSON, photos.<item> files)
// when there are photos, JSON otherwise.
export function submitInspection(centreId, body, photos, key) {
  const items = Object.entries(photos || {}).filter(([, files]) => files && files.length)
  if (!items.length) return recordInspection(centreId, body, key)
  const form = new FormData()
  form.append('inspection', JSON.stringify(body))
  for (const [itemId, files] of items) for (const f of files) form.append('photos.' + itemId, f, f.name)
  return upload(path`/centres/${centreId}/inspections`, form, { key })
}
// { inspection }: what a new inspection of `kind` starts from (null when there is none yet)
export const latestInspection = (centreId, kind) => get(path`/centres/${centreId}/inspections/latest`, { kind })
export const getInspection = (id) => get(path`/inspections/${id}`)
export const inspectionPhotoPath = (id, photoId) => path`/inspections/${id}/photos/${photoId}`
export const inspectionRecordPath = (id) => path`/inspections/${id}/record.pdf`
export const listRectifications = (params) => get('/rectifications', params)
// what waits (status, default submitted) in every office or one: { items, next } continued with after=next
export const rectificationQueue = (params) => get('/rectifications/queue', params)
export const getRectification = (id) => get(path`/rectifications/${id}`)
export const rectificationNoticePath = (id) => path`/rectifications/${id}/notice.pdf`
// form: multipart (note, evidence files)
export const submitRectification = (id, form, opts) => upload(path`/rectifications/${id}/submissions`, form, opts)
export const rectificationEvidencePath = (id, evidenceId) => path`/rectifications/${id}/evidence/${evidenceId}`
// The outbox's request for an inspection ({ itemId: [File] } photos as multipart, else JSON)
export function inspectionRequest(centreId, body, photos) {
  const p = path`/centres/${centreId}/inspections`
  const files = Object.entries(photos || {}).flatMap(([itemId, list]) => (list || []).map((f) => ({ field: 'photos.' + itemId, name: f.name, blob: f })))
  return files.length ? { method: 'POST', path: p, fields: [['inspection', JSON.stringify(body)]], files } : { method: 'POST', path: p, json: body }
}
// The outbox's request for a rectification submission (note, evidence files)
export const rectificationRequest = (id, fields, files) => ({ method: 'POST', path: path`/rectifications/${id}/submissions`, fields, files })
