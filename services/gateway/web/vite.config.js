import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

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

// The gateway serves dist/ at "/" and the hashed files under /assets/.
export default defineConfig({
  plugins: [vue()],
  css: { postcss: { plugins: [ownFontsOnly] } },
  base: '/',
  build: { outDir: 'dist', assetsDir: 'assets', chunkSizeWarningLimit: 600, sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
})
