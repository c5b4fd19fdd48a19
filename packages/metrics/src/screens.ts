import { Gauge } from 'prom-client';
import { registry } from './registry.js';

const sources = new Set<() => number>();
let gauge: Gauge | undefined;

/**
 * Adds a gateway's connected-screen count to `cityops_screens_connected`, read at each scrape.
 * The gauge is registered by the first call, so a process without a gateway (aggregator,
 * simulator) does not show a screen count of 0 it never measured. Returns the function that
 * removes this gateway again (when it closes), so a process that creates several gateways, as
 * tests do, counts only the live ones.
 */
export function trackScreens(read: () => number): () => void {
  gauge ??= new Gauge({
    name: 'cityops_screens_connected',
    help: 'socket.io screens connected to the gateways of this process',
    registers: [registry],
    collect() {
      let sum = 0;
      for (const count of sources) sum += count();
      this.set(sum);
    },
  });
  const source = () => read();
  sources.add(source);
  return () => {
    sources.delete(source);
  };
}
