// A photo as the phone prepares it before it is kept or sent: the original's EXIF (capture time, GPS) and
// SHA-256 are read first, then the picture is made smaller (browser-image-compression, on this page's own
// thread: its web worker would load its code from a CDN) with the EXIF kept, so the server still reads when
// and where it was taken. HEIC (iPhones) cannot be drawn by most browsers: it is sent as it is.
import exifr from 'exifr'
import imageCompression from 'browser-image-compression'

const LIMIT_MB = 1
const LONG_SIDE = 2560

async function sha256(file) {
  if (!(window.crypto && crypto.subtle)) return ''
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer())
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

async function exif(file) {
  try {
    const tags = (await exifr.parse(file, { tiff: true, exif: true, gps: true, pick: ['DateTimeOriginal', 'CreateDate', 'latitude', 'longitude', 'GPSLatitude', 'GPSLongitude', 'GPSLatitudeRef', 'GPSLongitudeRef'] })) || {}
    const when = tags.DateTimeOriginal || tags.CreateDate
    return {
      taken_at: when instanceof Date && !isNaN(when) ? when.toISOString() : null,
      gps: typeof tags.latitude === 'number' && typeof tags.longitude === 'number' ? { lat: tags.latitude, lng: tags.longitude } : null,
    }
  } catch (e) {
    return { taken_at: null, gps: null }
  }
}

const drawable = (file) => /^image\/(jpeg|png|webp)$/.test(file.type)

async function smaller(file) {
  if (!drawable(file) || (file.size <= LIMIT_MB * 1024 * 1024 && file.type !== 'image/webp')) return file
  try {
    const out = await imageCompression(file, { maxSizeMB: LIMIT_MB, maxWidthOrHeight: LONG_SIDE, useWebWorker: false,
      preserveExif: true, initialQuality: 0.85, fileType: 'image/jpeg' })
    if (out.size >= file.size) return file
    const name = file.name.replace(/\.(png|webp|jpe?g)$/i, '') + '.jpg'
    return new File([out], name, { type: 'image/jpeg', lastModified: file.lastModified })
  } catch (e) {
    return file
  }
}

// The phone's own position now (when the person allows it), or null: within a few seconds, never blocking.
export function currentPosition() {
  if (!navigator.geolocation || !window.isSecureContext) return Promise.resolve(null)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 6000)
    navigator.geolocation.getCurrentPosition(
      (p) => { clearTimeout(timer); resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy }) },
      () => { clearTimeout(timer); resolve(null) },
      { enableHighAccuracy: true, timeout: 6000, maximumAge: 120000 })
  })
}

// { file, meta: { name, size, sha256, taken_at, gps, position } }: the file to keep and send, and what the
// original said (its name and size, before compression)
export async function preparePhoto(file, position = null) {
  const [hash, facts] = await Promise.all([sha256(file), exif(file)])
  const out = await smaller(file)
  return { file: out, meta: { name: file.name, size: file.size, sha256: hash, ...facts, position } }
}
