// A small hash router: "#/centre/js01-c01?tab=history" -> { path, parts, query }.
import { reactive } from 'vue'

export const route = reactive({ path: '/', parts: [], query: {} })

function parse() {
  const raw = location.hash.replace(/^#/, '') || '/'
  const [path, qs] = raw.split('?')
  const query = {}
  new URLSearchParams(qs || '').forEach((v, k) => { query[k] = v })
  route.path = path
  route.parts = path.split('/').filter(Boolean).map(decodeURIComponent)
  route.query = query
}

export function go(path, params) {
  const qs = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v != null)).toString() : ''
  location.hash = '#' + path + (qs ? '?' + qs : '')
}

export function back(fallback) {
  if (history.length > 1) history.back()
  else go(fallback || '/')
}

window.addEventListener('hashchange', parse)
parse()
