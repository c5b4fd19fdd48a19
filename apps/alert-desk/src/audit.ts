import { createHash } from 'node:crypto';
import type { DeskActor } from '@cityops/schema';

/** The prevHash of a case's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * One entry of a case's audit trail (哨源档案). Append-only: entries are never rewritten; each
 * carries the hash of the one before it, so an edit, a gap or a reordering breaks the chain.
 */
export interface AuditEntry {
  /** 1, 2, 3 ... per case */
  seq: number;
  caseId: string;
  action: string;
  actor: DeskActor | SystemActor;
  /** desk time of the transition (event time) */
  at: string;
  /** the actor's own clock, for commands */
  claimedAt?: string;
  /** client address / console id, or the desk for its own transitions */
  from: string;
  commandId?: string;
  beforeVersion: number;
  afterVersion: number;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The desk itself: deadlines, auto-clear, merges arriving from other cases. */
export interface SystemActor {
  userId: 'system';
  role: 'system';
}
export const SYSTEM_ACTOR: SystemActor = { userId: 'system', role: 'system' };

/**
 * JSON with object keys sorted at every level and no whitespace: the same value always gives the
 * same bytes. `undefined` members are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number in audit entry');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** sha256 over the canonical JSON of the entry without its `hash` (its `prevHash` included). */
export function hashEntry(entry: Omit<AuditEntry, 'hash'> | AuditEntry): string {
  const { hash: _hash, ...rest } = entry as AuditEntry;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

export function sealEntry(entry: Omit<AuditEntry, 'hash'>): AuditEntry {
  return { ...entry, hash: hashEntry(entry) };
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export type VerifyResult =
  | { ok: true; cases: number; entries: number }
  | { ok: false; cases: number; entries: number; caseId: string; seq: number; reason: string };

/**
 * Verifies the chains of any number of cases. `entries` in stored order per case (seq order for a
 * store, line order for a file). With `heads` (the case's own record of its last entry), a removed
 * last entry is found too. Fails on the first bad entry, naming its case and seq.
 */
export function verifyAudit(entries: Iterable<AuditEntry>, heads?: ReadonlyMap<string, ChainHead>): VerifyResult {
  const last = new Map<string, ChainHead>();
  let n = 0;
  const fail = (caseId: string, seq: number, reason: string): VerifyResult => ({
    ok: false,
    cases: last.size,
    entries: n,
    caseId,
    seq,
    reason,
  });
  for (const e of entries) {
    n++;
    if (!isEntryShape(e))
      return fail(
        String((e as { caseId?: unknown })?.caseId),
        Number((e as { seq?: unknown })?.seq),
        'not an audit entry',
      );
    const prev = last.get(e.caseId) ?? { seq: 0, hash: GENESIS_HASH };
    if (e.seq !== prev.seq + 1) {
      return fail(
        e.caseId,
        e.seq,
        `expected seq ${prev.seq + 1} after ${prev.seq}: an entry is missing or out of order`,
      );
    }
    if (e.prevHash !== prev.hash) return fail(e.caseId, e.seq, 'prevHash does not match the entry before it');
    if (hashEntry(e) !== e.hash) return fail(e.caseId, e.seq, 'hash does not match the entry: it was altered');
    last.set(e.caseId, { seq: e.seq, hash: e.hash });
  }
  for (const [caseId, head] of heads ?? []) {
    const got = last.get(caseId) ?? { seq: 0, hash: GENESIS_HASH };
    if (got.seq !== head.seq || got.hash !== head.hash) {
      return fail(caseId, got.seq + 1, `the case records ${head.seq} entries but the trail ends at ${got.seq}`);
    }
  }
  return { ok: true, cases: last.size, entries: n };
}

function isEntryShape(e: unknown): e is AuditEntry {
  if (!e || typeof e !== 'object') return false;
  const o = e as Record<string, unknown>;
  return (
    typeof o.caseId === 'string' &&
    Number.isInteger(o.seq) &&
    typeof o.hash === 'string' &&
    typeof o.prevHash === 'string' &&
    typeof o.action === 'string'
  );
}
