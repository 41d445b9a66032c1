// Offices and centres (the assignment service): /offices, /centres.
import { get, path } from './transport.js'

export const listOffices = (params) => get('/offices', params)
export const listCentres = (params) => get('/centres', params)
export const searchCentres = (params) => get('/centres/search', params)
export const getCentre = (centreId) => get(path`/centres/${centreId}`)
