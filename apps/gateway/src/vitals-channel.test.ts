import { afterAll, describe, expect, it } from 'vitest';
import { applyMergePatch, type Delta, type Json, type Snapshot, type VitalsSnapshot } from '@cityops/schema';
import { MemoryStore } from '@cityops/store';
import { bucketOf } from '@cityops/vitals';
import { VitalsChannel } from './vitals-channel.js';

const T0 = Date.UTC(2026, 10, 22, 1, 0, 0);

class Recorder {
  readonly messages: Array<{ event: string; payload: unknown }> = [];
  emit(event: string, payload: unknown) {
    this.messages.push({ event, payload });
  }
}

describe('VitalsChannel', () => {
  const store = new MemoryStore();
  afterAll(async () => {
    await store.close();
  });

  let next = 0;
  async function apply(group: string, n: number, t: number) {
    const from = next;
    next += n;
    await store.applyBatch({
      group,
      epoch: (await store.openEpoch(group)).epoch,
      topic: 'city.events.v1',
      partition: 0,
      fromOffset: from,
      nextOffset: next,
      increments: [
        { bucket: bucketOf(t), field: 'total', by: n },
        { bucket: bucketOf(t), field: 'd:sh-huangpu', by: n },
      ],
      watermark: t,
      dropped: {},
    });
  }

  it('sends a snapshot first, then deltas whose seq rises by exactly 1 and which rebuild the state', async () => {
    const rec = new Recorder();
    const channel = new VitalsChannel(store, 'g1', rec, 1_000_000);
    await channel.tick();
    expect(rec.messages[0]!.event).toBe('snapshot');
    let state = (rec.messages[0]!.payload as Snapshot<VitalsSnapshot>).state;
    let seq = (rec.messages[0]!.payload as Snapshot<VitalsSnapshot>).seq;
    for (let i = 1; i <= 5; i++) {
      await apply('g1', i, T0 + i * 1000);
      await channel.tick();
    }
    const deltas = rec.messages.slice(1).map((m) => m.payload as Delta);
    expect(rec.messages.slice(1).every((m) => m.event === 'delta')).toBe(true);
    expect(deltas).toHaveLength(5);
    for (const d of deltas) {
      expect(d.seq).toBe(seq + 1);
      seq = d.seq;
      state = applyMergePatch(state as unknown as Json, d.patch as Json) as unknown as VitalsSnapshot;
    }
    expect(state.total.m15).toBe(15);
    expect(state.byDistrict['sh-huangpu']).toEqual({ m1: 15, m15: 15 });
    expect(channel.snapshot()!.state).toEqual(state);
    expect(channel.snapshot()!.seq).toBe(seq);
  });

  it('sends nothing when nothing changed, so a quiet city costs screens nothing', async () => {
    const rec = new Recorder();
    const channel = new VitalsChannel(store, 'g2', rec, 1_000_000);
    await channel.tick();
    await channel.tick();
    await channel.tick();
    expect(rec.messages.map((m) => m.event)).toEqual(['snapshot']);
  });

  it('coalesces: many applies between two polls make one delta', async () => {
    const rec = new Recorder();
    const channel = new VitalsChannel(store, 'g3', rec, 1_000_000);
    await channel.tick();
    for (let i = 0; i < 50; i++) await apply('g3', 1, T0 + i * 100);
    await channel.tick();
    expect(rec.messages.map((m) => m.event)).toEqual(['snapshot', 'delta']);
  });
});
