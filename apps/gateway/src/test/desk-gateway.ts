import { AlertDesk, departmentsOf, deskTopics, type DeskTopics } from '@cityops/alert-desk';
import type { Bus } from '@cityops/bus';
import { loadConfig } from '@cityops/config';
import { closePorts, createIngestor, loadCity, openPorts } from '@cityops/runtime';
import type { Store } from '@cityops/store';
import type { CityPack } from '@cityops/city';
import type { Request } from 'express';
import { createGateway, type Gateway, type GatewayDeps } from '../gateway.js';
import { remoteDesk, type RemoteDesk } from '../desk-port.js';
import type { DeskIdentity } from '../routes/alerts.js';
import { blockageAlert } from './alert-fixture.js';

/** The users of the API tests, by bearer token. */
export const USERS: Record<string, DeskIdentity> = {
  'tok-zhang': { userId: 'u-zhang', username: 'zhang', roles: ['officer'] },
  'tok-wang': { userId: 'u-wang', username: 'wang', roles: ['officer'] },
  'tok-li': { userId: 'u-li', username: 'li', roles: ['supervisor'] },
  'tok-traffic': {
    userId: 'u-traffic',
    username: 'traffic',
    roles: ['department'],
    departmentId: 'dept-traffic-police',
  },
  'tok-cg': { userId: 'u-cg', username: 'chengguan', roles: ['department'], departmentId: 'dept-chengguan' },
  'tok-screen': { userId: 'u-screen', username: 'wall', roles: ['screen'] },
  'tok-data': { userId: 'u-data', username: 'data', roles: ['data'] },
};

/**
 * Stands in for `@cityops/identity`'s `authenticate` in these tests (which test the alerts routes,
 * not the login): the bearer token names one of {@link USERS}. The identity package's own tests
 * cover tokens, cookies and passwords; the console's browser test logs in for real.
 */
export function testIdentityOf(req: Request): DeskIdentity | undefined {
  const m = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
  return m ? USERS[m[1]!] : undefined;
}

export interface DeskGateway {
  gateway: Gateway;
  url: string;
  bus: Bus;
  store: Store;
  pack: CityPack;
  desk: AlertDesk;
  topics: DeskTopics;
  /** publishes a raised critical blockage alert detected now and waits for its case */
  raise(alertId: string): Promise<void>;
  close(): Promise<void>;
}

export interface DeskGatewayOptions {
  /** the bus and store (default: embedded ones); the gateway then reads the desk as a remote one */
  ports?: { bus: Bus; store: Store; close(): Promise<void> };
  /** who a request is (default: {@link testIdentityOf}); `null`: the identity middleware's `req.identity` */
  identityOf?: ((req: Request) => DeskIdentity | undefined) | null;
  /** the users and sessions behind the login (the gateway opens its own otherwise) */
  identity?: GatewayDeps['identity'];
}

/** A gateway with an alert desk behind it, on a free port of 127.0.0.1. */
export async function startDeskGateway(options: DeskGatewayOptions = {}): Promise<DeskGateway> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DELTA_INTERVAL_MS: '50' });
  const city = loadCity(config);
  const embedded = options.ports ? undefined : await openPorts(config, 'desk-gateway-test');
  const bus = options.ports?.bus ?? embedded!.bus;
  const store = options.ports?.store ?? embedded!.store;
  const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const topics = deskTopics(suffix);
  const group = `alert-desk.${suffix}`;
  const desk = new AlertDesk({
    bus,
    store,
    group,
    topics,
    departments: departmentsOf(city.pack.departments),
    tickIntervalMs: 1_000,
    outboxIntervalMs: 20,
    submitTimeoutMs: 20_000,
    partitions: 2,
  });
  await desk.start();
  // in distributed mode the gateway is another process: it reads the store and sends commands
  const remote: RemoteDesk | undefined = options.ports
    ? remoteDesk(bus, store, { group, topics, submitTimeoutMs: 20_000 })
    : undefined;
  const gateway = createGateway({
    config,
    bus,
    store,
    pack: city.pack,
    ingestor: createIngestor(config, { bus, store }, city),
    desk: remote ?? desk,
    deskAuditTopic: topics.audit,
    ...(options.identityOf === null ? {} : { identityOf: options.identityOf ?? testIdentityOf }),
    ...(options.identity ? { identity: options.identity } : {}),
  });
  const url = await gateway.listen();
  return {
    gateway,
    url,
    bus,
    store,
    pack: city.pack,
    desk,
    topics,
    async raise(alertId) {
      const alert = blockageAlert(city.pack, {
        alertId,
        detectedAt: new Date().toISOString(),
        firstSignalAt: new Date(Date.now() - 600_000).toISOString(),
        departments: { lead: 'dept-traffic-police', assist: ['dept-chengguan'] },
      });
      await bus.publish(topics.alerts, [{ key: alertId, value: JSON.stringify(alert) }]);
      for (let i = 0; i < 1_000; i++) {
        if (await desk.getCase(alertId)) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`case ${alertId} did not appear`);
    },
    async close() {
      await gateway.close();
      await remote?.stop();
      await desk.stop();
      if (embedded) await closePorts(embedded);
      else await options.ports!.close();
    },
  };
}
