import { afterEach, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { loadCityPack } from '@cityops/city';
import {
  applyMergePatch,
  Topics,
  type AlertsChannelState,
  type Delta,
  type Json,
  type Snapshot,
  type SourcesChannelState,
} from '@cityops/schema';
import { blockageAlert } from '../test/alert-fixture.js';
import { startTestGateway, type TestGateway } from '../test/test-gateway.js';
import type { SourceHealthInput } from './sources-channel.js';

const pack = loadCityPack();
const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

/** A screen that keeps one state per channel from snapshots and in-order deltas, and records gaps. */
class Screen {
  readonly socket: Socket;
  readonly states = new Map<string, { seq: number; state: unknown }>();
  readonly events: Array<{ event: string; channel: string }> = [];
  readonly errors: unknown[] = [];
  readonly gaps: string[] = [];
  constructor(url: string, subscribe?: string[]) {
    this.socket = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    open.push(() => void this.socket.close());
    if (subscribe) this.socket.on('connect', () => this.socket.emit('subscribe', { channels: subscribe }));
    this.socket.on('snapshot', (s: Snapshot) => {
      this.events.push({ event: 'snapshot', channel: s.channel });
      this.states.set(s.channel, { seq: s.seq, state: s.state });
    });
    this.socket.on('delta', (d: Delta) => {
      this.events.push({ event: 'delta', channel: d.channel });
      const held = this.states.get(d.channel);
      if (!held) return;
      if (d.seq !== held.seq + 1) this.gaps.push(`${d.channel}: expected ${held.seq + 1}, got ${d.seq}`);
      this.states.set(d.channel, { seq: d.seq, state: applyMergePatch(held.state as Json, d.patch as Json) });
    });
    this.socket.on('error-message', (m: unknown) => this.errors.push(m));
  }
  state<T>(channel: string): T | undefined {
    return this.states.get(channel)?.state as T | undefined;
  }
}

/** the gateway's URL with its screen token, as the launcher prints it for a wall */
const wall = (gw: TestGateway) => `${gw.url}?token=${gw.screenToken}`;

async function gateway(extra: Parameters<typeof startTestGateway>[1] = {}): Promise<TestGateway> {
  const gw = await startTestGateway({ DELTA_INTERVAL_MS: '50' }, extra);
  open.push(() => gw.close());
  return gw;
}

describe('socket.io channels', () => {
  it('an alert published on city.alerts.v1 reaches a subscribed screen on the alerts channel, in seq order', async () => {
    const gw = await gateway();
    const screen = new Screen(wall(gw), ['alerts']);
    await until(() => screen.state('alerts') !== undefined, 'the alerts snapshot');
    const alert = blockageAlert(pack);
    await gw.bus.publish(Topics.alerts, [{ key: alert.alertId, value: JSON.stringify(alert) }]);
    await until(() => screen.state<AlertsChannelState>('alerts')?.alerts[alert.alertId] !== undefined, 'the alert');
    await gw.bus.publish(Topics.alerts, [
      { key: alert.alertId, value: JSON.stringify(blockageAlert(pack, { seq: 2, state: 'cleared' })) },
    ]);
    await until(
      () => screen.state<AlertsChannelState>('alerts')?.alerts[alert.alertId]?.state === 'cleared',
      'the clear',
    );
    expect(screen.gaps).toEqual([]);
    expect(screen.state('alerts')).toEqual(gw.gateway.alerts.snapshot()!.state);
    const shown = screen.state<AlertsChannelState>('alerts')!.alerts[alert.alertId]!;
    expect(shown).toMatchObject({ type: 'road_blockage', district: { zh: '普陀区' } });
    // read-only wall: what a screen gets carries no evidence ids
    expect(JSON.stringify(shown)).not.toContain('ev-1');
  });

  it('a screen that does not subscribe gets the vitals channel only, as before', async () => {
    const gw = await gateway();
    const alert = blockageAlert(pack);
    const legacy = new Screen(wall(gw));
    const subscribed = new Screen(wall(gw), ['alerts']);
    await until(() => legacy.state('vitals') !== undefined && subscribed.state('alerts') !== undefined, 'snapshots');
    await gw.bus.publish(Topics.alerts, [{ key: alert.alertId, value: JSON.stringify(alert) }]);
    await until(() => subscribed.events.some((e) => e.event === 'delta' && e.channel === 'alerts'), 'an alerts delta');
    await new Promise((r) => setTimeout(r, 200));
    expect(new Set(legacy.events.map((e) => e.channel))).toEqual(new Set(['vitals']));
  });

  it('answers resync per channel and refuses a bad subscribe with a code', async () => {
    const gw = await gateway();
    const screen = new Screen(wall(gw), ['alerts', 'sources']);
    await until(() => screen.state('sources') !== undefined && screen.state('alerts') !== undefined, 'snapshots');
    const before = screen.events.filter((e) => e.event === 'snapshot' && e.channel === 'alerts').length;
    screen.socket.emit('resync', { channel: 'alerts' });
    await until(
      () => screen.events.filter((e) => e.event === 'snapshot' && e.channel === 'alerts').length === before + 1,
      'the alerts snapshot again',
    );
    screen.socket.emit('subscribe', { channels: ['secrets'] });
    screen.socket.emit('resync', { channel: 'dead-letters' });
    await until(() => screen.errors.length === 2, 'two refusals');
    expect(screen.errors).toEqual([
      expect.objectContaining({ code: 'E_HTTP_BAD_REQUEST' }),
      expect.objectContaining({ code: 'E_HTTP_BAD_REQUEST' }),
    ]);
  });

  it('sources: health figures from the provider, never error texts; a gateway without adapters lists its own door only', async () => {
    let rows: SourceHealthInput[] = [
      {
        name: 'mqtt-sensors',
        source: 'mqtt',
        eventsPerSecond: 12.3456,
        lastEventAt: '2026-11-22T08:00:00.000Z',
        accepted: 1000,
        rejected: 10,
        deadLettered: 10,
        lastError: { code: 'E_EVT_SCHEMA', reason: 'password=hunter2 in mqtt://u:hunter2@host' } as never,
        connection: 'connected',
        unmapped: { X1: 3 },
      } as SourceHealthInput,
    ];
    const gw = await gateway({ sourceHealth: () => rows });
    const screen = new Screen(wall(gw), ['sources']);
    await until(() => screen.state('sources') !== undefined, 'the sources snapshot');
    const state = screen.state<SourcesChannelState>('sources')!;
    expect(state.available).toBe(true);
    expect(state.sources['mqtt-sensors']).toEqual({
      source: 'mqtt',
      connection: 'connected',
      ratePerSec: 12.35,
      lastEventAt: '2026-11-22T08:00:00.000Z',
      accepted: 1000,
      rejected: 10,
      deadLettered: 10,
      lastErrorCode: 'E_EVT_SCHEMA',
      silentAfterMs: 60_000,
    });
    expect(JSON.stringify(state)).not.toContain('hunter2');
    rows = [{ ...rows[0]!, lastError: null, eventsPerSecond: 0 }];
    await until(
      () => screen.state<SourcesChannelState>('sources')!.sources['mqtt-sensors']!.ratePerSec === 0,
      'rate 0',
    );
    // the code went away: absent, not left over from before
    expect(screen.state<SourcesChannelState>('sources')!.sources['mqtt-sensors']!.lastErrorCode).toBeUndefined();

    const bare = await gateway();
    const s2 = new Screen(wall(bare), ['sources']);
    await until(() => s2.state('sources') !== undefined, 'the sources snapshot');
    // the canonical door always reports: before any event it has no rows, and no made-up zeros
    await until(() => s2.state<SourcesChannelState>('sources')!.readAt !== null, 'the door read once');
    expect(s2.state<SourcesChannelState>('sources')).toMatchObject({ available: true, sources: {} });
  });
});
