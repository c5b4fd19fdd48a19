import { describe, expect, it } from 'vitest';
import { canonicalJson, hashEntry, verifyAudit, type AuditEntry } from './audit.js';
import { FoldHarness, command } from './test/fixtures.js';

function trail(): { entries: AuditEntry[]; head: { seq: number; hash: string } } {
  const h = new FoldHarness();
  h.raise();
  h.send(command('ack', { expectedVersion: 1 }));
  h.send(command('comment', { expectedVersion: 2, text: '一' }));
  h.send(command('comment', { expectedVersion: 3, text: '二' }));
  return { entries: h.audit(), head: h.case().audit };
}

describe('the hash-chained audit trail', () => {
  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}',
    );
  });

  it('an intact trail verifies, against the head the case records', () => {
    const { entries, head } = trail();
    expect(verifyAudit(entries, new Map([['alert-1', head]]))).toEqual({ ok: true, cases: 1, entries: 4 });
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(hashEntry(entries[2]!)).toBe(entries[2]!.hash);
  });

  it('an altered entry fails, naming it', () => {
    const { entries } = trail();
    entries[2] = { ...entries[2]!, details: { text: '改过' } };
    expect(verifyAudit(entries)).toMatchObject({
      ok: false,
      caseId: 'alert-1',
      seq: 3,
      reason: expect.stringContaining('altered'),
    });
  });

  it('an altered entry whose hash was recomputed breaks the next link', () => {
    const { entries } = trail();
    const forged = { ...entries[1]!, actor: { userId: 'someone-else', role: 'officer' as const } };
    entries[1] = { ...forged, hash: hashEntry(forged) };
    expect(verifyAudit(entries)).toMatchObject({ ok: false, seq: 3, reason: expect.stringContaining('prevHash') });
  });

  it('a removed entry fails (in the middle by seq, at the end against the head)', () => {
    const { entries, head } = trail();
    expect(verifyAudit([entries[0]!, entries[2]!, entries[3]!])).toMatchObject({ ok: false, seq: 3 });
    expect(verifyAudit(entries.slice(0, 3), new Map([['alert-1', head]]))).toMatchObject({
      ok: false,
      seq: 4,
      reason: expect.stringContaining('records 4 entries'),
    });
  });

  it('reordered entries fail', () => {
    const { entries } = trail();
    expect(verifyAudit([entries[0]!, entries[2]!, entries[1]!, entries[3]!])).toMatchObject({ ok: false, seq: 3 });
  });
});
