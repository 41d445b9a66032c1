// Page name (first part of the hash path) -> component; pages load on first use.
import { defineAsyncComponent } from 'vue'
import Login from './pages/Login.vue'

const lazy = (loader) => defineAsyncComponent(loader)

export const VIEWS = {
  login: Login,
  password: lazy(() => import('./pages/Password.vue')),
  centres: lazy(() => import('./pages/OfficeCentres.vue')),
  centre: lazy(() => import('./pages/Centre.vue')),
  report: lazy(() => import('./pages/Report.vue')),
  rectifications: lazy(() => import('./pages/Rectifications.vue')),
  rectification: lazy(() => import('./pages/Rectification.vue')),
  inbox: lazy(() => import('./pages/Inbox.vue')),
  inspect: lazy(() => import('./pages/Inspect.vue')),
  checklist: lazy(() => import('./pages/Checklist.vue')),
  overview: lazy(() => import('./pages/Overview.vue')),
  office: lazy(() => import('./pages/OfficeDrill.vue')),
  overdue: lazy(() => import('./pages/Overdue.vue')),
  deliveries: lazy(() => import('./pages/Deliveries.vue')),
  accounts: lazy(() => import('./pages/Accounts.vue')),
  monthly: lazy(() => import('./pages/indicators/MonthlyReport.vue')),
  ranking: lazy(() => import('./pages/indicators/Ranking.vue')),
}

const TITLES = {
  password: '修改密码', centres: '我的中心', centre: '中心详情', report: '填报进度', rectifications: '整改',
  rectification: '整改详情', inbox: '通知', inspect: '检查验收', checklist: '检查表', overview: '建设进度总览',
  office: '街道详情', overdue: '逾期事项', deliveries: '通知投递', accounts: '账号管理',
  monthly: '月度服务数据', ranking: '服务指标考评排名',
}

export const titleFor = (page) => TITLES[page] || '文化服务中心建设管理'
