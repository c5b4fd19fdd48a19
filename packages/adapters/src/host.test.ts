import type { Bus } from '@cityops/bus';
import { CityopsError, ErrorCodes, Topics } from '@cityops/schema';
import type { Store } from '@cityops/store';
import { storeCursor } from './cursor.js';
import { HostFullError } from './host.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAdapter, type Mapped } from './types.js';
import { NOW, openHost, readAll, type HostRig } from './test/rig.js';
import { EmbeddedBus } from '@cityops/bus';
import { MemoryStore } from '@cityops/store';

/** A toy adapter: `{ id, lon, lat, code }` → a sensor reading; `bad` inputs are rejected, `boom` throws. */
const toy = defineAdapter({
  name: 'toy',
  description: 'test adapter',
  source: 'toy-src',
  options: z.object({ unit: z.string().default('m') }).strict(),
  map(input, ctx, o): Mapped[] {
    const i = input as { id: string; lon: number; lat: number; code?: string; bad?: boolean; boom?: boolean };
    if (i.boom) throw new Error('kaboom');
    if (i.bad) return [{ ok: false, code: 'E_ADP_BAD_INPUT', reason: 'bad: true', id: i.id }];
    return [
      {
        ok: true,
        event: {
          v: 1,
          id: i.id,
          source: 'toy-src',
          type: 'sensor.reading',
          eventTime: new Date(ctx.now() - 1000).toISOString(),
          location: { lon: i.lon, lat: i.lat },
          category: ctx.category(i.code ?? 'x').category,
          payload: { sensorId: i.id, kind: 'water_level', value: 1, unit: o.unit },
        },
      },
    ];
  },
});

const good = (id: string) => ({ id, lon: 121.4737, lat: 31.2304, code: 'gauge' });

let rig: HostRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('AdapterHost', () => {
  it('maps, ingests, dedupes and dead-letters; one bad input never drops the good ones', async () => {
    rig = await openHost({ mappings: { toy: { adapter: 'toy', fallback: 'E.10.01', codes: { gauge: 'P.01.10' } } } });
    rig.host.add(toy, {});
    const inputs = [good('a'), { id: 'b', bad: true }, { boom: true }, good('c'), { ...good('far'), lon: 0, lat: 0 }];
    const out = await rig.host.submit('toy', JSON.stringify(inputs), inputs);
    expect(out.accepted).toBe(2);
    expect(out.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'E_ADP_BAD_INPUT'],
      [2, 'E_ADP_MAP_FAILED'],
      [4, 'E_EVT_OUTSIDE_CITY'],
    ]);
    const again = await rig.host.submit('toy', '', [good('a')]);
    expect(again).toMatchObject({ accepted: 0, duplicates: 1 });

    const events = (await readAll(rig.bus, Topics.events)).map((r) => JSON.parse(r.value!));
    expect(events.map((e) => e.id).sort()).toEqual(['a', 'c']);
    expect(events[0].category).toEqual({ kind: 'part', code: 'P.01.10' });
    const dlq = (await readAll(rig.bus, Topics.dlq)).map((r) => JSON.parse(r.value!));
    expect(dlq.map((d) => d.code).sort()).toEqual(['E_ADP_BAD_INPUT', 'E_ADP_MAP_FAILED', 'E_EVT_OUTSIDE_CITY']);
    expect(dlq.find((d) => d.code === 'E_ADP_BAD_INPUT').raw).toBe(JSON.stringify({ id: 'b', bad: true }));
    expect(dlq.every((d) => d.source === 'toy')).toBe(true);

    const [h] = rig.host.health();
    expect(h).toMatchObject({
      name: 'toy',
      source: 'toy-src',
      accepted: 2,
      duplicates: 1,
      rejected: 3,
      deadLettered: 3,
    });
    expect(h!.lastEventAt).toBe(new Date(NOW).toISOString());
    expect(h!.lastEventTime).toBe(new Date(NOW - 1000).toISOString());
    expect(h!.lastError?.code).toBeDefined();
    const metrics = await rig.registry.getSingleMetricAsString('cityops_adapter_events_total');
    expect(metrics).toContain('cityops_adapter_events_total{adapter="toy",outcome="accepted"} 2');
  });

  it('lists unmapped source codes under the catch-all, never drops them', async () => {
    rig = await openHost({ mappings: { toy: { adapter: 'toy', fallback: 'E.10.01', codes: {} } } });
    rig.host.add(toy);
    const out = await rig.host.submit('toy', '', [{ ...good('u1'), code: 'mystery' }]);
    expect(out.accepted).toBe(1);
    expect(rig.host.health()[0]!.unmapped).toEqual({ mystery: 1 });
    const [e] = (await readAll(rig.bus, Topics.events)).map((r) => JSON.parse(r.value!));
    expect(e.category).toEqual({ kind: 'event', code: 'E.10.01' });
  });

  it('rejects unknown option keys, naming the key', async () => {
    rig = await openHost();
    expect(() => rig!.host.add(toy, { unit: 'm', colour: 'red' })).toThrow(/colour/);
  });

  it('coalesces concurrent submits into batches and answers each its own outcome', async () => {
    rig = await openHost({ maxBatchEvents: 50, maxBatchWaitMs: 20 });
    rig.host.add(toy);
    const outs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => rig!.host.submit('toy', '', [good(`k${i % 10}`)])),
    );
    expect(outs.reduce((a, o) => a + o.accepted, 0)).toBe(10);
    expect(outs.reduce((a, o) => a + o.duplicates, 0)).toBe(10);
    expect(outs.every((o) => o.accepted + o.duplicates === 1)).toBe(true);
  });
});

