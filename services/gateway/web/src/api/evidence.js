// Photos as evidence: thumbnails, the 存疑 pages and a centre's coordinates (docs/evidence.md).
import { get, path, request } from './transport.js'

// a small JPEG made by the server: lists show these, never the original
export const thumbnailPath = (evidenceId) => path`/evidence/${evidenceId}/thumbnail`
export const officeDoubtfulEvidence = (office, params) => get(path`/offices/${office}/doubtful-evidence`, params)
export const centreDoubtfulEvidence = (centreId, params) => get(path`/centres/${centreId}/doubtful-evidence`, params)
// body: {lat, lng, reason} in WGS-84 degrees (a phone's GPS)
export const setCentreLocation = (centreId, body, key) => request('PUT', path`/centres/${centreId}/location`, body, { key })
