// The counts shown on tabs (我的待办): refreshed after each navigation and after an action changes them.
import { reactive } from 'vue'
import { getTodo } from '../api/supervision.js'
import { session } from '../api/session.js'
import { can } from './useAccess.js'
import { router } from '../router.js'

export const counts = reactive({ todo: 0 })

export async function refreshCounts() {
  if (!session.user || session.user.must_change_password || !can('todo.read')) return
  try { counts.todo = (await getTodo()).total || 0 } catch (e) { /* badge only */ }
}

router.afterEach(() => { refreshCounts() })
