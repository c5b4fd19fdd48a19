import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddedBus } from '@cityops/bus';
import { Topics, isCityopsError } from '@cityops/schema';
import type { MemoryStore } from '@cityops/store';
import { Ingestor } from './ingestor.js';
import { NOW, event, index, items, openRig, readAll, type Rig } from './test/fixture.js';
describe('Ingestor', () => {
  let rig: Rig;
  let bus: EmbeddedBus;
  let store: MemoryStore;
  let ingestor: Ingestor;
  beforeEach(async () => {
    rig = await openRig();
    ({ bus, store, ingestor } = rig);
  });
  afterEach(() => rig.close());

  it('publishes valid events with the grid chain resolved, keyed by grid cell, with ingestTime set', async () => {
    const result = await ingestor.ingest(items(event('a')), 'test');
    expect(result).toEqual({ accepted: 1, acceptedIndexes: [0], duplicates: 0, rejected: [], retry: [] });
    const [record] = await readAll(bus, Topics.events);
    const published = JSON.parse(record!.value);
    const where = index.locate(121.4737, 31.2304);
    expect(where.inside).toBe(true);
    if (!where.inside) return;
    expect(published.location).toMatchObject({
      gridId: where.gridId,
      districtId: where.districtId,
      streetId: where.streetId,
    });
    expect(record!.key).toBe(where.gridId);
    expect(published.ingestTime).toBe(new Date(NOW).toISOString());
  });

  it('dead-letters each rejected input with its reason code, and publishes none of them', async () => {
    const result = await ingestor.ingest(
      [
        { ok: false, raw: '{nope', reason: 'line is not valid JSON' },
        ...items(
          event('future', { eventTime: new Date(NOW + 600_000).toISOString() }),
          event('outside', { location: { lon: 0, lat: 0 } }),
          event('unknown-cat', { category: { kind: 'event', code: 'E.99.99' } }),
          event('schema', { payload: {} }),
        ),
      ],
      'test',
    );
    expect(result.accepted).toBe(0);
    expect(result.rejected.map((r) => r.code)).toEqual([
      'E_EVT_NOT_JSON',
      'E_EVT_FUTURE_TIME',
      'E_EVT_OUTSIDE_CITY',
      'E_EVT_UNKNOWN_CATEGORY',
      'E_EVT_SCHEMA',
    ]);
    const dead = (await readAll(bus, Topics.dlq)).map((r) => JSON.parse(r.value));
    expect(dead.map((d) => d.code)).toEqual(result.rejected.map((r) => r.code));
    expect(dead[0]).toMatchObject({ source: 'test', raw: '{nope' });
    expect(await bus.endOffsets(Topics.events)).toEqual({ 0: 0, 1: 0, 2: 0, 3: 0 });
  });

  it('drops a repeated source/id within the TTL, in the same batch and in a later one', async () => {
    expect(await ingestor.ingest(items(event('x'), event('x'), event('y')), 'test')).toMatchObject({
      accepted: 2,
      duplicates: 1,
    });
    expect(await ingestor.ingest(items(event('x')), 'test')).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await ingestor.ingest(items(event('x', { source: 'other-src' })), 'test')).toMatchObject({ accepted: 1 });
  });

  it('releases its claims when the publish definitely failed (bus closed), so the resend is accepted', async () => {
    await bus.close();
    await expect(ingestor.ingest(items(event('retry-me')), 'test')).rejects.toSatisfy((e) =>
      isCityopsError(e, 'E_BUS_UNAVAILABLE'),
    );
    expect(await store.claimEventIds(['test-src/retry-me'], { owner: 'next', leaseMs: 60_000 })).toEqual(['claimed']);
  });

  it('tells a source to retry, not "duplicate", while another ingest holds the id unconfirmed, then accepts it', async () => {
    const quick = new Ingestor({
      bus,
      store,
      locator: index,
      dedupeTtlMs: 60_000,
      maxClockSkewMs: 120_000,
      claimLeaseMs: 200,
      now: () => NOW,
    });
    // a publisher that claimed and died before publishing
    expect(await store.claimEventIds(['test-src/orphan'], { owner: 'dead', leaseMs: 200 })).toEqual(['claimed']);
    const first = await quick.ingest(items(event('orphan')), 'test');
    expect(first).toMatchObject({ accepted: 0, duplicates: 0, rejected: [] });
    expect(first.retry).toMatchObject([{ id: 'orphan', code: 'E_EVT_IN_FLIGHT' }]);
    expect(await bus.endOffsets(Topics.dlq)).toEqual({ 0: 0 });
    await new Promise((r) => setTimeout(r, 350));
    expect(await quick.ingest(items(event('orphan')), 'test')).toMatchObject({ accepted: 1, duplicates: 0, retry: [] });
    expect(await quick.ingest(items(event('orphan')), 'test')).toMatchObject({ accepted: 0, duplicates: 1, retry: [] });
  });
});
