import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import {
  applyMergePatch,
  ErrorCodes,
  Topics,
  type Delta,
  type Json,
  type Snapshot,
  type VitalsSnapshot,
} from '@cityops/schema';
import { loadCityPack } from '@cityops/city';
import { eventually } from '@cityops/testkit';
import { startTestGateway, type TestGateway } from '../test/test-gateway.js';

const MIN = 60_000;
let gw: TestGateway;
let officer: string;
const sockets: Socket[] = [];
// 90 events of the last few minutes, all appended now (the default lateness of 5 min covers them)
const T = Math.floor((Date.now() - 4 * MIN) / 10_000) * 10_000;
const FROM = new Date(T).toISOString();
const TO = new Date(T + 2 * MIN).toISOString();

beforeAll(async () => {
  gw = await startTestGateway({ REPLAY_MAX_CONCURRENT: '2' });
  officer = await gw.tokenFor('officer');
  await gw.bus.ensureTopics([{ topic: Topics.events, partitions: 4 }]);
  await gw.bus.publish(
    Topics.events,
    Array.from({ length: 90 }, (_, i) => ({
      key: `grid-${i % 5}`,
      value: JSON.stringify({
        v: 1,
        id: `r-${i}`,
        source: 'sim.sensors',
        type: 'sensor.reading',
        eventTime: new Date(T + i * 2_000).toISOString(),
        location: { lon: 121.4, lat: 31.2, districtId: 'd1', streetId: 'd1-s1' },
      }),
    })),
  );
}, 60_000);
afterAll(async () => {
  for (const s of sockets) s.close();
  await gw?.close();
});

