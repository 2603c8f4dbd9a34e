import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Writes a Brotli and a gzip copy beside each built script and stylesheet; the server sends the
 * one the browser accepts (the entry chunk is ~340 KB raw, ~95 KB in Brotli). Brotli quality 5:
 * within a few percent of 11 for these files, at a hundredth of its time in every studio build.
 */
function precompress(): Plugin {
  return {
    name: 'protean-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      for (const name of Object.keys(bundle)) {
        if (!/\.(js|css|ttf|json|svg)$/.test(name)) continue;
        const file = join(options.dir!, name);
        const data = readFileSync(file);
        if (data.length < 1024) continue;
        writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

// In development the API runs beside vite; in production the server serves studio/dist.
const apiTarget = process.env['PROTEAN_API'] ?? 'http://127.0.0.1:4610';

const config: UserConfig = {
  root: import.meta.dirname,
  plugins: [react(), precompress()],
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
};

export default defineConfig(({ command }) => {
  // A build is what users get: React's production code, whatever NODE_ENV the building process
  // had (a test run's `test` gave React's development build, whose StrictMode ran every effect
  // twice, so each page sent its requests twice). Vite reads NODE_ENV once this config is loaded.
  if (command === 'build') process.env['NODE_ENV'] = 'production';
  return config;
});
