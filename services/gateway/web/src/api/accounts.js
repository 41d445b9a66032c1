// People's accounts (the bureau): /users.
import { get, path, post } from './transport.js'

export const listUsers = (params) => get('/users', params)
export const createUser = (body, key) => post('/users', body, key)
export const disableUser = (id) => post(path`/users/${id}/disable`)
export const enableUser = (id) => post(path`/users/${id}/enable`)
export const resetPassword = (id) => post(path`/users/${id}/reset-password`)
