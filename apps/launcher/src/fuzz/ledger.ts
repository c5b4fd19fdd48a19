import { loadConfig } from '@cityops/config';
import { ErrorCodes } from '@cityops/schema';
import type { FuzzItem } from './mutator.js';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));
/** the server runs with the default cap (MAX_ITEMS_PER_REQUEST) */
const MAX_ITEMS_PER_REQUEST = loadConfig({}).MAX_ITEMS_PER_REQUEST;
/** the longest reason an answer may carry (reasons are capped; they never quote unbounded input) */
export const MAX_REASON_CHARS = 1000;

/** A check that did not hold, with the smallest input that shows it. */
export interface Failure {
  kind: string;
  detail: string;
  /** the reproducing input, shortened for the table */
  repro: string;
}

/** An HTTP answer as the fuzzer saw it; `status` 0 means no answer (connection error). */
export interface Answer {
  status: number;
  body: unknown;
  error?: string;
  ms: number;
}

interface Accepted {
  accepted: number;
  duplicates: number;
  rejected: number;
  retry: number;
  errors: Array<{ index: number; code: string; reason: string; id?: string }>;
}

/**
 * What the fuzzer expects and counts: per request, every input answered once (accepted +
 * duplicates + rejected + retry = inputs), the accepted ones predicted from the ids it sent
 * (the first valid event of a source/id is accepted, a later one is a duplicate), every rejection
 * with a known code and a bounded reason, every 4xx with a code, never a 5xx or no answer.
 */
export class Ledger {
  inputs = 0;
  requests = 0;
  accepted = 0;
  duplicates = 0;
  retry = 0;
  rejected = 0;
  /** answers by status */
  readonly statuses = new Map<number, number>();
  /** item outcomes by code ('accepted', 'duplicate', E_...), and whole-body 4xx by their code */
  readonly codes = new Map<string, number>();
  /** item-level rejections by code (what the ingest's dead-letter counts must show) */
  readonly rejectedByCode = new Map<string, number>();
  /** dead letters published: item rejections plus whole bodies that were not JSON */
  deadLetters = 0;
  fiveXX = 0;
  noAnswer = 0;
  readonly failures: Failure[] = [];
  private readonly keys = new Set<string>();
  /** source/id of accepted events, for the mutator's duplicates */
  readonly acceptedIds: Array<{ source: string; id: string }> = [];

  private count(map: Map<string, number>, key: string, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }

  fail(kind: string, detail: string, repro: string): void {
    // one row per kind and detail is enough to reproduce; the count shows how often
    if (this.failures.length < 200 && !this.failures.some((f) => f.kind === kind && f.detail === detail)) {
      this.failures.push({ kind, detail, repro });
    }
  }

