// 签收, 催办, 销号 and 我的待办 (the gateway's supervision routes).
import { get, path, post } from './transport.js'

export const acknowledgeRectification = (id) => post(path`/rectifications/${id}/acknowledge`)
export const chaseRectification = (id, note) => post(path`/rectifications/${id}/chase`, { note })
export const closeRectification = (id) => post(path`/rectifications/${id}/close`)
export const acknowledgeNotice = (id) => post(path`/notifications/${id}/acknowledge`)
export const listResponseTimes = () => get('/response-times')
// { items: [{ kind, title, link, due, overdue, centre_name, office }], total, more, overdue }
export const getTodo = () => get('/todo')
export const chaseMilestone = (centreId, key, note) => post(path`/centres/${centreId}/milestones/${key}/chase`, { note })
