import { readFileSync } from 'node:fs';
import { bench, describe } from 'vitest';
import { createMapContext } from '../context.js';
import type { ReceiverRequest } from '../types.js';
import { ngsi, type NgsiOptions } from './index.js';
import { open311 } from '../open311/index.js';
import type { Open311Options } from '../open311/index.js';

/** events/s of parse + map against JSON.parse of the same bytes (run: npx vitest bench --run src/ngsi) */
const sdm = (n: string) => JSON.parse(readFileSync(new URL(`./fixtures/sdm/${n}`, import.meta.url), 'utf8'));
const noise = sdm('NoiseLevelObserved.normalized.json');
const N = 500;
const entities = Array.from({ length: N }, (_, i) => ({
  ...noise,
  id: `noise-${i}`,
  location: { type: 'geo:json', value: { type: 'Point', coordinates: [121.47, 31.23] } },
}));
const v2Body = Buffer.from(JSON.stringify({ subscriptionId: 's', data: entities }));
const ctx = createMapContext({ now: () => Date.UTC(2026, 10, 22, 1) });
const o = ngsi.options.parse({}) as NgsiOptions;
const req = (body: Buffer, contentType = 'application/json'): ReceiverRequest => ({
  body,
  contentType,
  query: {},
  headers: {},
});

const requests = JSON.parse(readFileSync(new URL('../open311/fixtures/get-requests.json', import.meta.url), 'utf8'));
const page = Array.from({ length: N }, (_, i) => ({ ...requests[i % 2], service_request_id: i }));
const pageText = JSON.stringify(page);
const o311 = open311.options.parse({}) as Open311Options;

describe(`ngsi v2 notification of ${N} entities`, () => {
  bench('JSON.parse of the same bytes', () => {
    JSON.parse(v2Body.toString('utf8'));
  });
  bench('ngsi parse + map', () => {
    const p = ngsi.http![0]!.parse!(req(v2Body));
    if (!p.ok) throw new Error(p.reason);
    for (const i of p.inputs) ngsi.map(i, ctx, o);
  });
});

describe(`open311 requests.json page of ${N} requests`, () => {
  bench('JSON.parse of the same bytes', () => {
    JSON.parse(pageText);
  });
  bench('open311 map', () => {
    for (const r of JSON.parse(pageText) as Record<string, unknown>[])
      open311.map({ open311: 'remote', server: 'sf', request: r }, ctx, o311);
  });
});
