import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In development the API runs beside vite; in production the server serves studio/dist.
const apiTarget = process.env['PROTEAN_API'] ?? 'http://127.0.0.1:4610';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
});
