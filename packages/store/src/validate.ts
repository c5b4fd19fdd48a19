import type { StageBatch } from './port.js';

/**
 * Batch validation shared by both stores, so that they reject exactly the same batches with the
 * same message. Counters are exact integers (decision: HINCRBY, never HINCRBYFLOAT): vital signs
 * are counts, and integer sums never drift, so a replay rebuilds bit-for-bit the same numbers.
 * Every number must therefore be a safe integer (|n| <= 2^53 - 1), which JavaScript reads back
 * exactly. The Redis script repeats these checks on its own (see redis/apply-script.ts).
 */

/** Thrown for a malformed batch or claim request: a caller bug, never a runtime condition. */
export function invalidBatch(reason: string): RangeError {
  return new RangeError(`invalid batch: ${reason}`);
}

function isInt(n: unknown, min = -Number.MAX_SAFE_INTEGER): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= min;
}

export function validateBatch(batch: StageBatch): void {
  if (typeof batch.group !== 'string' || batch.group === '') throw invalidBatch('group must be a non-empty string');
  if (typeof batch.topic !== 'string' || batch.topic === '') throw invalidBatch('topic must be a non-empty string');
  if (!isInt(batch.partition, 0))
    throw invalidBatch(`partition must be an integer >= 0, got ${String(batch.partition)}`);
  if (!isInt(batch.fromOffset, 0))
    throw invalidBatch(`fromOffset must be an integer >= 0, got ${String(batch.fromOffset)}`);
  if (!isInt(batch.nextOffset, batch.fromOffset)) {
    throw invalidBatch(`nextOffset must be an integer >= fromOffset, got ${String(batch.nextOffset)}`);
  }
  if (batch.watermark !== null && !isInt(batch.watermark, 0)) {
    throw invalidBatch(`watermark must be null or an integer epoch ms, got ${String(batch.watermark)}`);
  }
  if (!Array.isArray(batch.increments)) throw invalidBatch('increments must be an array');
  for (const inc of batch.increments) {
    if (!isInt(inc.bucket, 0)) throw invalidBatch(`bucket must be an integer epoch ms, got ${String(inc.bucket)}`);
    if (typeof inc.field !== 'string' || inc.field === '') throw invalidBatch('field must be a non-empty string');
    if (!isInt(inc.by)) throw invalidBatch(`increment of ${inc.field} must be a safe integer, got ${String(inc.by)}`);
  }
  for (const g of batch.gauges ?? []) {
    if (typeof g.field !== 'string' || g.field === '') throw invalidBatch('gauge field must be a non-empty string');
    if (!isInt(g.by)) throw invalidBatch(`gauge move of ${g.field} must be a safe integer, got ${String(g.by)}`);
  }
  if (typeof batch.epoch !== 'string' || batch.epoch === '') throw invalidBatch('epoch must be a non-empty string');
  for (const entry of batch.stateSet ?? []) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || entry[0] === '' || typeof entry[1] !== 'string')
      throw invalidBatch('stateSet entries must be [non-empty key, string value]');
  }
  for (const key of batch.stateDel ?? []) {
    if (typeof key !== 'string' || key === '') throw invalidBatch('stateDel keys must be non-empty strings');
  }
  for (const r of batch.outbox ?? []) {
    if (typeof r.id !== 'string' || r.id === '' || typeof r.topic !== 'string' || r.topic === '')
      throw invalidBatch('outbox records need a non-empty id and topic');
    if (typeof r.value !== 'string' || (r.key !== null && typeof r.key !== 'string'))
      throw invalidBatch(`outbox record ${r.id}: key must be a string or null and value a string`);
  }
  if (batch.dropped === null || typeof batch.dropped !== 'object') throw invalidBatch('dropped must be an object');
  for (const [reason, count] of Object.entries(batch.dropped)) {
    if (reason === '') throw invalidBatch('dropped reason must be a non-empty string');
    if (!isInt(count)) throw invalidBatch(`dropped count of ${reason} must be a safe integer, got ${String(count)}`);
  }
}

export function validateClaim(ids: string[], ttlMs?: number): void {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) {
    throw new RangeError('event ids must be non-empty strings');
  }
  if (ttlMs !== undefined && !(Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
    throw new RangeError(`claim ttlMs must be a positive integer, got ${String(ttlMs)}`);
  }
}

/** A claim's owner token: only the owner may renew, confirm or release (SPEC.md S12). */
export function validateOwner(owner: string): void {
  if (typeof owner !== 'string' || owner === '') throw new RangeError('claim owner must be a non-empty string');
}

/** The key of a partition in progress maps: `topic:partition`. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** Sums increments per bucket and field, the way both stores write them. */
export function sumIncrements(batch: StageBatch): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  for (const { bucket, field, by } of batch.increments) {
    let fields = out.get(bucket);
    if (!fields) out.set(bucket, (fields = new Map()));
    fields.set(field, (fields.get(field) ?? 0) + by);
  }
  return out;
}

/** Sums gauge moves per field, dropping the ones that cancel out, the way both stores write them. */
export function sumGauges(batch: StageBatch): Map<string, number> {
  const out = new Map<string, number>();
  for (const { field, by } of batch.gauges ?? []) out.set(field, (out.get(field) ?? 0) + by);
  for (const [field, by] of out) if (by === 0) out.delete(field);
  return out;
}

/** Bucket ranges of readVitals must be finite numbers; NaN would make Redis and memory disagree. */
export function validateRange(fromBucket: number, toBucket: number): void {
  if (!Number.isFinite(fromBucket) || !Number.isFinite(toBucket)) {
    throw new RangeError(`bucket range must be finite numbers, got [${String(fromBucket)}, ${String(toBucket)}]`);
  }
}

/**
 * How long a pending claim is remembered after its lease ran out, so that the next claimer is told
 * it took over a lapsed claim (whose event may be on the topic) rather than a free id.
 */
export const CLAIM_GRACE_MS = 10 * 60 * 1000;
