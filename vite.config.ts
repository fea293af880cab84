import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { herumiWasm } from './web/vite/herumiWasm.ts'

const repoRoot = fileURLToPath(new URL('.', import.meta.url))

/**
 * The web app lives in `web/` and builds into `web/dist`, which the devnet web server serves
 * together with `/registry.json` and `/faucet`. During `npm run dev:web` (or `vite preview`)
 * those two paths are proxied to a running devnet web server at `DEVNET_WEB_URL`.
 */
const devnetWebUrl = process.env.DEVNET_WEB_URL ?? 'http://127.0.0.1:8000'
const proxy = {
  '/registry.json': { target: devnetWebUrl, changeOrigin: true },
  '/faucet': { target: devnetWebUrl, changeOrigin: true },
}

export default defineConfig({
  root: 'web',
  plugins: [react(), herumiWasm()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The first chunk (React, wagmi, viem, the chart) is about 590 kB; BLS comes in later ones.
    chunkSizeWarningLimit: 650,
  },
  // The BLS worker loads herumi, whose module uses top-level await: an ES module worker.
  worker: { format: 'es', plugins: () => [herumiWasm()] },
  server: { host: '127.0.0.1', proxy, fs: { allow: [repoRoot] } },
  preview: { host: '127.0.0.1', proxy },
})
