// Service indicators: a centre's monthly figures, the offices' ranking, the survey QR code.
import { get, path, post, url } from './transport.js'

export const getMonthlyReport = (centreId, month) => get(path`/monthly-reports/${centreId}/${month}`)
export const submitMonthlyReport = (body, key) => post('/monthly-reports', body, key)
export const ranking = (params) => get('/indicators/ranking', params)
export const surveyQrUrl = (centreId) => url(path`/centres/${centreId}/survey-qr.png`)
export const surveyPosterUrl = (centreId, format) => url(path`/centres/${centreId}/survey-poster.` + format)
// The outbox's request for a centre's monthly figures
export const monthlyRequest = (body) => ({ method: 'POST', path: '/monthly-reports', json: body })
