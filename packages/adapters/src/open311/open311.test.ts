import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { parseMapping, SHANGHAI_TAXONOMY } from '@cityops/city';
import { parseCityEvent, Topics } from '@cityops/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { createMapContext, type CategoryMappingData } from '../context.js';
import { adapterRouter } from '../http.js';
import { NOW, openHost, readAll, type HostRig } from '../test/rig.js';
import type { Mapped, ReceiverRequest } from '../types.js';
import { mapRemote, type RemoteRequest } from './georeport.js';
import { open311, type Open311Options } from './index.js';

const text = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const mappingJson = JSON.parse(text('../../../../city/mappings/open311.json'));
const mapping: CategoryMappingData = parseMapping(mappingJson, 'mappings/open311.json', SHANGHAI_TAXONOMY);
const options = open311.options.parse({}) as Open311Options;
const [postReceiver, servicesReceiver] = open311.http!;

function ctxWith(unmapped: string[] = []) {
  return createMapContext({ mapping, now: () => NOW, onUnmapped: (c) => unmapped.push(c) });
}

const req = (body: string, contentType: string, query: Record<string, string> = {}): ReceiverRequest => ({
  body: Buffer.from(body),
  contentType,
  query,
  headers: {},
});

function posted(body: string, contentType = 'application/x-www-form-urlencoded') {
  const p = postReceiver!.parse!(req(body, contentType));
  if (!p.ok) throw new Error(`parse failed: ${p.code} ${p.reason}`);
  return p;
}

function valid(m: Mapped) {
  if (!m.ok) throw new Error(`expected an event, got ${m.code}: ${m.reason}`);
  const p = parseCityEvent(JSON.parse(JSON.stringify(m.event)));
  if (!p.ok) throw new Error(p.reason);
  if (p.event.type !== 'hotline.ticket') throw new Error(p.event.type);
  return p.event;
}

