import { defineConfig, defaultClientConditions } from 'vite';
import react from '@vitejs/plugin-react';

const gateway = 'http://127.0.0.1:8080';
const proxy = {
  '/api': gateway,
  '/socket.io': { target: gateway, ws: true },
};

export default defineConfig({
  plugins: [react()],
  // the gateway serves dist/ at /console/
  base: '/console/',
  // workspace packages resolve to their TypeScript sources: no build of @cityops/schema needed
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      treeshake: {
        // only types and a constant come from @cityops/schema: its zod schemas stay out
        moduleSideEffects: (id: string) => !/[\\/]packages[\\/]schema[\\/]src[\\/]/.test(id) && !id.includes('/zod/'),
      },
    },
  },
  server: { proxy },
  preview: { proxy },
});
