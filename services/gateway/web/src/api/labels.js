// The Chinese names of codes (statuses, roles, levels, ...), shared/labels.py on the server.
import { get } from './transport.js'

export const getLabels = () => get('/labels')
