import { describe, expect, it, vi } from 'vitest';
import { EmbeddedBus } from './embedded-bus.js';
import type { BusLogger } from './logger.js';
import type { BusRecord } from './port.js';

function collecting(): BusLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
}

function values(n: number, from = 0, size = 1): BusRecord[] {
  return Array.from({ length: n }, (_, i) => ({ key: 'k', value: String(from + i).padStart(size, '0') }));
}

/** a group member on one partition whose first batch waits until `release` is called */
async function slowMember(bus: EmbeddedBus, groupId: string) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const got: number[] = [];
  const sub = await bus.subscribe({
    groupId,
    topics: ['t'],
    eachBatch: async (b) => {
      got.push(...b.records.map((r) => r.offset));
      await gate;
    },
  });
  return { got, sub, release };
}

describe('EmbeddedBus retention with live groups', () => {
  it('keeps records a live group member has not read past retentionRecords, then drops them once read', async () => {
    const bus = new EmbeddedBus({ logger: collecting(), retentionRecords: 10, maxRetainedRecords: 1_000 });
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const member = await slowMember(bus, 'slow');
    await bus.publish('t', values(1));
    await vi.waitFor(() => expect(member.got).toEqual([0]));
    await bus.publish('t', values(99, 1));
    // the member sits on offset 0, so nothing after it may go
    expect(await bus.startOffsets('t')).toEqual({ 0: 0 });
    member.release();
    await vi.waitFor(() => expect(member.got).toHaveLength(100));
    expect(member.got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(bus.lostRecords('slow', 't')).toEqual({});
    // read now: the next append lets retention drop what everyone has read
    await bus.publish('t', values(1, 100));
    await vi.waitFor(() => expect(member.got).toHaveLength(101));
    const start = (await bus.startOffsets('t'))[0]!;
    expect(start).toBeGreaterThanOrEqual(80);
    expect(101 - start).toBeGreaterThanOrEqual(10);
    await member.sub.stop();
    await bus.close();
  });

  it('past maxRetainedRecords drops the oldest records anyway and counts exactly what the group lost', async () => {
    const logger = collecting();
    const bus = new EmbeddedBus({ logger, retentionRecords: 10, maxRetainedRecords: 30 });
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const member = await slowMember(bus, 'slow');
    await bus.publish('t', values(1));
    await vi.waitFor(() => expect(member.got).toEqual([0]));
    await bus.publish('t', values(99, 1));
    // whole segments of 10 go until at most 30 records are held: 70..99 remain
    expect(await bus.startOffsets('t')).toEqual({ 0: 70 });
    member.release();
    await vi.waitFor(() => expect(member.got).toHaveLength(31));
    expect(member.got).toEqual([0, ...Array.from({ length: 30 }, (_, i) => 70 + i)]);
    expect(bus.lostRecords('slow', 't')).toEqual({ 0: 69 });
    expect(logger.lines.some((l) => l.includes('lost 69 records') && l.includes('slow'))).toBe(true);
    await member.sub.stop();
    await bus.close();
  });

  it('past maxRetainedBytes (key + value bytes per partition) drops the oldest records and counts the loss', async () => {
    const bus = new EmbeddedBus({ logger: collecting(), retentionRecords: 10, maxRetainedBytes: 25 * 10 });
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const member = await slowMember(bus, 'slow');
    await bus.publish('t', values(1, 0, 9)); // 1 byte of key + 9 of value
    await vi.waitFor(() => expect(member.got).toEqual([0]));
    await bus.publish('t', values(59, 1, 9));
    // 60 records of 10 bytes = 600 > 250: segments go until at most 250 bytes are held, so 40..59 remain
    expect(await bus.startOffsets('t')).toEqual({ 0: 40 });
    member.release();
    await vi.waitFor(() => expect(member.got).toHaveLength(21));
    expect(member.got.slice(1)).toEqual(Array.from({ length: 20 }, (_, i) => 40 + i));
    expect(bus.lostRecords('slow', 't')).toEqual({ 0: 39 });
    await member.sub.stop();
    await bus.close();
  });

  it('does not hold records for a group without live members, and counts its loss when it comes back', async () => {
    const bus = new EmbeddedBus({ logger: collecting(), retentionRecords: 10 });
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const got: number[] = [];
    const first = await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      eachBatch: async (b) => void got.push(...b.records.map((r) => r.offset)),
    });
    await bus.publish('t', values(5));
    await vi.waitFor(() => expect(got).toHaveLength(5));
    await first.stop();
    await bus.publish('t', values(95, 5));
    const start = (await bus.startOffsets('t'))[0]!;
    expect(start).toBeGreaterThan(5);
    const again = await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      eachBatch: async (b) => void got.push(...b.records.map((r) => r.offset)),
    });
    await vi.waitFor(() => expect(got.at(-1)).toBe(99));
    expect(got[5]).toBe(start);
    expect(bus.lostRecords('g', 't')).toEqual({ 0: start - 5 });
    await again.stop();
    await bus.close();
  });

  it('startAt below the log start delivers from the log start, and the group counts the gap', async () => {
    const bus = new EmbeddedBus({ logger: collecting(), retentionRecords: 10 });
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    await bus.publish('t', values(100));
    const start = (await bus.startOffsets('t'))[0]!;
    expect(start).toBeGreaterThan(5);
    const got: number[] = [];
    const sub = await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      startAt: async () => 5,
      eachBatch: async (b) => void got.push(...b.records.map((r) => r.offset)),
    });
    await vi.waitFor(() => expect(got.at(-1)).toBe(99));
    expect(got[0]).toBe(start);
    expect(bus.lostRecords('g', 't')).toEqual({ 0: start - 5 });
    await sub.stop();
    await bus.close();
  });

  it('holds retention while startAt has not answered yet', async () => {
    const bus = new EmbeddedBus({ logger: collecting(), retentionRecords: 10, maxRetainedRecords: 1_000 });
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    let answer!: (offset: number) => void;
    const got: number[] = [];
    const sub = await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      startAt: () => new Promise<number>((r) => (answer = r)),
      eachBatch: async (b) => void got.push(...b.records.map((r) => r.offset)),
    });
    await vi.waitFor(() => expect(answer).toBeTypeOf('function'));
    await bus.publish('t', values(100));
    expect(await bus.startOffsets('t')).toEqual({ 0: 0 });
    answer(0);
    await vi.waitFor(() => expect(got).toHaveLength(100));
    await sub.stop();
    await bus.close();
  });

  it('rejects hard caps below retentionRecords', () => {
    expect(() => new EmbeddedBus({ retentionRecords: 10, maxRetainedRecords: 9 })).toThrow(RangeError);
  });
});
