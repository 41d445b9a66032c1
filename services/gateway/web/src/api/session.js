// Who is logged in: GET/POST/DELETE /session and the password change.
import { request, post, session } from './transport.js'

export { session }

// A bearer token (opened as #token=...) carries no account: its permissions are not known to the pages, so
// they show everything and the API refuses what the token may not do.
const TOKEN_USER = { role: 'admin', name: '令牌用户', login: 'token', office: null, must_change_password: false, permissions: null }

// The last person signed in on this browser: offline (the app started from its service worker, no answer
// from /session), the pages and the outbox stay theirs; the server's session cookie still decides once online.
const KEPT = 'cctrack:me'
const keep = (user) => { try { if (user) localStorage.setItem(KEPT, JSON.stringify(user)); else localStorage.removeItem(KEPT) } catch (e) { /* private mode */ } }
const kept = () => { try { return JSON.parse(localStorage.getItem(KEPT) || 'null') } catch (e) { return null } }

export async function loadSession() {
  if (session.token) {
    session.user = { ...TOKEN_USER }
    try {
      // a bearer token carries no user; ask who we are if the API offers it
      const me = await request('GET', '/session', undefined, { quiet: true })
      if (me && me.user) session.user = me.user
    } catch (e) { /* token users without an account keep the defaults */ }
    session.ready = true
    return
  }
  try {
    const me = await request('GET', '/session', undefined, { quiet: true })
    session.user = me.user
    session.csrf = me.csrf_token || ''
    keep(me.user)
  } catch (e) {
    session.user = e.status === 0 ? kept() : null
    if (e.status !== 0) keep(null)
  }
  session.ready = true
}

export async function login(loginName, password) {
  const data = await request('POST', '/session', { login: loginName, password }, { quiet: true })
  session.user = data.user
  session.csrf = data.csrf_token || ''
  keep(data.user)
  return data.user
}

export async function logout() {
  try { if (!session.token) await request('DELETE', '/session') } catch (e) { /* already gone */ }
  session.user = null
  session.csrf = ''
  session.token = ''
  keep(null)
  sessionStorage.removeItem('cctrack_token')
  // the API answers the service worker kept for offline use were this person's: gone with them
  if (window.caches) caches.delete('cctrack-api').catch(() => {})
}

export function keepToken(token) {
  session.token = token
  sessionStorage.setItem('cctrack_token', token)
}

// The person's own password; the answer carries the user (permissions included) and maybe a new CSRF token.
export async function changePassword(currentPassword, newPassword, key) {
  const data = await post('/session/password', { current_password: currentPassword, new_password: newPassword }, key)
  session.user = data.user || { ...session.user, must_change_password: false }
  if (data.csrf_token) session.csrf = data.csrf_token
  return session.user
}
