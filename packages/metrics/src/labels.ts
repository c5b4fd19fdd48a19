import { ErrorCodes } from '@cityops/schema';

/** What any label value that is not admitted becomes. */
export const OTHER = 'other';

/** Names of stages, boundaries and topics: a letter, then letters, digits and `. _ -`, at most 64 characters. */
const NAME = /^[a-zA-Z][a-zA-Z0-9._-]{0,63}$/;

/** Distinct values one label may take before further new ones collapse to "other". */
export const MAX_LABEL_VALUES = 32;

/** Kafka partitions counted by number; a higher one (or a non-integer) collapses to "other". */
export const MAX_PARTITION = 1023;

/**
 * Admits label values that match NAME, up to MAX_LABEL_VALUES distinct ones, first come first
 * served; anything else is "other". Values can come from outside (a source's boundary name, a
 * topic), and every distinct value is a series kept for the life of the process, so the
 * registry must not grow with what callers send.
 */
export class BoundedLabel {
  private readonly admitted = new Set<string>();

  constructor(private readonly max = MAX_LABEL_VALUES) {}

  value(raw: string): string {
    if (this.admitted.has(raw)) return raw;
    if (typeof raw !== 'string' || !NAME.test(raw) || this.admitted.size >= this.max) return OTHER;
    this.admitted.add(raw);
    return raw;
  }
}

const knownCodes: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

/** A reason code from `@cityops/schema` `ErrorCodes` as is; anything else is "other". */
export function codeLabel(code: string): string {
  return knownCodes.has(code) ? code : OTHER;
}

/** A partition number 0..MAX_PARTITION as its decimal string; anything else is "other". */
export function partitionLabel(partition: number): string {
  return Number.isInteger(partition) && partition >= 0 && partition <= MAX_PARTITION ? String(partition) : OTHER;
}

/**
 * Counts and observations must be finite and not negative. A bad one is ignored rather than
 * thrown: prom-client throws on a negative increment, and a metric call must never break the
 * data path that makes it.
 */
export function countable(n: number): boolean {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}
