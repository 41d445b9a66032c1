"""The pages' quality checks for the browser tests, run on a playwright page as it is shown:

- ``axe_violations``: axe-core (the web app's devDependency, injected from its node_modules, no CDN) run on the
  page; its serious and critical violations.
- ``latin_words``: Latin letters in the visible text (text nodes and placeholders of what is shown), outside
  ids, URLs and units. An id is text inside an element marked ``translate="no"`` (HTML's mark for what must not
  be translated: a login name, a file name); units are the few a person reads after a number (m², km, MB...).
- ``small_targets``: every visible button, link, input and clickable element smaller than 44 px in either
  dimension, measured on its hit area (the element, or the label / Vant control around it that takes the tap).

Each returns a list of short descriptions, empty when the page passes, so a test asserts ``== []`` and a
failure names what to fix. The page's context must be made with ``bypass_csp=True`` for ``axe_violations``
(the Content-Security-Policy allows no inline script, and axe is injected as one).
"""
import os

from tests.support.paths import ROOT

AXE = os.path.join(ROOT, "services", "gateway", "web", "node_modules", "axe-core", "axe.min.js")
TARGET = 44  # px, both dimensions
SERIOUS = ("serious", "critical")

# Words a person reads as they are: file formats named on buttons (导出 Excel, 下载 PDF / Word) and the paper size (A4).
NAMES = ("Excel", "PDF", "Word", "A4")
UNITS = ("m²", "km", "m", "MB", "KB", "kB", "GB", "px", "cm", "h", "min", "s")

_TEXT = r"""
(args) => {
  const [names, units] = args
  const shown = (el) => el && el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })
    && el.getClientRects().length > 0
  const isId = (el) => !!(el && el.closest('[translate="no"]'))
  const texts = []
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement
    if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName) || !shown(el) || isId(el)) continue
    texts.push(node.nodeValue)
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (shown(el) && !isId(el)) texts.push(el.getAttribute('placeholder'))
  }
  const unit = new RegExp('(\\d\\s*)(' + units.join('|') + ')(?![A-Za-z])', 'g')
  const found = []
  for (const raw of texts) {
    let t = raw.replace(/\b(?:https?:\/\/|www\.)\S+/g, ' ').replace(unit, '$1')
    for (const n of names) t = t.split(n).join(' ')
    for (const m of t.matchAll(/[A-Za-z][A-Za-z0-9_.\-]*/g)) found.push(m[0] + '  in  «' + raw.trim().slice(0, 80) + '»')
  }
  return [...new Set(found)]
}
"""

# What takes a tap, and what around it takes the tap for it (its hit area).
_TARGETS = r"""
(size) => {
  const SELECT = 'a[href], button, input:not([type=hidden]), select, textarea, [role=button], [role=link], [role=tab], '
    + '[role=radio], [role=checkbox], [role=switch], [role=menuitem], [role=option], [tabindex]:not([tabindex="-1"]), '
    + '.van-cell--clickable, .van-tabbar-item, .van-tab, .van-radio, .van-checkbox, .van-stepper__minus, '
    + '.van-stepper__plus, .van-nav-bar__left, .van-nav-bar__right, .van-dropdown-menu__item, .van-pagination__item, '
    + '.van-uploader__upload, .van-uploader__preview-delete, .van-search__action, .van-field__clear, .van-tag--closeable'
  const HIT = 'label, .van-radio, .van-checkbox, .van-field__body, .van-search__field, .van-uploader__upload, '
    + '.van-switch, .van-cell--clickable, [data-hit]'
  const shown = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) && el.getClientRects().length > 0
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.getAttribute('placeholder') || '').trim()
    const cls = (el.className && typeof el.className === 'string') ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : ''
    return el.tagName.toLowerCase() + cls + (text ? ' «' + text.slice(0, 30) + '»' : '')
  }
  const small = []
  for (const el of document.querySelectorAll(SELECT)) {
    if (!shown(el) || el.disabled) continue
    let box = el.getBoundingClientRect()
    if (box.width >= size && box.height >= size) continue
    // a native control drawn hidden inside its Vant control (radio, checkbox, file input): the control counts
    const hit = el.parentElement && el.parentElement.closest(HIT)
    if (hit) {
      const outer = hit.getBoundingClientRect()
      if (outer.width >= box.width && outer.height >= box.height) box = outer
    }
    if (box.width < size - 0.5 || box.height < size - 0.5) {
      small.push(name(el) + ' ' + Math.round(box.width) + '×' + Math.round(box.height))
    }
  }
  return [...new Set(small)]
}
"""


def axe_violations(page, impacts=SERIOUS):
    """axe-core's violations of ``impacts`` on the page as shown: 'rule (impact): target, target...'."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=AXE)
    result = page.evaluate("""async () => {
      const r = await axe.run(document, { resultTypes: ['violations'] })
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ') + (n.any.concat(n.all)[0] ? ' — ' + n.any.concat(n.all)[0].message : '')) }))
    }""")
    return ["{} ({}): {} | {}".format(v["id"], v["impact"], v["help"], " ; ".join(v["targets"][:6]))
            for v in result if v["impact"] in impacts]


def latin_words(page):
    """Latin words in the page's visible text outside ids, URLs and units, each with the text it came from."""
    return page.evaluate(_TEXT, [list(NAMES), list(UNITS)])


def small_targets(page, size=TARGET):
    """Visible tap targets smaller than ``size`` px in either dimension (their hit area), with their size."""
    return page.evaluate(_TARGETS, size)


def check(page):
    """All three checks on the page as shown: {'axe': [...], 'latin': [...], 'targets': [...]}."""
    return {"axe": axe_violations(page), "latin": latin_words(page), "targets": small_targets(page)}