describe('open311: POST requests.json (GeoReport v2)', () => {
  it("the spec's example request: api_key is the credential, the rest a received ticket mapped by service_code", () => {
    const p = posted(text('post-request.form.txt'));
    expect(p.credential).toBe('xyz');
    expect(JSON.stringify(p.inputs)).not.toContain('xyz'); // the key never reaches map()'s input
    const [m] = open311.map(p.inputs[0], ctxWith(), options);
    const e = valid(m!);
    expect(e).toMatchObject({
      source: 'open311',
      eventTime: new Date(NOW).toISOString(),
      location: { lon: -122.4212043, lat: 37.76524078 },
      category: { kind: 'event', code: 'E.01.01' }, // "001" via mappings/open311.json
      payload: {
        stage: 'received',
        channel: 'referral',
        summary: 'A large sinkhole is destroying the street — 1234 5th street',
      },
    });
    expect(e.payload.ticketId).toMatch(/^o311-[0-9a-f]{20}$/);
    expect(e.id).toBe(`${e.payload.ticketId}:received`);
    expect((p.inputs[0] as { attributes: unknown }).attributes).toEqual({ WHISPAWN: '123456', WHISDORN: 'COISL001' });
  });

  it('JSON bodies carry the same fields; the same request sent twice has the same id (dedupes)', () => {
    const form = new URLSearchParams(text('post-request.form.txt'));
    const json = Object.fromEntries([...form].filter(([k]) => !k.startsWith('attribute[')));
    const jsonBody = JSON.stringify({ ...json, attribute: { WHISPAWN: '123456', WHISDORN: 'COISL001' } });
    const a = valid(open311.map(posted(text('post-request.form.txt')).inputs[0], ctxWith(), options)[0]!);
    const b = valid(open311.map(posted(jsonBody, 'application/json').inputs[0], ctxWith(), options)[0]!);
    expect(b.id).toBe(a.id);
    const other = valid(
      open311.map(
        posted(text('post-request.form.txt').replace('sinkhole', 'pothole')).inputs[0],
        ctxWith(),
        options,
      )[0]!,
    );
    expect(other.id).not.toBe(a.id);
  });

  it('service codes: our taxonomy codes stand for themselves; unknown codes go to the catch-all, listed as unmapped', () => {
    const unmapped: string[] = [];
    const ours = valid(
      open311.map(posted('service_code=E.04.05&lat=31.23&long=121.47').inputs[0], ctxWith(unmapped), options)[0]!,
    );
    expect(ours.category).toEqual({ kind: 'event', code: 'E.04.05' });
    const theirs = valid(
      open311.map(posted('service_code=ZZ9&lat=31.23&long=121.47').inputs[0], ctxWith(unmapped), options)[0]!,
    );
    expect(theirs.category).toEqual({ kind: 'event', code: 'E.10.01' });
    expect(unmapped).toEqual(['ZZ9']);
  });

  it('bad requests are rejected with their own codes and answered as GeoReport errors', () => {
    const cases: [string, string, RegExp][] = [
      ['lat=31.2&long=121.4&description=x', 'E_ADP_BAD_INPUT', /service_code was not provided/],
      ['service_code=001&address_string=1234+5th+street', 'E_ADP_NO_LOCATION', /lat and long are required/],
      ['service_code=001&lat=95&long=121', 'E_ADP_BAD_INPUT', /WGS84/],
      [`service_code=001&lat=31&long=121&description=${'x'.repeat(4001)}`, 'E_ADP_BAD_INPUT', /4000/],
    ];
    for (const [body, code, why] of cases) {
      const [m] = open311.map(posted(body).inputs[0], ctxWith(), options);
      expect(m!.ok, body).toBe(false);
      if (m!.ok) continue;
      expect(m!.code).toBe(code);
      expect(m!.reason).toMatch(why);
      const a = postReceiver!.answer!(
        { accepted: 0, duplicates: 0, rejected: [{ index: 0, code: m!.code, reason: m!.reason }], retry: [] },
        req(body, 'application/x-www-form-urlencoded'),
      );
      expect(a.status).toBe(400);
      expect(a.body).toEqual([{ code: 400, description: expect.stringContaining(code) }]);
    }
    const multipart = postReceiver!.parse!(req('--x', 'multipart/form-data; boundary=x'));
    expect(multipart).toMatchObject({ ok: false, code: 'E_ADP_PARSE' });
    expect(postReceiver!.parse!(req('[1]', 'application/json'))).toMatchObject({ ok: false, code: 'E_ADP_PARSE' });
    expect(postReceiver!.answer!(undefined, req('', ''), { code: 'E_ADP_PARSE', reason: 'nope' })).toEqual({
      status: 400,
      body: [{ code: 400, description: 'nope' }],
    });
    // the spec's own error shape, for comparison
    const specErrors = JSON.parse(text('errors.json')) as object[];
    expect(Object.keys(specErrors[0]!).sort()).toEqual(['code', 'description']);
  });

  it("answers an accepted request in the spec's response shape", () => {
    const body = text('post-request.form.txt');
    const a = postReceiver!.answer!(
      { accepted: 1, duplicates: 0, rejected: [], retry: [] },
      req(body, 'application/x-www-form-urlencoded'),
    );
    const spec = JSON.parse(text('post-response.json')) as object[];
    expect(a.status).toBe(200);
    const [got] = a.body as Record<string, unknown>[];
    expect(Object.keys(got!).sort()).toEqual(Object.keys(spec[0]!).sort());
    const e = valid(open311.map(posted(body).inputs[0], ctxWith(), options)[0]!);
    expect(got!.service_request_id).toBe(e.payload.ticketId);
    const retry = postReceiver!.answer!(
      { accepted: 0, duplicates: 0, rejected: [], retry: [{ index: 0, code: 'E_EVT_IN_FLIGHT', reason: 'x' }] },
      req(body, ''),
    );
    expect(retry).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
  });

  it('GET services.json lists our 事件 classes as GeoReport services', () => {
    const a = servicesReceiver!.serve!(ctxWith(), {});
    const list = a.body as Record<string, unknown>[];
    expect(a.status).toBe(200);
    expect(list.length).toBeGreaterThan(30);
    for (const s of list) {
      expect(Object.keys(s).sort()).toEqual([
        'description',
        'group',
        'keywords',
        'metadata',
        'service_code',
        'service_name',
        'type',
      ]);
      expect(s).toMatchObject({ metadata: false, type: 'realtime' });
      expect(s.service_code).toMatch(/^E\.\d{2}\.\d{2}$/);
    }
    expect(list.find((s) => s.service_code === 'E.06.02')).toMatchObject({
      service_name: '快递车辆占道卸货',
      group: '交通秩序',
    });
  });
});

describe('open311: requests read from a remote GeoReport server', () => {
  const spec = JSON.parse(text('get-requests.json')) as Record<string, unknown>[];
  const remote = (request: Record<string, unknown>, after?: number): RemoteRequest => ({
    open311: 'remote',
    server: 'sf',
    request,
    ...(after !== undefined ? { after } : {}),
  });

  it("the spec's example page: a closed request is received and resolved, an open one received", () => {
    const closed = mapRemote(remote(spec[0]!), ctxWith()).map(valid);
    expect(closed.map((e) => [e.payload.stage, e.eventTime, e.id])).toEqual([
      ['received', '2010-04-14T14:37:38.000Z', 'sf:638344:received'],
      ['resolved', '2010-04-14T14:37:38.000Z', 'sf:638344:resolved'],
    ]);
    expect(closed[1]!.payload.summary).toBe('Duplicate request.');
    expect(closed[0]!.category).toEqual({ kind: 'event', code: 'E.08.02' }); // "006"
    const open = mapRemote(remote(spec[1]!), ctxWith()).map(valid);
    expect(open.map((e) => e.payload.stage)).toEqual(['received']);
  });

  it('status_notes on an open request are a response; an agency is a dispatch; old requests are not received again', () => {
    const after = Date.parse('2010-04-20T00:00:00Z');
    const r = {
      ...spec[1]!,
      status_notes: 'Crew scheduled',
      agency_responsible: 'DPW',
      updated_datetime: '2010-04-21T06:00:00-08:00',
    };
    const out = mapRemote(remote(r, after), ctxWith()).map(valid);
    expect(out.map((e) => e.payload.stage)).toEqual(['dispatched', 'responded']);
    expect(out[0]!.payload.assignee).toBe('DPW');
    expect(out[1]!.payload.summary).toBe('Crew scheduled');
    const another = mapRemote(remote({ ...r, status_notes: 'Crew on site' }, after), ctxWith()).map(valid);
    expect(another[1]!.id).not.toBe(out[1]!.id); // a new note is a new response
    expect(another[0]!.id).toBe(out[0]!.id); // the same dispatch again dedupes
  });

  it('bad remote requests get their own codes and never throw', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...spec[0]!, service_request_id: null }, 'E_ADP_BAD_INPUT'],
      [{ ...spec[0]!, status: 'pending' }, 'E_ADP_BAD_INPUT'],
      [{ ...spec[0]!, requested_datetime: 'April' }, 'E_ADP_BAD_TIME'],
      [{ ...spec[0]!, lat: null, long: null }, 'E_ADP_NO_LOCATION'],
    ];
    for (const [r, code] of cases) {
      const [m] = mapRemote(remote(r), ctxWith());
      expect(m).toMatchObject({ ok: false, code });
    }
  });
});

