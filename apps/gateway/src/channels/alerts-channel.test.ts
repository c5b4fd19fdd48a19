import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '@cityops/bus';
import { loadCityPack } from '@cityops/city';
import {
  applyMergePatch,
  Topics,
  type AlertsChannelState,
  type Delta,
  type Json,
  type Snapshot,
} from '@cityops/schema';
import { blockageAlert } from '../test/alert-fixture.js';
import { AlertsChannel } from './alerts-channel.js';

const pack = loadCityPack();

class Recorder {
  readonly messages: Array<{ event: string; payload: unknown }> = [];
  emit(event: string, payload: unknown) {
    this.messages.push({ event, payload });
  }
  /** the state a screen rebuilds from the snapshot and every delta, checking seq on the way */
  screenState(): AlertsChannelState {
    const [first, ...rest] = this.messages;
    expect(first?.event).toBe('snapshot');
    const snap = first!.payload as Snapshot<AlertsChannelState>;
    let { state, seq } = snap;
    for (const m of rest) {
      const d = m.payload as Delta;
      expect(m.event).toBe('delta');
      expect(d.seq).toBe(seq + 1);
      seq = d.seq;
      state = applyMergePatch(state as unknown as Json, d.patch as Json) as unknown as AlertsChannelState;
    }
    return state;
  }
}

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

async function busWithTopics(): Promise<EmbeddedBus> {
  const bus = new EmbeddedBus();
  await bus.ensureTopics([
    { topic: Topics.alerts, partitions: 4 },
    { topic: Topics.dlq, partitions: 1 },
  ]);
  opened.push(() => bus.close());
  return bus;
}

function channelOn(bus: EmbeddedBus, rec: Recorder, options: ConstructorParameters<typeof AlertsChannel>[3] = {}) {
  const ch = new AlertsChannel(bus, pack, rec, { intervalMs: 20, checkEveryMs: 20, ...options });
  opened.push(() => ch.stop());
  return ch;
}

const record = (value: unknown) => ({
  key: (value as { alertId?: string }).alertId ?? null,
  value: typeof value === 'string' ? value : JSON.stringify(value),
});

describe('AlertsChannel', () => {
  it('rebuilds from the topic on start (rebuilding until the end), then follows it live', async () => {
    const bus = await busWithTopics();
    await bus.publish(Topics.alerts, [record(blockageAlert(pack, { alertId: 'before' }))]);
    const rec = new Recorder();
    const ch = channelOn(bus, rec);
    await ch.start();
    expect((rec.messages[0]!.payload as Snapshot<AlertsChannelState>).state.rebuilding).toBe(true);
    await ch.rebuilt;
    await until(() => ch.stats.currentAt !== null, 'currentAt');
    await bus.publish(Topics.alerts, [record(blockageAlert(pack, { alertId: 'live', severity: 'minor' }))]);
    await until(() => rec.screenState().alerts.live !== undefined, 'the live alert on screen');
    const state = rec.screenState();
    expect(Object.keys(state.alerts).sort()).toEqual(['before', 'live']);
    expect(state).toMatchObject({ rebuilding: false, open: 2, notShown: 0 });
    expect(state.openBySeverity).toMatchObject({ critical: 1, minor: 1 });
    expect(state.currentAt).not.toBeNull();
    expect(state.error).toBeUndefined();
    // the screen's copy is exactly the channel's
    expect(state).toEqual(ch.snapshot()!.state);
  });

  it('re-reads only back to the rebuild horizon (by append time)', async () => {
    const bus = await busWithTopics();
    await bus.publish(Topics.alerts, [record(blockageAlert(pack, { alertId: 'too-old' }))]);
    await new Promise((r) => setTimeout(r, 30));
    const cut = Date.now();
    await bus.publish(Topics.alerts, [record(blockageAlert(pack, { alertId: 'recent' }))]);
    const rec = new Recorder();
    const ch = channelOn(bus, rec, { rebuildHorizonMs: 3_600_000, now: () => cut + 3_600_000 });
    await ch.start();
    await ch.rebuilt;
    ch.publish();
    expect(Object.keys(rec.screenState().alerts)).toEqual(['recent']);
  });

  it('a bad record read live is counted and dead-lettered with its reason, once per record id', async () => {
    const bus = await busWithTopics();
    const rec = new Recorder();
    const ch = channelOn(bus, rec);
    await ch.start();
    await ch.rebuilt;
    await bus.publish(Topics.alerts, [
      { key: 'x', value: '{"v":1,"alertId":' },
      record({ ...blockageAlert(pack), type: 'alien_landing' }),
      record(blockageAlert(pack, { alertId: 'good' })),
    ]);
    await until(() => ch.stats.deadLettered === 2, 'two dead letters');
    const letters: Array<{ value: string; headers?: Record<string, string> }> = [];
    const tail = await bus.replay({
      topic: Topics.dlq,
      eachBatch: async (b) => {
        letters.push(...b.records);
      },
    });
    await tail.done;
    await tail.stop();
    const parsed = letters.map((l) => JSON.parse(l.value) as { code: string; reason: string; source: string });
    expect(parsed.map((l) => l.code)).toEqual(['E_EVT_NOT_JSON', 'E_EVT_SCHEMA']);
    expect(parsed[1]!.reason).toContain('type');
    expect(parsed.every((l) => l.source === 'gateway:city.alerts.v1')).toBe(true);
    expect(new Set(letters.map((l) => l.headers?.['cityops-id'])).size).toBe(2);
    await until(() => rec.screenState().alerts.good !== undefined, 'the good alert');
    expect(rec.screenState().rejected).toEqual({ E_EVT_NOT_JSON: 1, E_EVT_SCHEMA: 1 });
  });

  it('says what went wrong when the topic cannot be read, and is never current then', async () => {
    const bus = await busWithTopics();
    const broken = Object.assign(Object.create(bus) as EmbeddedBus, {
      offsetsForTime: () => Promise.reject(new Error('broker down')),
    });
    const rec = new Recorder();
    const ch = new AlertsChannel(broken, pack, rec, { intervalMs: 20 });
    opened.push(() => ch.stop());
    await ch.start();
    await until(() => rec.screenState().error !== undefined, 'the error on screen');
    expect(rec.screenState()).toMatchObject({ rebuilding: true, currentAt: null });
    expect(rec.screenState().error).toContain('broker down');
  });
});
