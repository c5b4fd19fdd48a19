import { defineConfig, defaultClientConditions } from 'vite';
import react from '@vitejs/plugin-react';

const gateway = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  // relative asset URLs so the gateway can serve dist/ under any path
  base: './',
  // workspace packages resolve to their TypeScript sources: no build of @cityops/schema needed
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      treeshake: {
        // @cityops/schema's root also builds zod schemas at import time; the screen takes only
        // types and applyMergePatch from it, so its modules are declared pure and zod stays out.
        moduleSideEffects: (id: string) => !/[\\/]packages[\\/]schema[\\/]src[\\/]/.test(id) && !id.includes('/zod/'),
      },
    },
  },
  server: {
    proxy: {
      '/api': gateway,
      '/healthz': gateway,
      '/socket.io': { target: gateway, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': gateway,
      '/healthz': gateway,
      '/socket.io': { target: gateway, ws: true },
    },
  },
});
