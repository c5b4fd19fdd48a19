import { Gauge } from 'prom-client';
import { registry } from './registry.js';

const sources = new Set<() => number>();

new Gauge({
  name: 'cityops_screens_connected',
  help: 'socket.io screens connected to the gateways of this process',
  registers: [registry],
  collect() {
    let sum = 0;
    for (const read of sources) sum += read();
    this.set(sum);
  },
});

/**
 * Adds a gateway's connected-screen count to `cityops_screens_connected`, read at each scrape.
 * Returns the function that removes it again (when that gateway closes), so a process that
 * creates several gateways, as tests do, counts only the live ones.
 */
export function trackScreens(read: () => number): () => void {
  const source = () => read();
  sources.add(source);
  return () => {
    sources.delete(source);
  };
}
