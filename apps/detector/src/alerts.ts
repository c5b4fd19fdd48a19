import { createHash } from 'node:crypto';
import {
  ALERT_VERSION,
  MAX_ALERT_EVIDENCE,
  MAX_ALERT_SILENT_IDS,
  MAX_ALERT_SUMMARY_CHARS,
  MAX_ID_CHARS,
  type AlertEvent,
} from '@cityops/schema';
import type { AlertDraft, RuleEnv } from './rules/rule.js';

/** What the framework keeps per open alert of a key (in the key's state): seq, evidence so far. */
export interface AlertBook {
  /** last seq published */
  q: number;
  /** evidence ids, newest last, at most MAX_ALERT_EVIDENCE */
  ev: string[];
  /** evidence count in all */
  n: number;
}

/** Per key: open alerts by incidentKey, and the incident keys recently cleared (never raised again). */
export interface AlertBooks {
  open: Record<string, AlertBook>;
  closed: string[];
}

const MAX_CLOSED_KEPT = 8;
const MAX_OPEN_PER_KEY = 16;

/**
 * The alert id: stable across crashes and replays, derived from rule type + key + incidentKey only.
 * Readable when short; long ones are shortened with a hash so the id stays within MAX_ID_CHARS.
 */
export function alertIdOf(type: string, key: string, incidentKey: string): string {
  const id = `${type}/${key}/${incidentKey}`;
  if (id.length <= 96) return id;
  const h = createHash('sha1').update(id).digest('hex').slice(0, 20);
  return `${type}/${key.slice(0, 40)}~${h}`;
}

const iso = (ms: number) => new Date(Number.isFinite(ms) ? ms : 0).toISOString();
const cap = (s: string) =>
  s.length > MAX_ALERT_SUMMARY_CHARS ? s.slice(0, MAX_ALERT_SUMMARY_CHARS - 1) + '…' : s || '-';
const okId = (s: unknown): s is string => typeof s === 'string' && s.length > 0 && s.length <= MAX_ID_CHARS;

/**
 * Turns a rule's drafts into alert events, keeping seq, evidence and the one-raise rule in `books`
 * (mutated). A `raised` for an incident already open is published as `updated`; an `updated` for one
 * not open as `raised`; a `cleared` for one not open is dropped, and a cleared incident is never
 * raised again under the same id. So each alertId has exactly one `raised`, then contiguous seq.
 */
export function draftsToAlerts(
  type: AlertEvent['type'],
  key: string,
  drafts: readonly AlertDraft[],
  books: AlertBooks,
  env: RuleEnv,
): AlertEvent[] {
  const out: AlertEvent[] = [];
  for (const d of drafts) {
    if (books.closed.includes(d.incidentKey)) continue;
    let book = books.open[d.incidentKey];
    let state = d.state;
    if (!book) {
      if (state === 'cleared') continue;
      if (Object.keys(books.open).length >= MAX_OPEN_PER_KEY) continue;
      state = 'raised';
      book = { q: 0, ev: [], n: 0 };
      books.open[d.incidentKey] = book;
    } else if (state === 'raised') state = 'updated';
    const fresh = d.evidence.filter((id) => okId(id) && !book.ev.includes(id));
    book.n += fresh.length;
    book.ev = [...book.ev, ...fresh].slice(-MAX_ALERT_EVIDENCE);
    book.q += 1;
    const alertId = alertIdOf(type, key, d.incidentKey);
    const code = d.categoryCode;
    const departments = code
      ? env.departments(code, {
          districtId: d.place.districtId,
          ...(d.place.streetId ? { streetId: d.place.streetId } : {}),
        })
      : { assist: [] };
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(d.metrics ?? {}).slice(0, 20))
      if (Number.isFinite(v)) metrics[k.slice(0, 40)] = v;
    out.push({
      v: ALERT_VERSION,
      eventId: `${alertId}#${book.q}`,
      alertId,
      seq: book.q,
      type,
      state,
      severity: d.severity,
      place: d.place,
      firstSignalAt: iso(d.firstSignalAt),
      detectedAt: iso(d.detectedAt),
      ...(code ? { categoryCode: code } : {}),
      evidence: [...book.ev],
      evidenceCount: book.n,
      subjects: (d.subjects ?? []).filter(okId).slice(0, MAX_ALERT_SILENT_IDS),
      departments,
      summary: { zh: cap(d.summary.zh), en: cap(d.summary.en) },
      metrics,
    });
    if (state === 'cleared') {
      delete books.open[d.incidentKey];
      books.closed = [...books.closed, d.incidentKey].slice(-MAX_CLOSED_KEPT);
    }
  }
  return out;
}
