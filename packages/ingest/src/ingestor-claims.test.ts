import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedBus, type Bus, type BusRecord } from '@cityops/bus';
import { CityIndex, loadCityPack } from '@cityops/city';
import { CityopsError, ErrorCodes, Topics, isCityopsError } from '@cityops/schema';
import { MemoryStore, type Store } from '@cityops/store';
import { eventually } from '@cityops/testkit';
import { Ingestor, type IngestItem, type IngestorOptions } from './ingestor.js';

// Decision 005: claims with owner tokens and short leases. The buses here fail the way a real
// publish can: definitely (closed, nothing sent), ambiguously (sent, then an error), or slowly.

const index = new CityIndex(loadCityPack());
const NOW = Date.UTC(2026, 10, 22, 1, 0, 0);

const item = (id: string): IngestItem[] => [
  {
    ok: true,
    value: {
      v: 1,
      id,
      source: 'claims-src',
      type: 'sensor.reading',
      eventTime: new Date(NOW - 1000).toISOString(),
      location: { lon: 121.4737, lat: 31.2304 },
      category: { kind: 'part', code: 'P.01.01' },
      payload: { sensorId: 's1', kind: 'water_level', value: 0.4, unit: 'm' },
    },
  },
];

type Publish = (records: BusRecord[], append: () => Promise<void>) => Promise<void>;

