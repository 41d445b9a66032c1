// True while the window is at least WIDE px wide (the bureau's desktop: side navigation instead of the tab bar).
import { onBeforeUnmount, ref } from 'vue'

export const WIDE = 1024

export function useWide(min = WIDE) {
  const query = window.matchMedia(`(min-width: ${min}px)`)
  const wide = ref(query.matches)
  const onChange = (e) => { wide.value = e.matches }
  query.addEventListener('change', onChange)
  onBeforeUnmount(() => query.removeEventListener('change', onChange))
  return wide
}
