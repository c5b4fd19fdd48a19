import { loadConfig } from '@cityops/config';
import { closePorts, createIngestor, loadCity, openPorts } from '@cityops/runtime';
import type { Bus } from '@cityops/bus';
import { createGateway, type Gateway, type GatewayDeps } from '../gateway.js';

export interface TestGateway {
  gateway: Gateway;
  url: string;
  port: number;
  /** the embedded bus the gateway reads, so a test can publish to its topics */
  bus: Bus;
  close(): Promise<void>;
}

/** For tests: a whole gateway on embedded ports, on a free port of 127.0.0.1, with these settings. */
export async function startTestGateway(
  env: Record<string, string> = {},
  extra: Pick<GatewayDeps, 'sourceHealth' | 'ingestRouter'> = {},
): Promise<TestGateway> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ...env });
  const city = loadCity(config);
  const ports = await openPorts(config, 'gateway-test');
  const gateway = createGateway({
    config,
    ...ports,
    pack: city.pack,
    ingestor: createIngestor(config, ports, city),
    ...extra,
  });
  const url = await gateway.listen();
  return {
    gateway,
    url,
    port: Number(new URL(url).port),
    bus: ports.bus,
    async close() {
      await gateway.close();
      await closePorts(ports);
    },
  };
}
