import { afterEach, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { applyMergePatch, type Delta, type Json, type Snapshot, type SourcesChannelState } from '@cityops/schema';
import { startTestGateway, type TestGateway } from '../test/test-gateway.js';
import { sourceView } from './sources-channel.js';
import { SourceTypes } from './source-types.js';

const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};
const INGEST = 'ingest-key-freshness-0001';

describe('what the wall needs to tell a silent feed (decision 13)', () => {
  it("a row's learned silence threshold reaches the screen (a 1/s source is silent after 10 s, not 60 s)", () => {
    expect(sourceView({ name: 'a', silentAfterMs: 10_000 }, 60_000).silentAfterMs).toBe(10_000);
    // absent or out of bounds: the channel's default
    expect(sourceView({ name: 'a' }, 60_000).silentAfterMs).toBe(60_000);
    expect(sourceView({ name: 'a', silentAfterMs: 5 }, 60_000).silentAfterMs).toBe(60_000);
    expect(sourceView({ name: 'a', silentAfterMs: Number.NaN }, 60_000).silentAfterMs).toBe(60_000);
  });

  it('types are copied bounded and checked; bad names are dropped', () => {
    const v = sourceView({ name: 'a', types: ['sensor.reading', 'Bad Type', 'sensor.reading', 'x'.repeat(80)] }, 1);
    expect(v.types).toEqual(['sensor.reading']);
    expect(sourceView({ name: 'a', types: [] }, 1).types).toBeUndefined();
  });

  it('SourceTypes names door rows events/<source> and adapters by their boundary, bounded', () => {
    const t = new SourceTypes();
    const item = (source: unknown, type: unknown) => ({ ok: true, value: { source, type } }) as never;
    t.record([item('sim.sensors', 'sensor.reading'), item('sim.sensors', 'sensor.reading')], 'simulator');
    t.record([item('whatever', 'delivery.vehicle')], 'gps-adapter');
    t.record([item('../evil', 'sensor.reading'), item('ok', 'NOT A TYPE')], 'http');
    for (let i = 0; i < 20; i++) t.record([item('many', `type.${i}`)], 'http');
    expect(t.of('events/sim.sensors')).toEqual(['sensor.reading']);
    expect(t.of('gps-adapter')).toEqual(['delivery.vehicle']);
    expect(t.of('events/../evil')).toBeUndefined();
    expect(t.of('events/ok')).toBeUndefined();
    expect(t.of('events/many')).toHaveLength(8);
  });

  it('through the gateway: events at the door give their source row its types on the sources channel', async () => {
    const gw: TestGateway = await startTestGateway({
      DELTA_INTERVAL_MS: '50',
      INGEST_API_KEYS: `${INGEST}:fresh-sensors`,
    });
    open.push(() => gw.close());
    const event = {
      v: 1,
      id: `fresh-${Date.now()}`,
      source: 'fresh-sensors',
      type: 'sensor.reading',
      eventTime: new Date(Date.now() - 1000).toISOString(),
      location: { lon: 121.4737, lat: 31.2304 },
      category: { kind: 'part', code: 'P.01.10' },
      payload: { sensorId: 's1', kind: 'water_level', value: 0.4, unit: 'm' },
    };
    const post = await fetch(new URL('/api/v1/events', gw.url), {
      method: 'POST',
      headers: { 'x-api-key': INGEST, 'content-type': 'application/json' },
      body: JSON.stringify([event]),
    });
    expect(post.status).toBe(202);
    const socket: Socket = connect(`${gw.url}?token=${gw.screenToken}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    open.push(() => void socket.close());
    let state: SourcesChannelState | undefined;
    socket.on('connect', () => socket.emit('subscribe', { channels: ['sources'] }));
    socket.on('snapshot', (s: Snapshot<SourcesChannelState>) => {
      if (s.channel === 'sources') state = s.state;
    });
    socket.on('delta', (d: Delta) => {
      if (d.channel === 'sources' && state) state = applyMergePatch(state as unknown as Json, d.patch as Json) as never;
    });
    await until(() => state?.sources['events/fresh-sensors'] !== undefined, 'the door row');
    expect(state!.sources['events/fresh-sensors']!.types).toEqual(['sensor.reading']);
  });

  it("answers a screen's time ping with its clock, at most once a second", async () => {
    const gw = await startTestGateway({});
    open.push(() => gw.close());
    const socket: Socket = connect(`${gw.url}?token=${gw.screenToken}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    open.push(() => void socket.close());
    await until(() => socket.connected, 'connected');
    const ask = () =>
      new Promise<{ serverTime: string } | 'no answer'>((resolve) => {
        socket
          .timeout(500)
          .emit('time', (err: Error | null, reply: { serverTime: string }) => resolve(err ? 'no answer' : reply));
      });
    const t0 = Date.now();
    const first = await ask();
    const t1 = Date.now();
    expect(first).not.toBe('no answer');
    const s = Date.parse((first as { serverTime: string }).serverTime);
    expect(s).toBeGreaterThanOrEqual(t0 - 1);
    expect(s).toBeLessThanOrEqual(t1 + 1);
    // a second ask within the second is not answered (a screen cannot make the gateway spin)
    expect(await ask()).toBe('no answer');
  });
});
