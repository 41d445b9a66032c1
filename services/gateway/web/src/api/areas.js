// Areas (区划): the area tree, an area's roll-up with its children ranked, an area's Excel report (docs/areas.md).
import { download, get, path } from './transport.js'

export const listAreas = (parent) => get('/areas', parent ? { parent } : {})
export const areaRollup = (code, params) => get(path`/areas/${code}/rollup`, params)
export const exportAreaProgress = (code, asOf) =>
  download('/reports/progress.xlsx?area=' + encodeURIComponent(code) + '&as_of=' + encodeURIComponent(asOf), '建设进度报表.xlsx')
