// The app's IndexedDB (idb): the outbox of writes not yet stored by the server, and the forms' drafts.
// Both are kept per signed-in person (owner) so a shared office PC shows one clerk's entries to nobody else.
import { openDB } from 'idb'
import { session } from '../api/session.js'

let opened = null

export function database() {
  if (!opened) {
    opened = openDB('cctrack', 1, {
      upgrade(db) {
        db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('owner', 'owner')
        db.createObjectStore('drafts') // key: owner + ' ' + form
      },
    })
  }
  return opened
}

// who the entries belong to: the signed-in person (none: nothing is kept)
export const owner = () => (session.user ? String(session.user.id || session.user.login || '') : '')

// A plain copy IndexedDB can store: Vue's reactive proxies unwrapped, files (Blobs) kept as they are.
export function plain(value) {
  if (value instanceof Blob) return value
  if (Array.isArray(value)) return value.map(plain)
  if (value && typeof value === 'object') {
    const out = {}
    for (const [k, v] of Object.entries(value)) if (typeof v !== 'function') out[k] = plain(v)
    return out
  }
  return value
}

// What a value looks like for comparing (files by name, size and date, never their bytes)
export const print = (value) => JSON.stringify(value, (k, v) => (v instanceof Blob ? ['file', v.name, v.size, v.lastModified] : v))
