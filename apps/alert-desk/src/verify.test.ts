import { describe, expect, it } from 'vitest';
import { FoldHarness, command } from './test/fixtures.js';
import { describeResult, verifyNdjson } from './verify.js';

function exported(): string[] {
  const h = new FoldHarness();
  h.raise({ alertId: 'a' });
  h.raise({ alertId: 'b' });
  h.send(command('ack', { caseId: 'a', expectedVersion: 1 }));
  h.send(command('comment', { caseId: 'b', expectedVersion: 1, text: '备注' }));
  return h.auditTopic.map((e) => JSON.stringify(e));
}

describe('audit:verify on an exported NDJSON file', () => {
  it('passes on the export as written', () => {
    const r = verifyNdjson(exported().join('\n') + '\n');
    expect(r).toEqual({ ok: true, cases: 2, entries: 4 });
    expect(describeResult(r)).toBe('audit trail intact: 4 entries of 2 cases');
  });

  it('fails naming the first bad entry when a line is altered, removed or reordered', () => {
    const lines = exported();
    const altered = [...lines];
    altered[2] = altered[2]!.replace('"zhang"', '"someone"');
    expect(describeResult(verifyNdjson(altered.join('\n')))).toMatch(/BROKEN at case a entry 2: .*altered/);
    const removedFirst = lines.filter((_, i) => i !== 0);
    expect(verifyNdjson(removedFirst.join('\n'))).toMatchObject({ ok: false, caseId: 'a', seq: 2 });
    const swapped = [lines[0]!, lines[1]!, lines[3]!, lines[2]!];
    // different cases may interleave; one case's entries may not swap
    expect(verifyNdjson(swapped.join('\n')).ok).toBe(true);
    const h = new FoldHarness();
    h.raise({ alertId: 'a' });
    h.send(command('ack', { caseId: 'a', expectedVersion: 1 }));
    h.send(command('comment', { caseId: 'a', expectedVersion: 2, text: 'x' }));
    const one = h.auditTopic.map((e) => JSON.stringify(e));
    expect(verifyNdjson([one[0], one[2], one[1]].join('\n'))).toMatchObject({ ok: false, seq: 3 });
    expect(verifyNdjson('{oops')).toMatchObject({ ok: false, reason: 'line 1 is not JSON' });
  });
});
