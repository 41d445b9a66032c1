// A person's notices and the bureau's delivery log (the notifications service).
import { get, path, post } from './transport.js'

export const listNotifications = (params) => get('/notifications', params)
export const markRead = (id) => post(path`/notifications/${id}/read`)
export const listDeliveries = (params) => get('/notifications/deliveries', params)
