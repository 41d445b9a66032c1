export const STATUS_NAMES = { not_started: '未开始', in_progress: '进行中', blocked: '受阻', done: '已完成' }
export const LEVEL_NAMES = { subdistrict: '街道', community: '社区', village: '村' }
export const ROLE_NAMES = { admin: '区文化主管部门', office: '街道办事处', inspector: '验收人员' }
export const RECT_STATUS = { open: '待整改', submitted: '已提交', verified: '已通过', reopened: '重新整改' }
export const PHASE_NAMES = { 1: '第一阶段', 2: '第二阶段', 3: '第三阶段', 4: '第四阶段', 5: '第五阶段' }
export const KIND_NAMES = { self_check: '自查', district_acceptance: '区级验收', city_check: '市级检查',
  province_check: '省级检查', re_inspection: '复查' }

export function pct(x) { return x == null ? '–' : (Math.round(x * 10) / 10) + '%' }
export function day(x) { return x ? String(x).slice(0, 10) : '–' }
export function time(x) { return x ? String(x).replace('T', ' ').slice(0, 16) : '–' }
export function size(n) { return n > 1048576 ? (n / 1048576).toFixed(1) + ' MB' : Math.ceil(n / 1024) + ' KB' }
// The programme's calendar day (the server's TIMEZONE, Asia/Shanghai), not the browser's: a
// bureau laptop set to UTC must not ask for yesterday's figures after 16:00 UTC.
export function today() { return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date()) }
