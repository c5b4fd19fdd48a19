/**
 * SenML JSON (RFC 8428): a pack (a JSON array of records) resolved into self-contained records,
 * as RFC 8428 sec. 4.6 defines "resolved records". Pure; no envelope knowledge here.
 *
 * - Base fields (`bn`, `bt`, `bu`, `bv`, `bs`, `bver`) apply to the record they are in and every
 *   later one until changed (sec. 4.1, 4.5).
 * - Name: `bn` + `n`; it must be non-empty, start with a letter or digit and hold only
 *   `A-Z a-z 0-9 - : . / _` (sec. 4.5.1).
 * - Time (sec. 4.5.3): `bt` + `t`, in seconds. A value of 2**28 or more is absolute (seconds since
 *   1970); a smaller one (zero and negatives too) is relative to now, the receiver's clock.
 *   A record without any time is "now".
 * - Value: exactly one of `v` (number, plus `bv`), `vs`, `vb`, `vd`; and/or a sum `s` (plus `bs`).
 *   A record with neither a value nor a sum carries base fields only and resolves to nothing.
 * - Unit: `u`, else `bu`.
 * - `bver` above 10 (the version RFC 8428 defines), or a label ending in `_` this code does not
 *   know (a must-understand extension, sec. 4.4), rejects the whole pack. Other unknown labels
 *   are ignored (sec. 4.4 extensions).
 *
 * One bad record is rejected on its own (with its index); the other records of the pack go on.
 */

/** 2**28 seconds: times at or above are absolute, below relative to now (RFC 8428 sec. 4.5.3). */
export const SENML_RELATIVE_LIMIT = 2 ** 28;
/** The SenML version this resolver understands (RFC 8428's). */
export const SENML_VERSION = 10;

const NAME = /^[A-Za-z0-9][A-Za-z0-9\-:./_]*$/;
const KNOWN = new Set(['bn', 'bt', 'bu', 'bv', 'bs', 'bver', 'n', 'u', 'v', 'vs', 'vb', 'vd', 's', 't', 'ut']);

export interface ResolvedRecord {
  /** the record's index in the pack */
  index: number;
  /** bn + n */
  name: string;
  /** the base name in force for this record ('' when none): the device, for a multi-sensor device */
  baseName: string;
  unit?: string;
  /** the value: number (`v` + `bv`), string (`vs`), boolean (`vb`) or data (`vd`, base64url text) */
  value?: number | string | boolean;
  valueKind?: 'v' | 'vs' | 'vb' | 'vd';
  /** `s` + `bs` */
  sum?: number;
  /** resolved time, epoch milliseconds */
  timeMs: number;
  /** whether the time was given as absolute (otherwise it is relative to the receiver's now) */
  absoluteTime: boolean;
  /** `ut`: seconds until the sensor is expected to send again */
  updateTimeS?: number;
}

export interface RecordProblem {
  index: number;
  reason: string;
}

