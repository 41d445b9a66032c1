// A person's notices, the bureau's delivery log, and who is told by which channel (the notifications service).
import { get, path, post, request } from './transport.js'

export const listNotifications = (params) => get('/notifications', params)
export const markRead = (id) => post(path`/notifications/${id}/read`)
export const markAllRead = () => post('/notifications/read-all')
export const listDeliveries = (params) => get('/notifications/deliveries', params)

export const listContacts = (params) => get('/notifications/contacts', params)
export const addContact = (body, key) => post('/notifications/contacts', body, key)
export const updateContact = (id, body) => request('PATCH', path`/notifications/contacts/${id}`, body)
export const removeContact = (id) => request('DELETE', path`/notifications/contacts/${id}`)
export const testContact = (id) => post(path`/notifications/contacts/${id}/test`)
export const contactDeliveries = (id) => get(path`/notifications/contacts/${id}/deliveries`)
