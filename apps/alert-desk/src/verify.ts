import type { Bus } from '@cityops/bus';
import { verifyAudit, type AuditEntry, type VerifyResult } from './audit.js';
import type { DeskReader } from './reader.js';

/** Verifies the trail as the store holds it: every case's entries in seq order, against its head. */
export async function verifyStoredTrail(reader: DeskReader): Promise<VerifyResult> {
  const { entries, heads } = await reader.wholeTrail();
  return verifyAudit(entries, heads);
}

/** The stored trail as NDJSON, one entry a line, case by case in seq order (an export for auditors). */
export async function exportTrail(reader: DeskReader): Promise<string> {
  const { entries } = await reader.wholeTrail();
  return entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : '');
}

/** Verifies an exported NDJSON trail in line order. A line that is not JSON fails, naming its line. */
export function verifyNdjson(text: string): VerifyResult {
  const entries: AuditEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch {
      return { ok: false, cases: 0, entries: entries.length, caseId: '?', seq: 0, reason: `line ${i + 1} is not JSON` };
    }
  }
  return verifyAudit(entries);
}

/**
 * Verifies the copy of the trail on the audit topic (read from its start, without a group). The
 * outbox may publish an entry twice after a crash (same content): an exact repeat is skipped, a
 * different entry under a seq already seen fails.
 */
export async function verifyAuditTopic(bus: Bus, topic: string): Promise<VerifyResult> {
  const seen = new Map<string, string>();
  const entries: AuditEntry[] = [];
  let conflict: VerifyResult | undefined;
  const sub = await bus.replay({
    topic,
    eachBatch: async (batch) => {
      for (const r of batch.records) {
        let e: AuditEntry;
        try {
          e = JSON.parse(r.value) as AuditEntry;
        } catch {
          conflict ??= {
            ok: false,
            cases: 0,
            entries: entries.length,
            caseId: '?',
            seq: 0,
            reason: `offset ${r.offset} is not JSON`,
          };
          continue;
        }
        const id = `${e.caseId}\u0000${e.seq}`;
        const prior = seen.get(id);
        if (prior === r.value) continue;
        if (prior !== undefined) {
          conflict ??= {
            ok: false,
            cases: 0,
            entries: entries.length,
            caseId: e.caseId,
            seq: e.seq,
            reason: 'two different entries with one seq',
          };
          continue;
        }
        seen.set(id, r.value);
        entries.push(e);
      }
    },
  });
  await sub.done;
  await sub.stop();
  return conflict ?? verifyAudit(entries);
}

export function describeResult(r: VerifyResult): string {
  return r.ok
    ? `audit trail intact: ${r.entries} entries of ${r.cases} cases`
    : `audit trail BROKEN at case ${r.caseId} entry ${r.seq}: ${r.reason} (${r.entries} entries read)`;
}
