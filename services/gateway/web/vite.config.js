import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'

// Fonts come with the app: a font-face source on another host (Vant's icon font names a CDN copy after
// its inline one) is dropped, as the gateway's Content-Security-Policy would refuse it anyway.
const ownFontsOnly = {
  postcssPlugin: 'own-fonts-only',
  AtRule: {
    'font-face': (rule) => rule.walkDecls('src', (decl) => {
      decl.value = decl.value.split(/,(?=\s*url\()/).filter((source) => !/url\(\s*['"]?(https?:)?\/\//.test(source)).join(',')
    }),
  },
}

// An installable app whose shell (index.html, scripts, styles, fonts, icons) a service worker keeps, so the
// pages open without a network and the outbox (src/offline) sends what was written once it is back. The
// service worker is one file (Workbox bundled into it, nothing from a CDN); the gateway serves it at /sw.js
// (scope /, never cached: services/gateway/webapp.py). API reads are answered from the network, and from the
// last answer only when there is none (offline); the session, originals and exports are never kept.
const pwa = VitePWA({
  registerType: 'autoUpdate',
  injectRegister: 'script',
  filename: 'sw.js',
  includeAssets: ['apple-touch-icon.png'],
  manifest: {
    name: '基层综合性文化服务中心建设管理',
    short_name: '文化中心建设',
    description: '街道办事处填报建设进度、检查验收、整改与月度服务数据',
    lang: 'zh-CN',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    background_color: '#f4f5f7',
    theme_color: '#0b5cad',
    icons: [
      { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  },
  workbox: {
    inlineWorkboxRuntime: true,
    clientsClaim: true, // the open page is served by the new worker at once: it works offline from its first visit
    skipWaiting: true,
    globPatterns: ['**/*.{js,css,html,png,svg,woff,woff2,ttf}'],
    navigateFallback: '/index.html',
    navigateFallbackDenylist: [/^\/api\//, /^\/s\//],
    cleanupOutdatedCaches: true,
    runtimeCaching: [{
      // (written out here: Workbox copies this function's text into the service worker)
      urlPattern: ({ url, request }) => request.method === 'GET' && url.pathname.startsWith('/api/') &&
        !/^\/api\/(session|evidence\/[^/]+$|inspections\/[^/]+\/photos\/|rectifications\/[^/]+\/evidence\/|reports\/|bulletins?\/|.*\.(xlsx|pdf|docx|png)$)/.test(url.pathname),
      handler: 'NetworkFirst',
      options: { cacheName: 'cctrack-api', networkTimeoutSeconds: 15, expiration: { maxEntries: 400, maxAgeSeconds: 30 * 24 * 3600 } },
    }],
  },
})

// The gateway serves dist/ at "/" and the hashed files under /assets/.
export default defineConfig({
  plugins: [vue(), pwa],
  css: { postcss: { plugins: [ownFontsOnly] } },
  base: '/',
  build: { outDir: 'dist', assetsDir: 'assets', chunkSizeWarningLimit: 600, sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
})