/** `target` with `method` replaced (the rest delegated, bound). */
function patched<T extends object>(target: T, method: keyof T, impl: (...args: never[]) => unknown): T {
  return new Proxy(target, {
    get: (t, k) =>
      k === method
        ? impl
        : typeof t[k as keyof T] === 'function'
          ? (t[k as keyof T] as () => unknown).bind(t)
          : t[k as keyof T],
  });
}

describe('AdapterHost under failure and load', () => {
  it('retries while the store is unavailable, then accepts (a subscription waits, nothing lost)', async () => {
    const store = new MemoryStore();
    let failures = 2;
    const flaky = patched(store as Store, 'claimEventIds', (...args: never[]) => {
      if (failures-- > 0) return Promise.reject(new CityopsError(ErrorCodes.STORE_UNAVAILABLE, 'redis down'));
      return store.claimEventIds(...(args as unknown as Parameters<Store['claimEventIds']>));
    });
    rig = await openHost({ backoffMs: () => 10 }, { store: flaky });
    rig.host.add(toy);
    const out = await rig.host.submit('toy', '', [good('r1')]);
    expect(out).toMatchObject({ accepted: 1, retry: [] });
    expect(failures).toBe(-1);
    expect(rig.host.health()[0]!.lastError?.code).toBe('E_STORE_UNAVAILABLE');
  });

  it('answers retry when the store stays unavailable past the deadline', async () => {
    const store = new MemoryStore();
    const down = patched(store as Store, 'claimEventIds', () =>
      Promise.reject(new CityopsError(ErrorCodes.STORE_UNAVAILABLE, 'redis down')),
    );
    rig = await openHost({ backoffMs: () => 10 }, { store: down });
    rig.host.add(toy);
    const out = await rig.host.submit('toy', '', [good('r2'), good('r3')], { deadlineMs: 50 });
    expect(out.accepted).toBe(0);
    expect(out.retry.map((r) => [r.index, r.code])).toEqual([
      [0, 'E_STORE_UNAVAILABLE'],
      [1, 'E_STORE_UNAVAILABLE'],
    ]);
    expect(rig.host.health()[0]!.retry).toBe(2);
  });

  it('holds back when full: reject mode throws E_ADP_HOST_FULL, wait mode waits, then everything settles', async () => {
    const bus = new EmbeddedBus();
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const slow = patched(bus as Bus, 'publish', async (...args: never[]) => {
      const [topic] = args as unknown as [string];
      if (topic === Topics.events) await gate;
      return bus.publish(...(args as unknown as Parameters<Bus['publish']>));
    });
    rig = await openHost({ maxQueuedEvents: 3, maxBatchEvents: 1, maxBatchWaitMs: 0 }, { bus: slow });
    await bus.ensureTopics([
      { topic: Topics.events, partitions: 2 },
      { topic: Topics.dlq, partitions: 1 },
    ]);
    rig.host.add(toy);
    const first = [0, 1, 2].map((i) => rig!.host.submit('toy', '', [good(`q${i}`)]));
    await new Promise((r) => setTimeout(r, 20));
    expect(rig.host.queuedEvents()).toBe(3);
    await expect(rig.host.submit('toy', '', [good('q3')], { mode: 'reject' })).rejects.toBeInstanceOf(HostFullError);
    let waited = false;
    const later = rig.host.submit('toy', '', [good('q4')]).then((o) => ((waited = true), o));
    await new Promise((r) => setTimeout(r, 50));
    expect(waited).toBe(false);
    open();
    const outs = await Promise.all([...first, later]);
    expect(outs.map((o) => o.accepted)).toEqual([1, 1, 1, 1]);
    expect(waited).toBe(true);
    await bus.close();
  });

  it('keeps a cursor in the store: a second reader (a restart) sees the last value', async () => {
    const store = new MemoryStore();
    const a = storeCursor(store, 'poller');
    expect(await a.get()).toBeUndefined();
    await a.set('2026-11-22T01:00:00Z');
    await a.set('2026-11-22T02:00:00Z');
    expect(await storeCursor(store, 'poller').get()).toBe('2026-11-22T02:00:00Z');
    expect(await storeCursor(store, 'other').get()).toBeUndefined();
    await store.close();
  });
});
