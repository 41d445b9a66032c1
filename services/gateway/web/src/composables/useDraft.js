// A form's unsent entry, kept in localStorage per person and per form (a shared office PC shows one clerk's
// draft to nobody else). state() is the form's content. What the form was filled with (track) or what was just
// sent (clear) is not a draft: only content that differs from it is written, so a draft cleared after a
// success is never written again by the form updating itself (e.g. to the version just stored).
import { nextTick, watch } from 'vue'
import { session } from '../api/session.js'

export function useDraft(form, state) {
  const who = session.user ? session.user.id || session.user.login : ''
  const storageKey = 'cctrack:draft:' + who + ':' + form
  const content = () => JSON.stringify(state())
  let baseline = null // null: the form is being filled, nothing is a draft yet

  watch(content, (now) => {
    if (baseline !== null && now !== baseline) localStorage.setItem(storageKey, now)
  })

  // what the form holds once this tick's changes are done is the baseline
  function settle() {
    baseline = null
    nextTick(() => { baseline = content() })
  }

  return {
    // the unsent entry kept for this person and form, or null
    restore() {
      try { return JSON.parse(localStorage.getItem(storageKey) || 'null') } catch (e) { return null }
    },
    track: settle,
    clear() {
      localStorage.removeItem(storageKey)
      settle()
    },
  }
}
