import type { RunResult } from './harness.js';

const HEAD = ['fault', 'events sent', 'expected total', 'counted total', 'missing', 'extra', 'result', 'seconds'];

/** The suite's table: one row per fault, then each run's first difference and notes. */
export function formatTable(results: RunResult[]): string {
  const rows = results.map((r) => [
    `${r.fault}. ${r.title}`,
    String(r.sent),
    String(r.expectedTotal),
    String(r.countedTotal),
    String(r.missing),
    String(r.extra),
    r.pass ? 'PASS' : 'FAIL',
    r.seconds.toFixed(0),
  ]);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const out = [
    line(HEAD),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  ];
  out.push(...rows.map(line), '');
  for (const r of results) {
    const details: string[] = [];
    if (r.firstDiff) {
      const d = r.firstDiff;
      details.push(
        `first difference: bucket ${new Date(d.bucket).toISOString()} (${d.bucket}) field ${d.field}: expected ${d.expected}, counted ${d.actual}; ${r.differing} counter(s) differ`,
      );
    }
    details.push(...r.notes);
    if (details.length) out.push(`${r.fault}: ${details.join('\n   ')}`);
  }
  return out.join('\n');
}
