/**
 * The Redis key layout (documented in README.md). Every key of one consumer group starts with the
 * hash tag `{prefix:group}`, so that they all share one cluster slot and the apply script, which
 * touches several of them, stays legal on Redis Cluster. The group is URI-encoded inside the tag
 * so that a `}` or `:` in a group name can neither end the tag early nor collide with another key.
 */
export interface GroupKeys {
  /** HASH `topic:partition` -> next offset */
  offsets: string;
  /** HASH `topic:partition` -> event-time watermark (epoch ms) */
  watermarks: string;
  /** HASH reason code -> dropped count */
  dropped: string;
  /** HASH `updatedAt` -> Redis TIME (epoch ms) of the last applied batch; `epoch` -> the group's epoch */
  meta: string;
  /** ZSET bucket start -> score bucket start: which buckets exist, for range reads */
  index: string;
  /** ZSET bucket start -> score last write (epoch ms): which index entries have expired */
  touched: string;
  /** LIST of JSON outbox records `{ id, topic, key, value }`, oldest first */
  outbox: string;
  /** HASH `topic:partition` -> offset a rebuild must reach */
  rebuild: string;
  /** HASH field -> gauge (S21): never expires, a field at 0 is removed */
  gauges: string;
}

export function groupTag(prefix: string, group: string): string {
  return `{${prefix}:${encodeURIComponent(group)}}`;
}

export function groupKeys(prefix: string, group: string): GroupKeys {
  const t = groupTag(prefix, group);
  return {
    offsets: `${t}:off`,
    watermarks: `${t}:wm`,
    dropped: `${t}:drop`,
    meta: `${t}:meta`,
    index: `${t}:idx`,
    touched: `${t}:touch`,
    outbox: `${t}:outbox`,
    rebuild: `${t}:rebuild`,
    gauges: `${t}:g`,
  };
}

/** HASH field -> counter, for the bucket that starts at `start`; expires `bucketTtlMs` after its last write. */
export function bucketKey(prefix: string, group: string, start: number | string): string {
  return `${groupTag(prefix, group)}:b:${start}`;
}

/** HASH state key -> value: the keyed state of one partition of the group. */
export function stateKey(prefix: string, group: string, topic: string, partition: number): string {
  return `${groupTag(prefix, group)}:st:${encodeURIComponent(topic)}:${partition}`;
}

/** STRING, set with NX PX: an event id claimed for deduplication. Spread over all slots on purpose. */
export function claimKey(prefix: string, id: string): string {
  return `${prefix}:evt:${id}`;
}
