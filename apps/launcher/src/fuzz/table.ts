import { mb, type RunResult } from './runner.js';

const HEAD = [
  'seed',
  'mode',
  'inputs',
  'requests',
  'accepted',
  'duplicates',
  'rejected',
  'retry',
  '5xx',
  'no answer',
  'crashes',
  'idle RSS',
  'peak RSS',
  '/healthz max',
  'result',
];

/** The fuzz table: one row per run, then the answers by code, the slow clients, and every failing check with its input. */
export function formatTable(results: RunResult[]): string {
  const rows = results.map((r) => [
    String(r.seed),
    r.mode,
    String(r.ledger.inputs),
    String(r.ledger.requests),
    String(r.ledger.accepted),
    String(r.ledger.duplicates),
    String(r.ledger.rejected),
    String(r.ledger.retry),
    String(r.ledger.fiveXX),
    String(r.ledger.noAnswer),
    String(r.crashes.length),
    `${mb(r.idleRss)} MB`,
    `${mb(r.peakRss)} MB`,
    `${r.healthSlowestMs} ms`,
    r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const out = [
    line(HEAD),
    `|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
    '',
  ];
  for (const r of results) {
    const codes = [...r.ledger.codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`);
    const statuses = [...r.ledger.statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s === 0 ? 'none' : s} ${n}`);
    out.push(`seed ${r.seed} ${r.mode} (${r.seconds.toFixed(0)} s): answers by status: ${statuses.join(', ')}`);
    out.push(`  by code: ${codes.join(', ')}`);
    out.push(`  peak RSS by phase: ${[...r.rssByPhase].map(([p, b]) => `${p} ${mb(b)} MB`).join(', ')}`);
    if (r.slow)
      out.push(
        `  slow HTTP clients: ${r.slow.opened} opened, ${r.slow.cut} cut by the server (slowest after ${r.slow.slowestCutMs} ms; statuses ${JSON.stringify(Object.fromEntries(r.slow.statuses))}), ${r.slow.open} still open`,
      );
    if (r.reader)
      out.push(
        `  slow socket.io reader: ${r.reader.resyncsSent} resyncs sent unread; got ${r.reader.snapshots} snapshots (${(r.reader.bytes / 1e6).toFixed(1)} MB), ${r.reader.errorMessages} error messages, ${r.reader.closedByServer ? 'dropped by the server' : 'not dropped'}`,
      );
    for (const c of r.crashes) out.push(`  CRASH: ${c}`);
    for (const f of r.ledger.failures) out.push(`  FAIL [${f.kind}] ${f.detail}\n      input: ${f.repro}`);
  }
  return out.join('\n');
}
