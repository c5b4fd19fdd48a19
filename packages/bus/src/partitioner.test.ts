import { randomBytes } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from './partitioner.js';

// [key, partitions, partition] computed with kafkajs 2.2.4's Partitioners.DefaultPartitioner.
const KAFKAJS_VECTORS: Array<[string, number, number]> = [
  ['', 3, 0],
  ['a', 3, 1],
  ['ab', 3, 2],
  ['abc', 3, 0],
  ['abcd', 3, 2],
  ['abcde', 3, 1],
  ['', 8, 1],
  ['a', 8, 4],
  ['ab', 8, 2],
  ['abc', 8, 3],
  ['abcd', 8, 4],
  ['abcde', 8, 5],
  ['cell-31.2304-121.4737', 8, 3],
  ['grid:8a2a1072b59ffff', 8, 3],
  ['上海市黄浦区', 8, 1],
  ['key-0', 8, 1],
  ['key-1', 8, 0],
  ['key-42', 8, 7],
  ['x'.repeat(101), 8, 4],
  ['', 12, 9],
  ['abcd', 12, 8],
  ['abcde', 12, 1],
  ['key-42', 12, 3],
  ['上海市黄浦区', 12, 1],
  ['', 64, 25],
  ['a', 64, 60],
  ['ab', 64, 42],
  ['abc', 64, 27],
  ['abcd', 64, 52],
  ['abcde', 64, 29],
  ['cell-31.2304-121.4737', 64, 35],
  ['grid:8a2a1072b59ffff', 64, 19],
  ['上海市黄浦区', 64, 41],
  ['key-0', 64, 57],
  ['key-1', 64, 56],
  ['key-42', 64, 7],
  ['x'.repeat(101), 64, 36],
];

describe('partitionForKey', () => {
  it.each(KAFKAJS_VECTORS)('puts %j on the partition kafkajs chose among %i', (key, partitions, expected) => {
    expect(partitionForKey(key, partitions)).toBe(expected);
  });

  it('agrees with the live kafkajs DefaultPartitioner on random keys of every tail length', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    for (const partitions of [1, 2, 7, 16, 100]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
      }));
      for (let i = 0; i < 2000; i++) {
        const key = randomBytes(i % 23).toString(i % 2 ? 'hex' : 'latin1');
        const expected = kafkajs({
          topic: 't',
          partitionMetadata: partitionMetadata as never,
          message: { key, value: null },
        });
        expect(partitionForKey(key, partitions)).toBe(expected);
      }
    }
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => partitionForKey('a', 0)).toThrow(RangeError);
    expect(() => partitionForKey('a', 1.5)).toThrow(RangeError);
  });
});
