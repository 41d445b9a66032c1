// The tab bar. A person works at one desk: the first whose access codes they all hold (the bureau may do
// all that an office or an inspector may, so the broadest desk comes first). The desk's tabs are shown when
// their pages are allowed (router.js); its first such tab is the person's home. At 1024 px and wider the tabs
// and the desk's `more` pages make the side navigation instead (components/SideNav.vue).
export const DESKS = [
  // a bureau of one area (a province, a city or a district: session user ``area``) starts at its area's roll-up
  { name: 'area', access: ['reports.export'], area: true, tabs: [
    { path: '/areas', label: '区划', icon: 'cluster-o' },
    { path: '/quotas', label: '指标', icon: 'bar-chart-o' },
    { path: '/inbox', label: '通知', icon: 'bell', unread: true },
    { path: '/accounts', label: '账号', icon: 'friends-o' },
  ] },
  { name: 'bureau', access: ['reports.export'], tabs: [
    { path: '/overview', label: '总览', icon: 'chart-trending-o' },
    { path: '/overdue', label: '逾期', icon: 'warning-o' },
    { path: '/areas', label: '区划', icon: 'cluster-o' },
    { path: '/inbox', label: '通知', icon: 'bell', unread: true },
    { path: '/accounts', label: '账号', icon: 'friends-o' },
  ], more: [
    { path: '/ranking', label: '指标排名', icon: 'bar-chart-o' },
    { path: '/rectifications', label: '整改项', icon: 'todo-list-o' },
    { path: '/map', label: '中心地图', icon: 'location-o' },
    { path: '/screen', label: '大屏', icon: 'tv-o' },
    { path: '/bulletin', label: '通报', icon: 'description-o' },
    { path: '/deliveries', label: '通知投递', icon: 'send-gift-o' },
  ] },
  { name: 'office', access: ['progress.report'], tabs: [
    { path: '/centres', label: '我的中心', icon: 'home-o' },
    { path: '/rectifications', label: '整改', icon: 'todo-list-o' },
    { path: '/inbox', label: '通知', icon: 'bell', unread: true },
  ] },
  { name: 'inspection', access: ['inspections.record'], tabs: [
    { path: '/inspect', label: '检查验收', icon: 'search' },
    { path: '/rectifications', label: '整改复查', icon: 'todo-list-o' },
  ] },
]
for (const d of DESKS) d.tabs.splice(1, 0, { path: '/todo', label: '待办', icon: 'notes-o', count: 'todo' })  // 我的待办, its count on the tab
