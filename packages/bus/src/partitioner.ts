/**
 * Key partitioning shared by both bus implementations. It reproduces kafkajs's
 * `Partitioners.DefaultPartitioner` (the Java client's murmur2, positive-masked, modulo the
 * partition count), so that a key lands on the same partition in embedded and Kafka mode and
 * state keyed by partition (consumer offsets in the store) means the same thing in both.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 over the UTF-8 bytes of `key`, as a signed 32-bit integer.
 * `Math.imul` gives the 32-bit wrap-around multiplication that Java does natively.
 */
export function murmur2(key: string | Uint8Array): number {
  const data = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  // Java's switch falls through from 3 to 2 to 1; spelled out, as strict TS forbids fall-through.
  const rest = length % 4;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2]! << 16;
    if (rest >= 2) h ^= data[tail + 1]! << 8;
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition a keyed record goes to, identical to kafkajs's DefaultPartitioner.
 *
 * @example partitionForKey('cell-8a2a1072b59ffff', 8) // same number kafkajs would choose
 */
export function partitionForKey(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partition count must be a positive integer, got ${partitions}`);
  }
  return (murmur2(key) & 0x7fffffff) % partitions;
}
