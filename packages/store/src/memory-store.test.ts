import { describe, expect, it } from 'vitest';
import { runStoreContract } from './contract/store-contract.js';
import { MemoryStore } from './memory-store.js';

runStoreContract('memory', async ({ bucketTtlMs }) => {
  const store = new MemoryStore({ bucketTtlMs });
  return { store, peer: async () => store, cleanup: () => store.close(), loseEverything: async () => store.clear() };
});

describe('MemoryStore', () => {
  it('sweeps expired buckets and claims out of memory, so memory stays flat', async () => {
    const store = new MemoryStore({ bucketTtlMs: 100, sweepIntervalMs: 50 });
    try {
      const { epoch } = await store.openEpoch('g');
      for (let i = 0; i < 50; i++) {
        await store.applyBatch({
          group: 'g',
          epoch,
          topic: 't',
          partition: 0,
          fromOffset: i,
          nextOffset: i + 1,
          increments: [{ bucket: i * 60_000, field: 'n', by: 1 }],
          watermark: null,
          dropped: {},
        });
      }
      const ids = Array.from({ length: 100 }, (_, i) => `s/${i}`);
      await store.claimEventIds(ids, { owner: 'o', leaseMs: 100 });
      // a pending claim is remembered for CLAIM_GRACE_MS after its lease; confirmed ones for their ttl
      await store.confirmEventIds(ids, 'o', 100);
      expect(store.stats()).toEqual({ groups: 1, buckets: 50, claims: 100 });
      await new Promise((r) => setTimeout(r, 300));
      expect(store.stats()).toEqual({ groups: 1, buckets: 0, claims: 0 });
    } finally {
      await store.close();
    }
  });

  it('rejects a non-positive bucket ttl at construction', () => {
    expect(() => new MemoryStore({ bucketTtlMs: 0 })).toThrow(RangeError);
  });
});
