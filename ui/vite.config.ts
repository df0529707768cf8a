import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The UI is served by the Plugboard server; `npm run build:ui` writes it to ui/dist.
export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 6000,
  },
  server: {
    // `npx vite --config ui/vite.config.ts` while a server runs on :5601 gives hot reload.
    // The API goes to the server; pages (also /s/{space}/…) stay with Vite's own fallback.
    proxy: { '^(/s/[^/]+)?/(api|internal)/': 'http://127.0.0.1:5601' },
  },
});
