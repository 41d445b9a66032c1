// The bureau's desktop: the district's boundary file for the centres' map.
import { get, newKey, upload } from './transport.js'

export const getBoundary = () => get('/map/boundary')
export function uploadBoundary(file) {
  const form = new FormData()
  form.append('file', file, file.name)
  return upload('/map/boundary', form, { key: newKey() })
}
