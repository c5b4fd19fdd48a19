import { loadConfig } from '@cityops/config';
import { closePorts, createIngestor, loadCity, openPorts } from '@cityops/runtime';
import type { Bus } from '@cityops/bus';
import type { IdentityService, Role } from '@cityops/identity';
import { createGateway, type Gateway, type GatewayDeps } from '../gateway.js';
import { testIdentity, tokenFor } from './identity-fixture.js';

export interface TestGateway {
  gateway: Gateway;
  url: string;
  port: number;
  /** the embedded bus the gateway reads, so a test can publish to its topics */
  bus: Bus;
  /** the gateway's users and sessions (a temporary users file unless `extra.identity` is given) */
  identity: IdentityService;
  /** a screen token made at start, for sockets (`auth: { token }`) and Bearer requests of the wall */
  screenToken: string;
  /** a bearer token of a new user with exactly `role` */
  tokenFor(role: Role, departmentId?: string): Promise<string>;
  close(): Promise<void>;
}

/** For tests: a whole gateway on embedded ports, on a free port of 127.0.0.1, with these settings. */
export async function startTestGateway(
  env: Record<string, string> = {},
  extra: Pick<GatewayDeps, 'sourceHealth' | 'ingestRouter' | 'identity' | 'socketRevalidateMs'> = {},
): Promise<TestGateway> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ...env });
  const city = loadCity(config);
  const ports = await openPorts(config, 'gateway-test');
  const identity = extra.identity ?? testIdentity();
  const gateway = createGateway({
    config,
    ...ports,
    pack: city.pack,
    ingestor: createIngestor(config, ports, city),
    ...extra,
    identity,
  });
  const url = await gateway.listen();
  return {
    gateway,
    url,
    port: Number(new URL(url).port),
    bus: ports.bus,
    identity,
    screenToken: await tokenFor(identity, 'screen'),
    tokenFor: (role, departmentId) => tokenFor(identity, role, departmentId),
    async close() {
      await gateway.close();
      if (!extra.identity) await identity.close();
      await closePorts(ports);
    },
  };
}