describe('open311 through the adapter host and HTTP', () => {
  let rig: HostRig | undefined;
  let server: ReturnType<express.Express['listen']> | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await rig?.close();
    rig = undefined;
    server = undefined;
  });

  it('a form POST in Shanghai is answered in GeoReport shape and lands on the topic; services.json is served', async () => {
    rig = await openHost({ mappings: { open311: mapping } });
    rig.host.add(open311, {});
    const app = express();
    app.use('/api/v1/ingest', adapterRouter(rig.host, rig.bus));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/ingest/open311`;
    // the spec's example, moved to Shanghai (noted: not the published place)
    const body = text('post-request.form.txt').replace(
      'lat=37.76524078&long=-122.4212043',
      'lat=31.2304&long=121.4737',
    );
    const post = () =>
      fetch(`${base}/requests.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const res = await post();
    expect(res.status).toBe(200);
    const [answer] = (await res.json()) as { service_request_id: string; service_notice: string }[];
    expect(answer!.service_request_id).toMatch(/^o311-/);
    expect((await post()).status).toBe(200); // a resend: a duplicate, answered the same
    const events = (await readAll(rig.bus, Topics.events)).map((r) => JSON.parse(r.value!));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'hotline.ticket', payload: { ticketId: answer!.service_request_id } });
    const bad = await fetch(`${base}/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'api_key=xyz&lat=31&long=121',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual([
      { code: 400, description: expect.stringContaining('service_code was not provided') },
    ]);
    const unknown = await fetch(`${base}/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'service_code=E.99.99&lat=31.2304&long=121.4737',
    });
    expect(unknown.status).toBe(404); // a taxonomy-shaped code the pack does not have
    expect(await unknown.json()).toEqual([
      { code: 404, description: expect.stringContaining('E_EVT_UNKNOWN_CATEGORY') },
    ]);
    const dlq = (await readAll(rig.bus, Topics.dlq)).map((r) => r.value!);
    expect(dlq).toHaveLength(2);
    expect(JSON.parse(dlq[0]!)).toMatchObject({ code: 'E_ADP_BAD_INPUT', source: 'open311' });
    const svc = await fetch(`${base}/services.json`);
    expect(svc.status).toBe(200);
    expect(((await svc.json()) as unknown[]).length).toBeGreaterThan(30);
  });

  it('a dead-lettered POST never keeps its api_key, form or JSON, parsed or not; a refused key is answered in GeoReport shape', async () => {
    rig = await openHost({ mappings: { open311: mapping } });
    rig.host.add(open311, {});
    const app = express();
    const authorize = ({ credential }: { credential?: string }) =>
      credential === 'good-key-123'
        ? { ok: true as const }
        : {
            ok: false as const,
            status: 401 as const,
            code: 'E_HTTP_UNAUTHORIZED' as const,
            message: 'unknown api_key',
          };
    app.use('/api/v1/ingest', adapterRouter(rig.host, rig.bus, { authorize }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/ingest/open311/requests.json`;
    const post = (body: string, type: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
    // a request the adapter rejects (no service_code), as a form and as JSON
    expect(
      (await post('api_key=good-key-123&lat=31.2304&long=121.4737', 'application/x-www-form-urlencoded')).status,
    ).toBe(400);
    expect((await post('{"api_key":"good-key-123","lat":31.2304,"long":121.4737}', 'application/json')).status).toBe(
      400,
    );
    const refused = await post(
      'api_key=wrong-key-456&service_code=E.06.02&lat=31.2304&long=121.4737',
      'application/x-www-form-urlencoded',
    );
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual([{ code: 401, description: expect.stringContaining('api_key') }]);
    const dlq = (await readAll(rig.bus, Topics.dlq)).map((r) => r.value!);
    expect(dlq).toHaveLength(2);
    for (const d of dlq) {
      expect(d).not.toContain('good-key-123');
      expect(d).toContain('lat');
    }
  });
});
