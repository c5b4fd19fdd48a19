import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { KafkaAssignments, type PositionControl } from './kafka-assignments.js';

const quiet = { warn: () => {}, error: () => {} };

function messages(from: number, to: number): KafkaMessage[] {
  return Array.from({ length: to - from }, (_, i) => ({
    offset: String(from + i),
    key: null,
    value: Buffer.from('v'),
    timestamp: '0',
    attributes: 0,
    size: 0,
  }));
}

function setup(low = 0, high = 100) {
  const consumer = { pause: vi.fn(), resume: vi.fn(), seek: vi.fn() } satisfies PositionControl;
  const range = { low, high };
  const a = new KafkaAssignments(
    consumer,
    { startAt: async () => 10 },
    { offsetRange: async () => ({ 0: { ...range } }), retryBackoffMs: 5, logger: quiet, what: 'group g' },
  );
  return { a, consumer, range };
}

describe('KafkaAssignments (B15 on kafkajs)', () => {
  it('pauses a new assignment inside GROUP_JOIN, then seeks to startAt and resumes', async () => {
    const { a, consumer } = setup();
    a.assigned({ t: [0] });
    expect(consumer.pause).toHaveBeenCalledWith([{ topic: 't', partitions: [0] }]);
    expect(await a.admit('t', 0, messages(0, 5))).toBeUndefined(); // not positioned yet
    await vi.waitFor(() => expect(consumer.resume).toHaveBeenCalled());
    expect(consumer.seek).toHaveBeenCalledWith({ topic: 't', partition: 0, offset: '10' });
    expect(a.positionOf('t', 0)).toBe(10);
  });

  it('cuts a batch fetched from below the expected position (kafkajs racing the seek) and drops one wholly below it', async () => {
    const { a, consumer } = setup();
    a.assigned({ t: [0] });
    await vi.waitFor(() => expect(a.positionOf('t', 0)).toBe(10));
    const cut = await a.admit('t', 0, messages(4, 15));
    expect(cut?.messages.map((m) => m.offset)).toEqual(['10', '11', '12', '13', '14']);
    consumer.seek.mockClear();
    expect(await a.admit('t', 0, messages(0, 8))).toBeUndefined();
    expect(consumer.seek).toHaveBeenCalledWith({ topic: 't', partition: 0, offset: '10' });
  });

  it('drops a batch that starts past the expected position and seeks back, unless retention moved the log start past it', async () => {
    const { a, consumer, range } = setup();
    a.assigned({ t: [0] });
    await vi.waitFor(() => expect(a.positionOf('t', 0)).toBe(10));
    consumer.seek.mockClear();
    // kafkajs fetched from the group's committed offset 50
    expect(await a.admit('t', 0, messages(50, 60))).toBeUndefined();
    expect(consumer.seek).toHaveBeenCalledWith({ topic: 't', partition: 0, offset: '10' });
    // retention removed 10..29 meanwhile and kafkajs restarted at the log start
    range.low = 30;
    const admitted = await a.admit('t', 0, messages(30, 35));
    expect(admitted?.messages.map((m) => m.offset)).toEqual(['30', '31', '32', '33', '34']);
    a.advance('t', 0, admitted!.generation, 35);
    expect(a.positionOf('t', 0)).toBe(35);
  });

  it('clamps startAt to the log: below the start to the start, past the end to the end', async () => {
    const below = setup(20, 100);
    below.a.assigned({ t: [0] });
    await vi.waitFor(() => expect(below.a.positionOf('t', 0)).toBe(20));
    const past = setup(0, 5);
    past.a.assigned({ t: [0] });
    await vi.waitFor(() => expect(past.a.positionOf('t', 0)).toBe(5));
  });

  it('a position from an older assignment is not advanced by a batch that finished after a rebalance', async () => {
    const { a } = setup();
    a.assigned({ t: [0] });
    await vi.waitFor(() => expect(a.positionOf('t', 0)).toBe(10));
    const admitted = await a.admit('t', 0, messages(10, 12));
    a.assigned({ t: [0] });
    a.advance('t', 0, admitted!.generation, 12);
    await vi.waitFor(() => expect(a.positionOf('t', 0)).toBe(10));
  });
});
