import { Counter } from 'prom-client';
import { codeLabel } from './labels.js';
import { registry } from './registry.js';

/** Shared by stages and ingest boundaries: `origin` is the (already bounded) stage or boundary name. */
export const deadLettersTotal = new Counter({
  name: 'cityops_dead_letters_total',
  help: 'Records sent to the dead-letter topic, by where they were rejected and the reason code',
  labelNames: ['origin', 'code'] as const,
  registers: [registry],
});

export function countDeadLetters(origin: string, code: string, n: number): void {
  deadLettersTotal.inc({ origin, code: codeLabel(code) }, n);
}
