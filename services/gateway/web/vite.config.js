import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The gateway serves dist/ at "/" and the hashed files under /assets/.
export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: { outDir: 'dist', assetsDir: 'assets', chunkSizeWarningLimit: 600, sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
})
