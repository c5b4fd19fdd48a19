import { Counter } from 'prom-client';
import { countDeadLetters } from './dead-letters.js';
import { BoundedLabel, codeLabel, countable } from './labels.js';
import { registry } from './registry.js';

export interface IngestMetrics {
  /** cityops_ingest_accepted_total{boundary} */
  accepted(boundary: string, n: number): void;
  /** cityops_ingest_duplicates_total{boundary} */
  duplicates(boundary: string, n: number): void;
  /** cityops_ingest_retry_total{boundary} */
  retry(boundary: string, n: number): void;
  /** cityops_ingest_rejected_total{boundary,code}, and cityops_dead_letters_total{origin=boundary,code} */
  rejected(boundary: string, code: string, n: number): void;
}

const boundaryLabel = ['boundary'] as const;

const acceptedTotal = new Counter({
  name: 'cityops_ingest_accepted_total',
  help: 'Events accepted onto city.events.v1, by the boundary they came in through',
  labelNames: boundaryLabel,
  registers: [registry],
});
const duplicatesTotal = new Counter({
  name: 'cityops_ingest_duplicates_total',
  help: 'Events dropped as a repeated source/id',
  labelNames: boundaryLabel,
  registers: [registry],
});
const retryTotal = new Counter({
  name: 'cityops_ingest_retry_total',
  help: 'Events answered "retry" (the same id is in flight elsewhere)',
  labelNames: boundaryLabel,
  registers: [registry],
});
const rejectedTotal = new Counter({
  name: 'cityops_ingest_rejected_total',
  help: 'Events rejected and dead-lettered, by boundary and reason code',
  labelNames: ['boundary', 'code'] as const,
  registers: [registry],
});

const boundaries = new BoundedLabel();

/**
 * Counts of the ingest path, labelled by `boundary` (the way in: e.g. http, mqtt, simulator).
 * Boundary names outside the allowed pattern, or beyond the first MAX_LABEL_VALUES, count as "other";
 * reason codes not in `ErrorCodes` count as "other".
 */
export const ingestMetrics: IngestMetrics = {
  accepted(boundary, n) {
    if (countable(n)) acceptedTotal.inc({ boundary: boundaries.value(boundary) }, n);
  },
  duplicates(boundary, n) {
    if (countable(n)) duplicatesTotal.inc({ boundary: boundaries.value(boundary) }, n);
  },
  retry(boundary, n) {
    if (countable(n)) retryTotal.inc({ boundary: boundaries.value(boundary) }, n);
  },
  rejected(boundary, code, n) {
    if (!countable(n)) return;
    const b = boundaries.value(boundary);
    rejectedTotal.inc({ boundary: b, code: codeLabel(code) }, n);
    countDeadLetters(b, code, n);
  },
};