  /**
   * Checks one answer. `items` are the inputs the server parses out of the body (undefined: not
   * JSON as a whole); `mayEnter`: whether the request carries a valid key; `tooLarge`: whether the
   * body is over MAX_BODY_BYTES. Returns the rejection codes of the answer, newest last.
   */
  check(
    items: FuzzItem[] | undefined,
    answer: Answer,
    mayEnter: boolean,
    tooLarge: boolean,
    repro: () => string,
  ): string[] {
    this.requests++;
    const n = items?.length ?? 1;
    this.inputs += n;
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    if (answer.status === 0) {
      this.noAnswer++;
      this.fail('no answer', answer.error ?? 'connection closed', repro());
      return [];
    }
    if (answer.status >= 500) {
      this.fiveXX++;
      this.fail('5xx', `${answer.status} ${JSON.stringify(answer.body).slice(0, 120)}`, repro());
      return [];
    }
    const code = (answer.body as { code?: unknown } | null)?.code;
    if (answer.status >= 400) {
      if (typeof code !== 'string' || !KNOWN_CODES.has(code))
        this.fail('4xx without a code', `${answer.status}`, repro());
      else this.count(this.codes, code);
    }
    if (!mayEnter) {
      if (answer.status !== 401) this.fail('auth', `no valid key, answered ${answer.status}`, repro());
      return [];
    }
    if (answer.status === 401) {
      this.fail('auth', 'a valid key answered 401', repro());
      return [];
    }
    if (tooLarge) {
      if (answer.status !== 413) this.fail('body limit', `over MAX_BODY_BYTES, answered ${answer.status}`, repro());
      return [];
    }
    if (items === undefined) {
      if (answer.status !== 400 || code !== ErrorCodes.EVT_NOT_JSON)
        this.fail('not JSON', `answered ${answer.status} ${String(code)}`, repro());
      else {
        this.rejected++;
        this.deadLetters++;
      }
      return answer.status === 400 ? [ErrorCodes.EVT_NOT_JSON] : [];
    }
    if (items.length > MAX_ITEMS_PER_REQUEST) {
      // refused whole: nothing accepted, nothing dead-lettered
      if (answer.status !== 413 || code !== ErrorCodes.HTTP_TOO_MANY_ITEMS)
        this.fail('item cap', `${items.length} items answered ${answer.status} ${String(code)}`, repro());
      return [];
    }
    if (answer.status !== 202) {
      this.fail('status', `a JSON body answered ${answer.status} ${String(code)}`, repro());
      return [];
    }
    return this.checkAccepted(items, answer.body as Accepted, repro);
  }

  private checkAccepted(items: FuzzItem[], body: Accepted, repro: () => string): string[] {
    const nums = [body.accepted, body.duplicates, body.rejected, body.retry];
    if (!nums.every((x) => Number.isInteger(x) && x >= 0) || !Array.isArray(body.errors)) {
      this.fail('answer shape', JSON.stringify(body).slice(0, 200), repro());
      return [];
    }
    if (body.accepted + body.duplicates + body.rejected + body.retry !== items.length) {
      this.fail(
        'counts',
        `accepted ${body.accepted} + duplicates ${body.duplicates} + rejected ${body.rejected} + retry ${body.retry} != ${items.length} inputs`,
        repro(),
      );
    }
    const answered = new Map<number, string>();
    const codes: string[] = [];
    for (const e of body.errors) {
      if (!KNOWN_CODES.has(e.code)) this.fail('unknown code', String(e.code), repro());
      if (typeof e.reason !== 'string' || e.reason.length > MAX_REASON_CHARS)
        this.fail('reason too long', `${e.code}: reason of ${String(e.reason?.length)} chars`, repro());
      if (answered.has(e.index)) this.fail('counts', `input ${e.index} answered twice`, repro());
      answered.set(e.index, e.code);
      this.count(this.codes, e.code);
      if (e.code === ErrorCodes.EVT_IN_FLIGHT) this.retry++;
      else {
        this.rejected++;
        this.deadLetters++;
        this.count(this.rejectedByCode, e.code);
        codes.push(e.code);
      }
    }
    // what is left is accepted or a duplicate: predicted from the source/id sent
    let accepted = 0;
    let duplicates = 0;
    items.forEach((it, index) => {
      if (answered.has(index)) return;
      const v = it.value as { source?: unknown; id?: unknown } | null;
      const key =
        typeof v === 'object' && v !== null ? `${String(v.source)}/${String(v.id)}` : `(not an object ${index})`;
      if (this.keys.has(key)) duplicates++;
      else {
        accepted++;
        this.keys.add(key);
        this.acceptedIds.push({ source: String(v?.source), id: String(v?.id) });
      }
    });
    if (accepted !== body.accepted || duplicates !== body.duplicates) {
      this.fail(
        'counts',
        `answered accepted ${body.accepted} / duplicates ${body.duplicates}, the ids sent make it ${accepted} / ${duplicates}`,
        repro(),
      );
    }
    this.accepted += body.accepted;
    this.duplicates += body.duplicates;
    this.count(this.codes, 'accepted', body.accepted);
    this.count(this.codes, 'duplicate', body.duplicates);
    return codes;
  }
}
