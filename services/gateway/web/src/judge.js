// The inspection judge, ported from services/inspections/evaluator.py: the same rules,
// the same exact decimal comparisons (no binary floats), the same unit conversions and
// the same Chinese reasons. tests/browser/test_judge_parity.py runs it in node over
// vectors produced by the Python evaluator and requires identical results.
//
// judge(item, raw) with item as served by GET /api/standards/{level} and raw the JSON
// value that will be sent -> { status: 'pass'|'fail', reason, measured } or { error };
// an item not filled in (raw undefined or null) -> { status: 'unfilled', reason: '未填' }, never a failure
// (evaluator.judge_measurement).

// canonical unit -> {accepted spelling: factor to the canonical unit}
export const UNITS = {
  'm²': { 'm²': '1', m2: '1', '㎡': '1', '平方米': '1' },
  m: { m: '1', '米': '1', cm: '0.01', '厘米': '0.01' },
  '万元/年': { '万元/年': '1', '万元': '1', '元/年': '0.0001', '元': '0.0001' },
  '天/年': { '天/年': '1', '天': '1' },
  '次/年': { '次/年': '1', '次': '1' },
  '场/年': { '场/年': '1', '场': '1' },
  '人': { '人': '1', '名': '1' },
  '起': { '起': '1' },
}

// exact decimals: { n: BigInt digits, s: scale } meaning n / 10^s
export function dec(text) {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(String(text).trim())
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return null
  const frac = m[3] || ''
  let n = BigInt((m[2] || '0') + frac)
  let s = frac.length - (m[4] ? parseInt(m[4], 10) : 0)
  if (m[1] === '-') n = -n
  if (s < 0) { n *= 10n ** BigInt(-s); s = 0 }
  return { n, s }
}
const align = (a, b) => {
  const s = Math.max(a.s, b.s)
  return [a.n * 10n ** BigInt(s - a.s), b.n * 10n ** BigInt(s - b.s)]
}
export const cmp = (a, b) => { const [x, y] = align(a, b); return x < y ? -1 : x > y ? 1 : 0 }
const mul = (a, b) => ({ n: a.n * b.n, s: a.s + b.s })
const isInt = (a) => a.n % 10n ** BigInt(a.s) === 0n
const toInt = (a) => ({ n: a.n / 10n ** BigInt(a.s), s: 0 })

// Python's plain(): no exponent, no trailing zeros: 300, 299.9, 0.3
export function plain(a) {
  let { n, s } = a
  while (s > 0 && n % 10n === 0n) { n /= 10n; s -= 1 }
  const neg = n < 0n
  let digits = (neg ? -n : n).toString()
  if (s > 0) {
    digits = digits.padStart(s + 1, '0')
    digits = digits.slice(0, digits.length - s) + '.' + digits.slice(digits.length - s)
  }
  return (neg ? '-' : '') + digits
}
const toNumber = (a) => Number(plain(a))

class Bad extends Error {}

function typeName(raw) {
  if (raw === null) return 'NoneType'
  if (Array.isArray(raw)) return 'list'
  return { object: 'dict', string: 'str', boolean: 'bool', number: 'float' }[typeof raw] || typeof raw
}

function number(raw, item) {
  let unit = null
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const extra = Object.keys(raw).filter((k) => k !== 'value' && k !== 'unit')
    if (extra.length || !('value' in raw)) throw new Bad('应为数字，或 {"value": 数字, "unit": "单位"}')
    unit = raw.unit === undefined ? null : raw.unit
    raw = raw.value
  }
  if (typeof raw !== 'number') {
    throw new Bad('应为数字，收到的是' + (typeof raw === 'string' ? '文本“' + raw + '”' : typeName(raw)))
  }
  if (!Number.isFinite(raw)) throw new Bad('不是有效的数字')
  let value = dec(String(raw)) // String() of a number is its shortest decimal form, like Python's str(float)
  if (value.n < 0n) throw new Bad('不能为负数（' + plain(value) + '）')
  if (unit !== null) {
    const factors = UNITS[item.unit] || { [item.unit]: '1' }
    if (!(unit in factors)) throw new Bad('单位“' + unit + '”与标准单位“' + item.unit + '”不符')
    value = mul(value, dec(factors[unit]))
  }
  return value
}

function count(raw, item) {
  const value = number(raw, item)
  if (!isInt(value)) throw new Bad('应为整数（' + plain(value) + '）')
  return toInt(value)
}

function optionSet(raw, item) {
  const known = (item.options || item.required || []).map((o) => (typeof o === 'string' ? o : o.id))
  if (!Array.isArray(raw) || !raw.every((x) => typeof x === 'string')) {
    throw new Bad('应为选项编号的列表，可选：' + known.join('、'))
  }
  if (item.options) {
    const unknown = raw.filter((x) => !known.includes(x))
    if (unknown.length) throw new Bad('未知选项：' + unknown.join('、') + '；可选：' + known.join('、'))
  }
  return [...new Set(raw)].sort()
}

function flag(raw) {
  if (typeof raw !== 'boolean') throw new Bad('应为 true 或 false')
  return raw
}

const PARSERS = { number_at_least: number, count_at_least: count, required_set: optionSet, yes_no: flag, no_incident: count }

export const filled = (raw) => raw !== undefined && raw !== null

export function judge(item, raw) {
  if (!filled(raw)) return { status: 'unfilled', reason: '未填' }
  let value
  try {
    value = PARSERS[item.kind](raw, item)
  } catch (e) {
    if (e instanceof Bad) return { error: item.name + '：' + e.message }
    throw e
  }
  const { kind, name, unit } = item
  if (kind === 'number_at_least' || kind === 'count_at_least') {
    const threshold = dec(String(item.threshold))
    const t = plain(threshold)
    if (cmp(value, threshold) >= 0) return { status: 'pass', reason: `${name} ${plain(value)} ${unit}，达到标准 ${t} ${unit}`, measured: toNumber(value) }
    return { status: 'fail', reason: `${name} ${plain(value)} ${unit} 低于标准 ${t} ${unit}`, measured: toNumber(value) }
  }
  if (kind === 'required_set') {
    const required = item.required.map((o) => (typeof o === 'string' ? { id: o, name: o } : o))
    const lacking = required.filter((o) => !value.includes(o.id))
    if (lacking.length) return { status: 'fail', reason: name + '缺少：' + lacking.map((o) => o.name).join('、'), measured: value }
    return { status: 'pass', reason: name + '齐全：' + required.map((o) => o.name).join('、'), measured: value }
  }
  if (kind === 'yes_no') {
    return value ? { status: 'pass', reason: name + '：符合', measured: value }
      : { status: 'fail', reason: name + '：不符合（标准：' + item.text + '）', measured: value }
  }
  if (value.n === 0n) return { status: 'pass', reason: '无' + name, measured: 0 }
  return { status: 'fail', reason: `发生${name} ${plain(value)} ${unit}，标准要求无${name}`, measured: toNumber(value) }
}

// The overall result: passed only when every mandatory item passes.
export function overall(items, results) {
  return items.some((i) => i.mandatory && results[i.id] && results[i.id].status === 'fail') ? 'failed' : 'passed'
}