const api = (path: string, token: string | undefined, method = 'GET', body?: unknown) =>
  fetch(new URL(path, gw.url), {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const start = async (body: unknown = { from: FROM, to: TO, speed: 'max' }) => {
  const res = await api('/api/v1/replays', officer, 'POST', body);
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
};
const screen = (auth: Record<string, string>) => {
  const s = connect(gw.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth });
  sockets.push(s);
  const got = {
    snapshots: [] as Snapshot<VitalsSnapshot>[],
    errors: [] as Array<{ code: string }>,
    /** the vitals as snapshot + in-order deltas made them */
    vitals: undefined as VitalsSnapshot | undefined,
    deltas: 0,
  };
  s.on('snapshot', (m: Snapshot<VitalsSnapshot>) => {
    got.snapshots.push(m);
    got.vitals = m.state;
  });
  s.on('delta', (d: Delta) => {
    got.deltas++;
    if (got.vitals)
      got.vitals = applyMergePatch(got.vitals as unknown as Json, d.patch as Json) as unknown as VitalsSnapshot;
  });
  s.on('error-message', (m: { code: string }) => got.errors.push(m));
  return { socket: s, got };
};

describe('the replays API', () => {
  it('an officer starts one; a wall screen may watch it but not start, seek or stop it', async () => {
    const id = await start();
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    const status = await eventually(async () => {
      const res = await api(`/api/v1/replays/${id}`, gw.screenToken);
      const body = (await res.json()) as { phase: string; records: { done: number }; position: string };
      return res.status === 200 && body.phase === 'done' ? body : undefined;
    });
    expect(status.records.done).toBe(90);
    expect(status.position).toBe(new Date(T + 59 * 2_000).toISOString());
    const health = (await (await api('/healthz', officer)).json()) as { components: { replays: unknown } };
    expect(health.components.replays).toEqual({ running: 1, max: 2, expired: 0 });
    const screenTries = [
      await api('/api/v1/replays', gw.screenToken, 'POST', { from: FROM, to: TO }),
      await api(`/api/v1/replays/${id}/seek`, gw.screenToken, 'POST', { at: FROM }),
      await api(`/api/v1/replays/${id}`, gw.screenToken, 'DELETE'),
    ];
    expect(screenTries.map((r) => r.status)).toEqual([403, 403, 403]);
    expect((await api(`/api/v1/replays/${id}`, undefined)).status).toBe(401);
    const seek = await api(`/api/v1/replays/${id}/seek`, officer, 'POST', { at: T + MIN, speed: 120 });
    expect(seek.status).toBe(200);
    expect(await seek.json()).toMatchObject({ seekedTo: new Date(T + MIN).toISOString(), speed: 120 });
    expect((await api(`/api/v1/replays/${id}`, officer, 'DELETE')).status).toBe(204);
    const gone = await api(`/api/v1/replays/${id}`, officer);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { code: string }).code).toBe(ErrorCodes.REPLAY_NOT_FOUND);
  });

  it('refuses bad input with a clear code, and bounds the number of replays', async () => {
    const codeOf = async (body: unknown) => {
      const res = await api('/api/v1/replays', officer, 'POST', body);
      return [res.status, ((await res.json()) as { code: string }).code];
    };
    expect(await codeOf({ from: FROM })).toEqual([400, ErrorCodes.HTTP_BAD_REQUEST]);
    expect(await codeOf({ from: FROM, to: TO, speed: 0.5 })).toEqual([400, ErrorCodes.HTTP_BAD_REQUEST]);
    expect(await codeOf({ from: FROM, to: TO, speed: 20_000 })).toEqual([400, ErrorCodes.HTTP_BAD_REQUEST]);
    expect(await codeOf({ from: 'yesterday', to: TO })).toEqual([400, ErrorCodes.HTTP_BAD_REQUEST]);
    expect(await codeOf({ from: FROM, to: TO, extra: 1 })).toEqual([400, ErrorCodes.HTTP_BAD_REQUEST]);
    expect(await codeOf({ from: TO, to: FROM })).toEqual([400, ErrorCodes.REPLAY_BAD_PERIOD]);
    expect(await codeOf({ from: FROM, to: Date.now() + MIN })).toEqual([400, ErrorCodes.REPLAY_BAD_PERIOD]);
    expect(await codeOf({ from: Date.now() - 8 * 24 * 60 * MIN, to: FROM })).toEqual([
      400,
      ErrorCodes.REPLAY_BAD_PERIOD,
    ]);
    expect((await api('/api/v1/replays/not-an-id', officer)).status).toBe(404);
    const a = await start();
    const b = await start();
    const third = await api('/api/v1/replays', officer, 'POST', { from: FROM, to: TO });
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('30');
    expect(((await third.json()) as { code: string }).code).toBe(ErrorCodes.REPLAY_TOO_MANY);
    const seekOut = await api(`/api/v1/replays/${a}/seek`, officer, 'POST', { at: TO });
    expect(seekOut.status).toBe(400);
    for (const id of [a, b]) expect((await api(`/api/v1/replays/${id}`, officer, 'DELETE')).status).toBe(204);
  });

  it("a screen opened on a replay gets the replay's vitals and no live channel; a live screen never gets the replay's", async () => {
    const id = await start();
    const live = screen({ token: gw.screenToken });
    const watcher = screen({ token: gw.screenToken, replay: id });
    await eventually(() => (watcher.got.vitals?.total.m15 === 60 ? true : undefined));
    // the live wall's vitals are the live group's (no live aggregator runs here: empty), never the replay's
    await eventually(() => (live.got.snapshots.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(live.got.vitals?.total.m15).toBe(0);
    expect(live.got.deltas).toBe(0);
    watcher.socket.emit('subscribe', { channels: ['alerts'] });
    await eventually(() => (watcher.got.errors.length > 0 ? true : undefined));
    expect(watcher.got.errors[0]!.code).toBe(ErrorCodes.REPLAY_LIVE_ONLY);
    // resync of vitals answers the replay's snapshot
    const before = watcher.got.snapshots.length;
    watcher.socket.emit('resync', { channel: 'vitals' });
    await eventually(() => (watcher.got.snapshots.length > before ? true : undefined));
    expect(watcher.got.snapshots.at(-1)!.state.total.m15).toBe(60);
    // an unknown replay is said so, with no vitals at all
    const lost = screen({ token: gw.screenToken, replay: 'abcdefabcdef' });
    await eventually(() => (lost.got.errors.length > 0 ? true : undefined));
    expect(lost.got.errors[0]!.code).toBe(ErrorCodes.REPLAY_NOT_FOUND);
    expect(lost.got.snapshots).toEqual([]);
    await api(`/api/v1/replays/${id}`, officer, 'DELETE');
  });

  it('replays the themes too: the replay screen gets the figures by theme from its own themes group', async () => {
    const pack = loadCityPack();
    const district = pack.districts[0]!.id;
    const at = T + 3 * MIN;
    await gw.bus.publish(
      Topics.events,
      Array.from({ length: 20 }, (_, i) => ({
        key: `gauge-${i % 4}`,
        value: JSON.stringify({
          v: 1,
          id: `wl-${i}`,
          source: 'sim.sensors',
          type: 'sensor.reading',
          eventTime: new Date(at + i * 1_000).toISOString(),
          location: { lon: 121.4, lat: 31.2, districtId: district },
          category: { code: 'water' },
          payload: { sensorId: `gauge-${i % 4}`, kind: 'water_level', value: 10 + i, unit: 'cm' },
        }),
      })),
    );
    const id = await start({ from: at, to: at + 30_000, speed: 'max' });
    expect(gw.gateway.replays.get(id).groups).toEqual([
      gw.gateway.replays.get(id).group,
      `${gw.gateway.replays.get(id).group}.themes`,
    ]);
    const watcher = screen({ token: gw.screenToken, replay: id });
    const themes = await eventually(() => watcher.got.vitals?.themes);
    // the last reading of each of the 4 gauges: 26..29 cm, the highest 29
    expect(themes.city.values['water.maxLevelCm']).toBe(29);
    await api(`/api/v1/replays/${id}`, officer, 'DELETE');
  });
});
