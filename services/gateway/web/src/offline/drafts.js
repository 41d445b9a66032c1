// Drafts: a form's unsent entry (its photos included, as Blobs) in IndexedDB, per person and per form.
import { database, owner, plain } from './db.js'

const keyOf = (form) => owner() + ' ' + form

export async function readDraft(form) {
  if (!owner()) return null
  try { return (await (await database()).get('drafts', keyOf(form))) || null } catch (e) { return null }
}

export async function writeDraft(form, content) {
  if (!owner()) return
  await (await database()).put('drafts', plain(content), keyOf(form))
}

export async function dropDraft(form) {
  if (!owner()) return
  await (await database()).delete('drafts', keyOf(form))
}