export type SenmlResolution =
  { ok: true; records: ResolvedRecord[]; problems: RecordProblem[] } | { ok: false; reason: string };

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Resolves a parsed SenML JSON pack; `nowMs` is the receiver's clock for relative times. */
export function resolveSenml(pack: unknown, nowMs: number): SenmlResolution {
  if (!Array.isArray(pack)) return { ok: false, reason: 'a SenML pack is a JSON array of records' };
  if (pack.length === 0) return { ok: false, reason: 'the SenML pack is empty' };
  const records: ResolvedRecord[] = [];
  const problems: RecordProblem[] = [];
  let bn = '';
  let bt = 0;
  let bu: string | undefined;
  let bv = 0;
  let bs = 0;
  for (const [index, r] of pack.entries()) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      problems.push({ index, reason: 'a SenML record is a JSON object' });
      continue;
    }
    const rec = r as Record<string, unknown>;
    for (const label of Object.keys(rec)) {
      if (label.endsWith('_') && !KNOWN.has(label))
        return {
          ok: false,
          reason: `record ${index}: must-understand label ${JSON.stringify(label.slice(0, 40))} is not supported (RFC 8428 sec. 4.4)`,
        };
    }
    // base fields: wrong types reject the pack, since every later record depends on them
    if ('bver' in rec) {
      if (!isNum(rec.bver) || !Number.isInteger(rec.bver))
        return { ok: false, reason: `record ${index}: bver must be a whole number` };
      if (rec.bver > SENML_VERSION)
        return { ok: false, reason: `record ${index}: bver ${rec.bver} is newer than SenML version ${SENML_VERSION}` };
    }
    if ('bn' in rec) {
      if (typeof rec.bn !== 'string') return { ok: false, reason: `record ${index}: bn must be a string` };
      bn = rec.bn;
    }
    if ('bt' in rec) {
      if (!isNum(rec.bt)) return { ok: false, reason: `record ${index}: bt must be a number` };
      bt = rec.bt;
    }
    if ('bu' in rec) {
      if (typeof rec.bu !== 'string') return { ok: false, reason: `record ${index}: bu must be a string` };
      bu = rec.bu;
    }
    if ('bv' in rec) {
      if (!isNum(rec.bv)) return { ok: false, reason: `record ${index}: bv must be a number` };
      bv = rec.bv;
    }
    if ('bs' in rec) {
      if (!isNum(rec.bs)) return { ok: false, reason: `record ${index}: bs must be a number` };
      bs = rec.bs;
    }
    const values = (['v', 'vs', 'vb', 'vd'] as const).filter((k) => k in rec);
    const hasSum = 's' in rec;
    if (values.length === 0 && !hasSum) {
      if ('n' in rec || 'u' in rec || 't' in rec)
        problems.push({ index, reason: 'the record has no value (v, vs, vb or vd) and no sum (s)' });
      continue;
    }
    const problem = recordProblem(rec, values);
    if (problem) {
      problems.push({ index, reason: problem });
      continue;
    }
    const name = bn + (typeof rec.n === 'string' ? rec.n : '');
    if (!NAME.test(name)) {
      problems.push({
        index,
        reason: `the resolved name ${JSON.stringify(name.slice(0, 80))} is not a SenML name (RFC 8428 sec. 4.5.1)`,
      });
      continue;
    }
    const t = bt + (isNum(rec.t) ? rec.t : 0);
    const absoluteTime = t >= SENML_RELATIVE_LIMIT;
    const timeMs = absoluteTime ? t * 1000 : nowMs + t * 1000;
    const unit = typeof rec.u === 'string' ? rec.u : bu;
    const out: ResolvedRecord = { index, name, baseName: bn, timeMs, absoluteTime };
    if (unit !== undefined && unit !== '') out.unit = unit;
    const kind = values[0];
    if (kind === 'v') out.value = bv + (rec.v as number);
    else if (kind !== undefined) out.value = rec[kind] as string | boolean;
    if (kind !== undefined) out.valueKind = kind;
    if (hasSum) out.sum = bs + (rec.s as number);
    if (isNum(rec.ut)) out.updateTimeS = rec.ut;
    records.push(out);
  }
  return { ok: true, records, problems };
}

function recordProblem(rec: Record<string, unknown>, values: Array<'v' | 'vs' | 'vb' | 'vd'>): string | undefined {
  if (values.length > 1) return `a record holds one value, not ${values.join(' and ')}`;
  if ('n' in rec && typeof rec.n !== 'string') return 'n must be a string';
  if ('u' in rec && typeof rec.u !== 'string') return 'u must be a string';
  if ('t' in rec && !isNum(rec.t)) return 't must be a number';
  if ('ut' in rec && !isNum(rec.ut)) return 'ut must be a number';
  if ('v' in rec && !isNum(rec.v)) return 'v must be a number';
  if ('vs' in rec && typeof rec.vs !== 'string') return 'vs must be a string';
  if ('vb' in rec && typeof rec.vb !== 'boolean') return 'vb must be true or false';
  if ('vd' in rec && typeof rec.vd !== 'string') return 'vd must be base64url text';
  if ('s' in rec && !isNum(rec.s)) return 's must be a number';
  return undefined;
}
