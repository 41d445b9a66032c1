// What Vant leaves unnamed or dangling for assistive technology, filled in once for the whole app (a page
// never has to remember it): the stepper's − / + buttons and its input get names, a tab's aria-controls that
// points at a panel not rendered yet (Vant renders tab panels lazily) is dropped, and a scrolling table can
// be reached and scrolled with the keyboard; a search box gets a name.
const STEPPER = [['.van-stepper__minus', '减少'], ['.van-stepper__plus', '增加'], ['.van-stepper__input', '数值']]

// the stepper's own label: the field row around it, else the .field-label just before it
function stepperName(el) {
  const field = el.closest('.van-cell')
  const label = field && field.querySelector('.van-field__label')
  if (label) return label.textContent.trim()
  const stepper = el.closest('.van-stepper')
  const before = stepper && stepper.previousElementSibling
  return before && before.classList.contains('field-label') ? before.textContent.trim() : ''
}

function fill(root) {
  for (const [selector, verb] of STEPPER) {
    for (const el of root.querySelectorAll(selector + ':not([aria-label])')) {
      const what = stepperName(el)
      el.setAttribute('aria-label', what ? `${verb}${what}` : verb)
    }
  }
  // a search box is named by what it searches (its placeholder is only an example)
  for (const el of root.querySelectorAll('.van-search input:not([aria-label]):not([aria-labelledby])')) {
    el.setAttribute('aria-label', '搜索')
  }
  for (const el of root.querySelectorAll('[role=tab][aria-controls]')) {
    if (!document.getElementById(el.getAttribute('aria-controls'))) el.removeAttribute('aria-controls')
  }
  for (const el of root.querySelectorAll('.table-wrap:not([tabindex])')) {
    el.setAttribute('tabindex', '0')
    el.setAttribute('role', 'region')
    if (!el.hasAttribute('aria-label')) el.setAttribute('aria-label', '表格（可左右滚动）')
  }
}

export function watchAccessibility(root = document.body) {
  let queued = false
  const run = () => { queued = false; fill(root) }
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(run) }
  }).observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['aria-controls'] })
  run()
}
