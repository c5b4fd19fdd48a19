import { Topics } from '@cityops/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAdapter, type Mapped } from './types.js';
import { NOW, openHost, readAll, type HostRig } from './test/rig.js';

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
