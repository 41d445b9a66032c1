// The one transport of the API modules: JSON over fetch, multipart over XMLHttpRequest (upload progress).
// Paths are relative to /api (see path`...`). Writes carry X-CSRF-Token (session cookie) and an
// Idempotency-Key chosen once per form submission and reused when the same submission is retried.
import { reactive } from 'vue'

const BASE = '/api'

export const session = reactive({ user: null, csrf: '', token: sessionStorage.getItem('cctrack_token') || '', ready: false })

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || httpMessage(status))
    this.status = status
    this.code = (body && body.error) || 'http_' + status
    this.details = (body && body.details) || {}
    this.body = body || {}
  }
}

function httpMessage(status) {
  if (status === 0) return '网络连接失败，请检查网络后重试'
  if (status === 401) return '请先登录'
  if (status === 403) return '没有权限'
  if (status === 404) return '未找到'
  if (status === 413) return '文件过大'
  if (status >= 500) return '服务器暂时不可用，请稍后重试'
  return '请求失败（' + status + '）'
}

// Hooks set by the app: where to go on 401 / password_change_required.
export const hooks = { unauthorized: () => {}, mustChangePassword: () => {} }

// path`/centres/${id}/milestones`: a path under /api with each interpolated value URL-encoded.
export function path(strings, ...values) {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]) : ''), '')
}

export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID()
  return 'k' + Date.now().toString(36) + Math.random().toString(36).slice(2)
}

function authHeaders(method, key) {
  const h = {}
  if (session.token) h.Authorization = 'Bearer ' + session.token
  if (method !== 'GET') {
    if (session.csrf) h['X-CSRF-Token'] = session.csrf
    if (key) h['Idempotency-Key'] = key
  }
  return h
}

// quiet: a 401 is the answer itself (asking who is logged in, logging in), not a reason to go to the login page
function handleFailure(status, body, quiet) {
  const err = new ApiError(status, body)
  if (status === 401 && !quiet) hooks.unauthorized(err)
  if (status === 403 && err.code === 'password_change_required') hooks.mustChangePassword(err)
  return err
}

export function query(params) {
  const q = Object.entries(params || {}).filter(([, v]) => v !== undefined && v !== null && v !== '')
  return q.length ? '?' + q.map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&') : ''
}

// The URL of a file the API serves, for links the browser opens itself (cookie credentials).
export const url = (p, params) => BASE + p + query(params)

export async function request(method, p, body, opts = {}) {
  const headers = authHeaders(method, opts.key)
  const init = { method, headers, credentials: 'same-origin' }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let res
  try {
    res = await fetch(BASE + p, init)
  } catch (e) {
    throw new ApiError(0, null)
  }
  const text = await res.text()
  let data = null
  try { data = text ? JSON.parse(text) : null } catch (e) { data = null }
  if (!res.ok) throw handleFailure(res.status, data, opts.quiet)
  return data
}

export const get = (p, params, opts) => request('GET', p + query(params), undefined, opts)
export const post = (p, body, key, opts) => request('POST', p, body, { ...opts, key })

// multipart upload with progress: onProgress(0..100)
export function upload(p, form, { key, onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', BASE + p)
    const headers = authHeaders('POST', key)
    Object.entries(headers).forEach(([k, v]) => xhr.setRequestHeader(k, v))
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(Math.round((e.loaded / e.total) * 100))
    }
    xhr.onload = () => {
      let data = null
      try { data = xhr.responseText ? JSON.parse(xhr.responseText) : null } catch (e) { data = null }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(100)
        resolve(data)
      } else reject(handleFailure(xhr.status, data))
    }
    xhr.onerror = () => reject(new ApiError(0, null))
    xhr.send(form)
  })
}

// Download a file the API serves (evidence, Excel) with the current credentials.
export async function download(p, fallbackName) {
  const res = await fetch(BASE + p, { headers: authHeaders('GET'), credentials: 'same-origin' })
  if (!res.ok) {
    let data = null
    try { data = await res.json() } catch (e) { data = null }
    throw handleFailure(res.status, data)
  }
  const blob = await res.blob()
  const disposition = res.headers.get('Content-Disposition') || ''
  const m = /filename\*=UTF-8''([^;]+)/.exec(disposition)
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = m ? decodeURIComponent(m[1]) : fallbackName
  document.body.appendChild(a)
  a.click()
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove() }, 1000)
}

// An object URL for showing an evidence image inline (thumbnails).
export async function blobUrl(p) {
  const res = await fetch(BASE + p, { headers: authHeaders('GET'), credentials: 'same-origin' })
  if (!res.ok) throw new ApiError(res.status, null)
  return URL.createObjectURL(await res.blob())
}

// One Idempotency-Key per form submission: the same key while the same content is retried
// (network error, 503), a fresh one once the content changes or the submission succeeded.
export function submission() {
  let key = null
  let print = null
  return {
    key(content) {
      const p = JSON.stringify(content)
      if (!key || p !== print) { key = newKey(); print = p }
      return key
    },
    done() { key = null; print = null },
  }
}

export function errorText(e) {
  const details = e && e.details && typeof e.details === 'object' ? e.details : {}
  const base = (e && e.message) || '操作失败'
  // each detail said once, none that the message already says, none in the program's own words (Latin)
  const msgs = [...new Set(Object.values(details)
    .filter((v) => Array.isArray(v) && v.every((m) => typeof m === 'string')).flat())]
    .filter((m) => m && !base.includes(m) && !/[A-Za-z]{2}/.test(m))
  return msgs.length && msgs.join('').length < 300 ? base + '（' + msgs.join('；') + '）' : base
}
