// What each kind of outbox write says about the newer state when the server answers 409 (a conflict):
// fetched then, so the person sees what is stored now next to their own entry (kept in its form).
import { centreMilestones, getAreaReport, getMonthlyReport, getRectification } from '../api'
import { name, time } from '../format.js'
import { describeNewer } from './outbox.js'

export const KINDS = { progress: '进度填报', rectification: '整改材料', inspection: '检查验收', monthly: '月度服务数据', area_report: '市级指标报送' }

describeNewer('progress', async (item) => {
  const m = (await centreMilestones(item.centre_id)).milestones.find((x) => x.key === item.milestone)
  if (!m) return ''
  return '最新状态：' + name('milestone_statuses', m.status) + '，进度 ' + m.percent + '%' + (m.note ? '，说明“' + m.note + '”' : '') +
    (m.updated_at ? '（' + time(m.updated_at) + ' 更新）' : '')
})
describeNewer('monthly', async (item) => {
  const data = await getMonthlyReport(item.centre_id, item.month)
  return data.current ? '最新已保存第 ' + data.current.version + ' 版（' + time(data.current.at || data.current.submitted_at || '') + '）' : ''
})
describeNewer('area_report', async (item) => {
  const { district, year } = item.request.json
  const data = await getAreaReport(district, year)
  return data.current ? '最新已报送第 ' + data.current.version + ' 次（' + time(data.current.at) + '）' : ''
})
describeNewer('rectification', async (item) => {
  const r = await getRectification(item.rectification)
  return '最新状态：' + name('rectification_statuses', r.status)
})
