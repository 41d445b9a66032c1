// A form's unsent entry, kept in IndexedDB per person and per form (offline/drafts.js), photos included.
// state() is the form's content (files as File/Blob). What the form was filled with (track) or what was
// just sent (clear) is not a draft: only content that differs from it is written, so a draft cleared
// after a success is never written again by the form updating itself (e.g. to the version just stored).
// Writes go one after another, so a clear is never overtaken by an earlier write.
import { nextTick, watch } from 'vue'
import { print } from '../offline/db.js'
import { dropDraft, readDraft, writeDraft } from '../offline/drafts.js'

// form: the form's name, or a function giving it (a form whose name follows what it shows, e.g. a month)
export function useDraft(form, state) {
  const formName = typeof form === 'function' ? form : () => form
  const content = () => print(state())
  let baseline = null // null: the form is being filled, nothing is a draft yet
  let queue = Promise.resolve()
  const then = (job) => { queue = queue.then(job).catch(() => {}); return queue }

  watch(content, (now) => {
    if (baseline !== null && now !== baseline) { const kept = state(); const name = formName(); then(() => writeDraft(name, kept)) }
  })

  // what the form holds once this tick's changes are done is the baseline
  function settle() {
    baseline = null
    nextTick(() => { baseline = content() })
  }

  return {
    // the unsent entry kept for this person and form, or null
    restore: () => readDraft(formName()),
    // the form is being (re)loaded: nothing it shows is a draft until track()
    pause() { baseline = null },
    track: settle,
    // keep this content now (e.g. an entry the server sent back)
    keep: (kept) => then(() => writeDraft(formName(), kept)),
    clear() {
      settle()
      const name = formName()
      return then(() => dropDraft(name))
    },
  }
}
