import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddedBus } from '@cityops/bus';
import { MAX_RAW_BYTES, MAX_REASON_CHARS, Topics, type DeadLetter } from '@cityops/schema';
import type { Ingestor, IngestItem } from './ingestor.js';
import { parseBody } from './parse-body.js';
import { NOW, event, items, openRig, readAll, type Rig } from './test/fixture.js';

const LATENESS = 5 * 60_000;

// as text: JSON.stringify itself overflows the stack on such a value
const nestedText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('Ingestor: bounded, and nothing accepted that will be dropped (issue 7)', () => {
  let rig: Rig;
  let bus: EmbeddedBus;
  let ingestor: Ingestor;
  beforeEach(async () => {
    rig = await openRig({ allowedLatenessMs: LATENESS });
    ({ bus, ingestor } = rig);
  });
  afterEach(() => rig.close());

  it('a batch holding one array nested 10,000 deep: that item is rejected and dead-lettered, the rest accepted', async () => {
    const { items: parsed } = parseBody(
      `[${JSON.stringify(event('a'))},${nestedText(10_000)},${JSON.stringify(event('b'))}]`,
      'application/json',
    ) as {
      items: IngestItem[];
    };
    const result = await ingestor.ingest(parsed, 'http');
    expect(result.accepted).toBe(2);
    expect(result.rejected).toMatchObject([{ index: 1, code: 'E_EVT_TOO_LARGE' }]);
    const [dl] = await readAll(bus, Topics.dlq, 1);
    const letter = JSON.parse(dl!.value) as DeadLetter;
    expect(letter).toMatchObject({ code: 'E_EVT_TOO_LARGE', truncated: true });
    expect(letter.raw.startsWith('[[[[')).toBe(true);
    expect(new TextEncoder().encode(letter.raw).length).toBeLessThanOrEqual(MAX_RAW_BYTES);
  });

  it.each([
    ['1970', '1970-01-01T00:00:00Z'],
    ['year 0', '0000-01-01T00:00:00Z'],
    ['just past the allowed lateness', new Date(NOW - LATENESS - 1).toISOString()],
  ])('an event dated %s is rejected at the door with E_EVT_TOO_OLD and dead-lettered', async (_, eventTime) => {
    const result = await ingestor.ingest(items(event('old', { eventTime }), event('fresh')), 'http');
    expect(result.accepted).toBe(1);
    expect(result.rejected).toMatchObject([{ index: 0, id: 'old', code: 'E_EVT_TOO_OLD' }]);
    expect(result.rejected[0]!.reason).toContain(String(LATENESS));
    const [dl] = await readAll(bus, Topics.dlq, 1);
    expect(JSON.parse(dl!.value)).toMatchObject({ code: 'E_EVT_TOO_OLD' });
    expect(ingestor.stats.rejected.E_EVT_TOO_OLD).toBe(1);
  });

  it('an event exactly at the allowed lateness is still accepted', async () => {
    const result = await ingestor.ingest(
      items(event('edge', { eventTime: new Date(NOW - LATENESS).toISOString() })),
      'http',
    );
    expect(result.accepted).toBe(1);
  });

  it('answers a megabyte id, key or string with a bounded rejection: short reason, no echoed id', async () => {
    const mb = 'x'.repeat(1024 * 1024);
    const result = await ingestor.ingest(
      items(
        event(mb),
        event('k', { payload: { sensorId: 's', kind: 'noise', value: 1, unit: 'dB', [mb.slice(0, 8000)]: 1 } }),
        event('s', { payload: { sensorId: mb, kind: 'noise', value: 1, unit: 'dB' } }),
      ),
      'http',
    );
    expect(result.rejected).toHaveLength(3);
    for (const r of result.rejected) {
      expect(r.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
      expect((r.id ?? '').length).toBeLessThanOrEqual(128);
    }
    const letters = (await readAll(bus, Topics.dlq, 3)).map((r) => JSON.parse(r.value) as DeadLetter);
    for (const l of letters) expect(new TextEncoder().encode(l.raw).length).toBeLessThanOrEqual(MAX_RAW_BYTES);
  });

  it('a bad NDJSON line of a megabyte is one bounded dead letter', async () => {
    const parsed = parseBody(`{"x":${'9'.repeat(1024 * 1024)}\n${JSON.stringify(event('ok'))}`, 'application/x-ndjson');
    if ('error' in parsed) throw new Error(parsed.error);
    const result = await ingestor.ingest(parsed.items, 'http');
    expect(result.accepted).toBe(1);
    expect(result.rejected[0]!.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    const [dl] = await readAll(bus, Topics.dlq, 1);
    expect(new TextEncoder().encode((JSON.parse(dl!.value) as DeadLetter).raw).length).toBeLessThanOrEqual(
      MAX_RAW_BYTES,
    );
  });
});

describe('parseBody (issue 7)', () => {
  it('caps the error for a body that does not parse', () => {
    const r = parseBody(`{"${'k'.repeat(100_000)}`, 'application/json');
    expect('error' in r && r.error.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    expect('error' in r).toBe(true);
  });

  it('parses an array nested 10,000 deep (JSON.parse does not recurse)', () => {
    const r = parseBody(nestedText(10_000), 'application/json');
    expect('items' in r && r.items).toHaveLength(1);
  });
});