/** The embedded bus, with every publish to city.events.v1 going through `behaviour`. */
function busWith(inner: EmbeddedBus, behaviour: Publish): Bus {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'publish') {
        return (topic: string, records: BusRecord[]) =>
          topic === Topics.events
            ? behaviour(records, () => target.publish(topic, records))
            : target.publish(topic, records);
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The store as one process sees it; `override` replaces some of its methods. */
function storeWith(inner: Store, override: Partial<Record<keyof Store, (...args: never[]) => unknown>>): Store {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const own = override[prop as keyof Store];
      if (own) return own;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const definiteFailure: Publish = async () => {
  throw new CityopsError(ErrorCodes.BUS_CLOSED, 'the bus is closed');
};
/** the broker appended the records, then the answer was lost */
const ambiguousFailure: Publish = async (_r, append) => {
  await append();
  throw new CityopsError(ErrorCodes.BUS_UNAVAILABLE, 'Request timed out after the broker appended');
};
const slow =
  (ms: number, then: Publish = async (_r, append) => append()): Publish =>
  async (records, append) => {
    await sleep(ms);
    await then(records, append);
  };
const never: Publish = () => new Promise<void>(() => {});

describe('Ingestor claims (decision 005)', () => {
  let inner: EmbeddedBus;
  let store: MemoryStore;
  beforeEach(async () => {
    inner = new EmbeddedBus();
    store = new MemoryStore();
    await inner.ensureTopics([
      { topic: Topics.events, partitions: 2 },
      { topic: Topics.dlq, partitions: 1 },
    ]);
  });
  afterEach(async () => {
    await inner.close();
    await store.close();
  });

  const ingestor = (o: Partial<IngestorOptions> = {}) =>
    new Ingestor({
      bus: inner,
      store,
      locator: index,
      dedupeTtlMs: 60_000,
      maxClockSkewMs: 120_000,
      claimLeaseMs: 300,
      claimRenewMs: 100,
      now: () => NOW,
      ...o,
    });
  const onTopic = async () => Object.values(await inner.endOffsets(Topics.events)).reduce((a, b) => a + b, 0);

  it('a dead publisher’s claims lapse within the lease, and the source’s resend is then accepted', async () => {
    let dead = false;
    const killable = storeWith(store, {
      renewEventIds: async (...args: never[]) => {
        if (dead) throw new Error('the process is gone');
        return store.renewEventIds(...(args as unknown as Parameters<Store['renewEventIds']>));
      },
    });
    const doomed = ingestor({ bus: busWith(inner, never), store: killable, publishTimeoutMs: 60_000 });
    void doomed.ingest(item('d1'), 'test');
    await sleep(50);
    dead = true;
    const next = ingestor();
    expect((await next.ingest(item('d1'), 'test')).retry).toMatchObject([{ id: 'd1', code: 'E_EVT_IN_FLIGHT' }]);
    const started = Date.now();
    await eventually(
      async () => ((await next.ingest(item('d1'), 'test')).accepted === 1 ? true : undefined),
      3_000,
      'the resend to be accepted',
    );
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await onTopic()).toBe(1);
  });

  it('a slow live publisher keeps its claims past the lease: resends are in flight, then duplicates; written once', async () => {
    const first = ingestor({ bus: busWith(inner, slow(1_000)) }).ingest(item('s1'), 'test');
    await sleep(50);
    const other = ingestor();
    for (let i = 0; i < 4; i++) {
      await sleep(200);
      expect((await other.ingest(item('s1'), 'test')).retry).toHaveLength(1);
    }
    expect(await first).toMatchObject({ accepted: 1, retry: [] });
    expect(await other.ingest(item('s1'), 'test')).toMatchObject({ accepted: 0, duplicates: 1, retry: [] });
    expect(await onTopic()).toBe(1);
  });

  it('an ambiguous publish failure keeps the claims pending: answered retry, and a resend within the lease is not written again', async () => {
    const unlucky = ingestor({ bus: busWith(inner, ambiguousFailure) });
    const answer = await unlucky.ingest(item('a1'), 'test');
    expect(answer).toMatchObject({ accepted: 0, duplicates: 0, rejected: [] });
    expect(answer.retry).toMatchObject([{ id: 'a1', code: 'E_EVT_IN_FLIGHT' }]);
    expect(unlucky.stats.ambiguousPublishes).toBe(1);
    const other = ingestor();
    expect((await other.ingest(item('a1'), 'test')).retry).toHaveLength(1);
    expect(await onTopic()).toBe(1);
    // Once the claim lapses the resend takes it over as lapsed, finds the first copy on the
    // topic and answers duplicate: written once.
    await sleep(450);
    expect(await other.ingest(item('a1'), 'test')).toMatchObject({ accepted: 0, duplicates: 1, retry: [] });
    expect(other.stats.takeoversFound).toBe(1);
    expect(await onTopic()).toBe(1);
    expect(await other.ingest(item('a1'), 'test')).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('a publisher that dies after the broker appended and before it confirmed: the resend finds the event and writes nothing', async () => {
    let dead = false;
    const dying = storeWith(store, {
      renewEventIds: async (...args: never[]) => {
        if (dead) throw new Error('the process is gone');
        return store.renewEventIds(...(args as unknown as Parameters<Store['renewEventIds']>));
      },
      // the process dies right after the broker's ack: its confirm never reaches the store
      confirmEventIds: () => {
        dead = true;
        return new Promise(() => {});
      },
    });
    const batch = [...item('k1'), ...item('k2'), ...item('k3')].map((it, n) =>
      it.ok ? { ok: true as const, value: { ...(it.value as object), id: `k${n + 1}` } } : it,
    );
    void ingestor({ store: dying }).ingest(batch, 'test');
    await eventually(async () => ((await onTopic()) === 3 ? true : undefined), 2_000, 'the first copies');
    const next = ingestor();
    const answer = await eventually(
      async () => {
        const a = await next.ingest(batch, 'test');
        return a.retry.length === 0 ? a : undefined;
      },
      3_000,
      'the lease to lapse',
    );
    expect(answer).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(next.stats.takeoversFound).toBe(3);
    expect(await onTopic()).toBe(3);
  });

  it('a publish that times out answers retry; its claim is renewed until it lands, then confirmed', async () => {
    const t0 = Date.now();
    const timedOut = ingestor({ bus: busWith(inner, slow(900)), publishTimeoutMs: 150 });
    const answer = await timedOut.ingest(item('t1'), 'test');
    expect(Date.now() - t0).toBeLessThan(600);
    expect(answer).toMatchObject({ accepted: 0, retry: [{ id: 't1', code: 'E_EVT_IN_FLIGHT' }] });
    const other = ingestor();
    await sleep(400); // past the 300 ms lease: held only by renewal
    expect((await other.ingest(item('t1'), 'test')).retry).toHaveLength(1);
    await sleep(600); // landed at ~900 ms and confirmed
    expect(await other.ingest(item('t1'), 'test')).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await onTopic()).toBe(1);
  });

  it('a definite failure releases only its own claims, never one another ingest took after its lease lapsed', async () => {
    // this publisher's renewals do not reach the store (a blip), so its lease lapses mid-publish
    const stale = ingestor({
      bus: busWith(inner, slow(600, definiteFailure)),
      store: storeWith(store, { renewEventIds: async () => [false] }),
    });
    const failing = stale.ingest(item('r1'), 'test');
    await sleep(400);
    const taker = ingestor({ bus: busWith(inner, slow(800)) }).ingest(item('r1'), 'test');
    await expect(failing).rejects.toSatisfy((e) => isCityopsError(e, 'E_BUS_UNAVAILABLE'));
    const third = ingestor();
    expect((await third.ingest(item('r1'), 'test')).retry).toHaveLength(1);
    expect(await taker).toMatchObject({ accepted: 1 });
    expect(await third.ingest(item('r1'), 'test')).toMatchObject({ duplicates: 1 });
    expect(await onTopic()).toBe(1);
  });

  it('a confirm the store did not answer is tried again while the claim is kept, so a later resend is a duplicate', async () => {
    let failures = 2;
    const blip = storeWith(store, {
      confirmEventIds: async (...args: never[]) => {
        if (failures-- > 0) throw new CityopsError(ErrorCodes.STORE_UNAVAILABLE, 'Redis blip');
        return store.confirmEventIds(...(args as unknown as Parameters<Store['confirmEventIds']>));
      },
    });
    expect(await ingestor({ store: blip }).ingest(item('c1'), 'test')).toMatchObject({ accepted: 1 });
    await sleep(600); // twice the lease
    expect(await ingestor().ingest(item('c1'), 'test')).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await onTopic()).toBe(1);
  });

  it('a store that cannot be reached at claim time fails the ingest with E_STORE_UNAVAILABLE; nothing is published', async () => {
    await store.close();
    await expect(ingestor().ingest(item('x1'), 'test')).rejects.toSatisfy((e) =>
      isCityopsError(e, 'E_STORE_UNAVAILABLE'),
    );
    expect(await onTopic()).toBe(0);
  });
});
