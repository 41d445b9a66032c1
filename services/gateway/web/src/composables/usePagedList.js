// One paged list: load(offset) asks fetchPage({ limit, offset }) for a page ({ items, total, ... }) and keeps
// it (page: the whole answer); an answer that arrives after a newer request was made is dropped.
import { ref } from 'vue'
import { errorText } from '../api/transport.js'

export function usePagedList(fetchPage, { limit = 20 } = {}) {
  const items = ref([])
  const total = ref(0)
  const offset = ref(0)
  const page = ref(null)
  const error = ref('')
  const loading = ref(false)
  const loaded = ref(false)
  let asked = 0

  async function load(o = 0) {
    const ticket = ++asked
    offset.value = o
    loading.value = true
    error.value = ''
    try {
      const answer = await fetchPage({ limit, offset: o })
      if (ticket !== asked) return
      page.value = answer
      items.value = answer.items || []
      total.value = answer.total ?? items.value.length
    } catch (e) {
      if (ticket === asked) error.value = errorText(e)
    } finally {
      if (ticket === asked) { loading.value = false; loaded.value = true }
    }
  }

  return { items, total, offset, limit, page, error, loading, loaded, load }
}
