// Service indicators: a centre's monthly figures, the offices' ranking, the survey QR code.
import { get, path, post, url } from './transport.js'

export const getMonthlyReport = (centreId, month) => get(path`/monthly-reports/${centreId}/${month}`)
export const submitMonthlyReport = (body, key) => post('/monthly-reports', body, key)
export const ranking = (params) => get('/indicators/ranking', params)
export const surveyQrUrl = (centreId) => url(path`/centres/${centreId}/survey-qr.png`)
export const surveyPosterUrl = (centreId, format) => url(path`/centres/${centreId}/survey-poster.` + format)
// The outbox's request for a centre's monthly figures
export const monthlyRequest = (body) => ({ method: 'POST', path: '/monthly-reports', json: body })
// Indicators at their own level (docs/areas.md): an area's indicators (a city's quotas and its districts' reports,
// a district's own), and a district's yearly report toward its city's indicators
export const areaIndicators = (area, year) => get('/indicators/area', year ? { area, year } : { area })
export const getAreaReport = (district, year) => get(path`/area-reports/${district}/${year}`)
// The outbox's request for a district's report
export const areaReportRequest = (body) => ({ method: 'POST', path: '/area-reports', json: body })
