// vue-router in hash mode ("#/centre/js01-c01?tab=history"). Its guard: not logged in -> the login page,
// keeping the link that was opened (?redirect=) so the person lands on it after login; a password to change
// -> the password page; a page needs its access codes (meta.access, all of them, useAccess.can), else home.
import { createRouter, createWebHashHistory } from 'vue-router'
import { showToast } from 'vant'
import { loadSession, session } from './api/session.js'
import { hooks } from './api/transport.js'
import { canAll, desk } from './composables/useAccess.js'
import { loadLabels } from './format.js'
import Login from './pages/Login.vue'

const routes = [
  { path: '/', name: 'home', component: Login },  // never shown: the guard sends each person to their home
  { path: '/login', name: 'login', component: Login, meta: { public: true } },
  { path: '/password', name: 'password', component: () => import('./pages/Password.vue'), meta: { title: '修改密码' } },
  { path: '/centres', component: () => import('./pages/OfficeCentres.vue'), meta: { title: '我的中心', access: ['summaries.read'] } },
  { path: '/centre/:centreId', component: () => import('./pages/Centre.vue'), meta: { title: '中心详情', access: ['milestones.read'] } },
  { path: '/report/:centreId/:key', component: () => import('./pages/Report.vue'), meta: { title: '填报进度', access: ['progress.report'] } },
  { path: '/rectifications', component: () => import('./pages/Rectifications.vue'), meta: { title: '整改', access: ['rectifications.read'] } },
  { path: '/rectification/:id', component: () => import('./pages/Rectification.vue'), meta: { title: '整改详情', access: ['rectifications.read'] } },
  { path: '/outbox', component: () => import('./pages/Outbox.vue'), meta: { title: '待发送' } },
  { path: '/inbox', component: () => import('./pages/Inbox.vue'), meta: { title: '通知', access: ['notices.read'] } },
  { path: '/inspect', component: () => import('./pages/Inspect.vue'), meta: { title: '检查验收', access: ['inspections.record'] } },
  { path: '/inspection/:id', component: () => import('./pages/Inspection.vue'), meta: { title: '检查记录', access: ['inspections.read'] } },
  { path: '/checklist/:centreId', component: () => import('./pages/Checklist.vue'), meta: { title: '检查表', access: ['inspections.record'] } },
  { path: '/areas/:code?', component: () => import('./pages/Areas.vue'), meta: { title: '区划汇总', access: ['rollups.read'] } },
  { path: '/overview', component: () => import('./pages/Overview.vue'), meta: { title: '建设进度总览', access: ['progress.read'] } },
  { path: '/office/:office', name: 'office', component: () => import('./pages/OfficeDrill.vue'), meta: { title: '街道详情', access: ['summaries.read'] } },
  { path: '/bulletin', component: () => import('./pages/Bulletin.vue'), meta: { title: '建设进展情况通报', access: ['reports.export'] } },
  { path: '/doubtful', component: () => import('./pages/DoubtfulEvidence.vue'), meta: { title: '存疑照片', access: ['evidence.read'] } },
  { path: '/overdue', component: () => import('./pages/Overdue.vue'), meta: { title: '逾期事项', access: ['overdue.read'] } },
  { path: '/contacts', component: () => import('./pages/Contacts.vue'), meta: { title: '通知接收人', access: ['contacts.manage'] } },
  { path: '/deliveries', component: () => import('./pages/Deliveries.vue'), meta: { title: '通知投递', access: ['deliveries.read'] } },
  { path: '/accounts', component: () => import('./pages/Accounts.vue'), meta: { title: '账号管理', access: ['users.manage'] } },
  { path: '/monthly/:centreId', component: () => import('./pages/indicators/MonthlyReport.vue'), meta: { title: '月度服务数据', access: ['monthly.read'] } },
  { path: '/quotas/:code?', component: () => import('./pages/indicators/AreaIndicators.vue'), meta: { title: '本级指标', access: ['quotas.read'] } },
  { path: '/ranking', component: () => import('./pages/indicators/Ranking.vue'), meta: { title: '服务指标考评排名', access: ['ranking.read'] } },
  { path: '/todo', component: () => import('./pages/Todo.vue'), meta: { title: '我的待办', access: ['todo.read'] } },
  { path: '/response-times', component: () => import('./pages/ResponseTimes.vue'), meta: { title: '签收与整改用时', access: ['response_times.read'] } },
  { path: '/map', component: () => import('./pages/CentreMap.vue'), meta: { title: '中心地图', access: ['reports.export'] } },
  { path: '/screen', component: () => import('./pages/BigScreen.vue'), meta: { title: '大屏', access: ['reports.export'], bare: true } },
  { path: '/:unknown(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHashHistory(), routes })

const allowed = (path) => { const r = router.resolve(path); return r.name !== 'home' && canAll(r.meta.access) }

// The tabs of the person's desk whose pages they may open.
export function tabs() {
  const d = desk()
  return d ? d.tabs.filter((t) => allowed(t.path)) : []
}

// The side navigation (1024 px and wider): the desk's tabs, then its other pages, those they may open.
export function sideItems() {
  const d = desk()
  return d ? [...tabs(), ...(d.more || []).filter((t) => allowed(t.path))] : []
}

// Where a person starts: their desk's first tab, else the first page they may open.
export function home() {
  if (!session.user) return '/login'
  const first = tabs()[0] || routes.find((r) => r.meta && r.meta.access && !r.path.includes(':') && canAll(r.meta.access))
  return first ? first.path : '/password'
}

// A link kept through the login: a path of this app only.
export function redirectTarget(query) {
  const target = query && query.redirect
  return typeof target === 'string' && target.startsWith('/') && !target.startsWith('//') ? target : null
}

router.beforeEach(async (to) => {
  if (!session.ready) await loadSession()
  if (to.meta.public) return session.user && to.name === 'login' ? redirectTarget(to.query) || home() : true
  if (!session.user) return to.name === 'home' ? '/login' : { path: '/login', query: { redirect: to.fullPath } }
  if (session.user.must_change_password) {
    if (to.name === 'password') return true
    return to.name === 'home' ? '/password' : { path: '/password', query: { redirect: redirectTarget(to.query) || to.fullPath } }
  }
  try { await loadLabels() } catch (e) { /* the pages show codes until the next navigation loads them */ }
  if (to.name === 'home') return home()
  if (!canAll(to.meta.access)) {
    showToast('没有权限打开该页面')
    return home()
  }
  return true
})

// push(path, query): query values that are empty are left out
export function go(path, query) {
  const q = Object.fromEntries(Object.entries(query || {}).filter(([, v]) => v !== '' && v != null))
  return router.push({ path, query: q })
}

// The in-app back arrow: the previous page of this app, else home.
export function back() {
  if (window.history.state && window.history.state.back) router.back()
  else router.push(home())
}

hooks.unauthorized = () => {
  session.user = null
  const current = router.currentRoute.value
  if (!current.meta.public) router.push({ path: '/login', query: current.name === 'home' ? {} : { redirect: current.fullPath } })
}
hooks.mustChangePassword = () => {
  if (session.user) session.user.must_change_password = true
  router.push('/password')
}
