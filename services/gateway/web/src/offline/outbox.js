// The outbox: every write a person makes in the field (progress report, rectification submission,
// inspection, monthly figures) is kept in IndexedDB with its photos (Blobs) and the Idempotency-Key chosen
// once, when the person first submits, then sent: at once, when the browser comes online, when the app
// starts and from the 同步 button. A resend with the same key is stored once by the gateway
// (services/gateway/idempotency.py). Each item is 待发送 (pending), 已保存 (saved) or 被退回 (refused,
// with the server's reason; a conflict also names the newer state and puts the entry back in its form).
import { reactive } from 'vue'
import { ApiError, errorText, newKey, request, upload } from '../api/transport.js'
import { loadSession, session } from '../api/session.js'
import { database, owner, plain } from './db.js'
import { writeDraft } from './drafts.js'

export const STATES = { pending: '待发送', saved: '已保存', refused: '被退回' }

// items: this person's outbox, oldest first; sending: the id being sent
export const outbox = reactive({ items: [], sending: null, syncing: false, lastError: '' })

// How each kind of write describes the newer state after a 409 (fetched when the conflict is answered).
const newerState = {}
export function describeNewer(kind, fn) { newerState[kind] = fn }

async function all() {
  const who = owner()
  if (!who) return []
  const items = await (await database()).getAllFromIndex('outbox', 'owner', who)
  return items.sort((a, b) => a.created_at.localeCompare(b.created_at))
}

export async function refresh() {
  try { outbox.items = await all() } catch (e) { outbox.items = [] }
}

async function save(item) {
  await (await database()).put('outbox', plain(item))
  await refresh()
}

export const waiting = () => outbox.items.filter((i) => i.state !== 'saved').length

// an answer that says nothing about the write: the item stays 待发送 and is sent again later
const transient = (e) => !(e instanceof ApiError) || e.status === 0 || e.status >= 500 || e.status === 429 ||
  e.status === 401 || e.code === 'csrf_failed' || e.code === 'idempotency_in_progress'

function send(item, onProgress) {
  const { method, path, json, fields, files } = item.request
  if (!files || !files.length) {
    if (fields) {
      const form = new FormData()
      for (const [k, v] of fields) form.append(k, v)
      return upload(path, form, { key: item.key, onProgress })
    }
    return request(method || 'POST', path, json, { key: item.key, quiet: true })
  }
  const form = new FormData()
  for (const [k, v] of fields || []) form.append(k, v)
  for (const f of files) form.append(f.field, f.blob, f.name)
  return upload(path, form, { key: item.key, onProgress })
}

// One attempt at one item; the item as it stands afterwards.
async function attempt(item, onProgress) {
  outbox.sending = item.id
  try {
    item.result = await send(item, onProgress)
    item.state = 'saved'
    item.reason = ''
    item.saved_at = new Date().toISOString()
  } catch (e) {
    if (transient(e)) {
      item.tries = (item.tries || 0) + 1
      item.last_error = errorText(e)
      if (e.status === 401) outbox.lastError = '登录已过期，请重新登录后再同步'
      await save(item)
      throw e
    }
    item.state = 'refused'
    item.reason = e.message || '提交未被接受'
    // a conflict's own message says it all (its details are for machines); a refused field names itself
    item.details = e.status === 409 ? item.reason : errorText(e)
    item.error_details = e.details || {}
    item.conflict = e.status === 409
    if (item.conflict && newerState[item.kind]) {
      try { item.newer = await newerState[item.kind](item) } catch (x) { item.newer = '' }
    }
    // the person's entry goes back into its form, to be checked and sent again
    if (item.form && item.draft) {
      try { await writeDraft(item.form, { ...item.draft, refused: { reason: item.reason, newer: item.newer || '', conflict: item.conflict } }) } catch (x) { /* kept in the outbox anyway */ }
    }
  } finally {
    outbox.sending = null
  }
  await save(item)
  return item
}

// Keep a write and try to send it now. desc: { kind, label, open, form, draft, request }; the item after
// its first attempt: saved (with result), refused (with reason) or pending (offline: sent later).
export async function submit(desc, onProgress) {
  const who = owner()
  const item = { ...desc, id: newKey(), key: newKey(), owner: who, state: 'pending', created_at: new Date().toISOString(), tries: 0 }
  const db = await database()
  // an entry sent back earlier and now sent again replaces the one that was refused
  for (const old of outbox.items.filter((i) => i.form && i.form === desc.form && i.state === 'refused')) await db.delete('outbox', old.id)
  await save(item)
  if (!navigator.onLine) return item
  try { return await attempt(item, onProgress) } catch (e) { return item }
}

async function readyToSend() {
  if (session.token || session.csrf) return true
  try { await loadSession() } catch (e) { return false }
  return Boolean(session.user && session.csrf)
}

// Send every waiting item of this person, oldest first; stops at the first that cannot reach the server.
let running = null
export function sync() {
  if (!running) running = syncAll().finally(() => { running = null })
  return running
}

async function syncAll() {
  outbox.syncing = true
  outbox.lastError = ''
  try {
    await refresh()
    const pending = outbox.items.filter((i) => i.state === 'pending')
    if (!pending.length) return
    if (!(await readyToSend())) { outbox.lastError = '暂时无法连接服务器，稍后将自动重试'; return }
    for (const item of pending) {
      try { await attempt(item) } catch (e) {
        if (!outbox.lastError) outbox.lastError = '暂时无法连接服务器，稍后将自动重试'
        return
      }
    }
  } finally {
    outbox.syncing = false
  }
}

export async function forget(item) {
  await (await database()).delete('outbox', item.id)
  await refresh()
}

export async function forgetSaved() {
  const db = await database()
  for (const item of outbox.items.filter((i) => i.state === 'saved')) await db.delete('outbox', item.id)
  await refresh()
}

// Sent when the browser comes online, when the app starts (started by main.js), and every minute while
// something waits and the browser believes it is online (a server that was down, a network that only seemed up).
const RETRY_MS = 60000
export function startOutbox() {
  window.addEventListener('online', () => { sync() })
  refresh().then(() => { if (navigator.onLine) sync() })
  setInterval(() => { if (navigator.onLine && outbox.items.some((i) => i.state === 'pending')) sync() }, RETRY_MS)
}
