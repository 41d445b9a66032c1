// One list continued by a cursor: load() asks fetchPage({ limit, after }) for the first page, more() for the
// next ({ items, next }) and appends it; an answer that arrives after a newer first page was asked is dropped.
import { ref } from 'vue'
import { errorText } from '../api/transport.js'

export function useCursorList(fetchPage, { limit = 20 } = {}) {
  const items = ref([])
  const next = ref(null)
  const error = ref('')
  const loading = ref(false)
  const loaded = ref(false)
  let asked = 0

  async function fetch(fresh) {
    const ticket = fresh ? ++asked : asked
    loading.value = true
    error.value = ''
    try {
      const answer = await fetchPage(fresh ? { limit } : { limit, after: next.value })
      if (ticket !== asked) return
      items.value = fresh ? (answer.items || []) : [...items.value, ...(answer.items || [])]
      next.value = answer.next || null
    } catch (e) {
      if (ticket === asked) error.value = errorText(e)
    } finally {
      if (ticket === asked) { loading.value = false; loaded.value = true }
    }
  }

  const load = () => fetch(true)
  const more = () => (next.value && !loading.value ? fetch(false) : undefined)
  return { items, next, error, loading, loaded, load, more }
}
