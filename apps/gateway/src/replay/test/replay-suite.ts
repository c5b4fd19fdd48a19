import { isDeepStrictEqual } from 'node:util';
import { aggregatorStage } from '@cityops/aggregator';
import type { Bus, BusRecord } from '@cityops/bus';
import { ErrorCodes, isCityopsError } from '@cityops/schema';
import type { Store } from '@cityops/store';
import { RECORD_ID_HEADER, StreamRunner, type Stage } from '@cityops/stream';
import { eventually, uniqueName } from '@cityops/testkit';
import { BUCKET_MS, bucketOf } from '@cityops/vitals';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emitter } from '../../vitals-channel.js';
import { Replays, type ReplaySettings } from '../replays.js';

/** the `cityops-id` header of every record on a topic (one partition), read without a group */
async function headersOf(bus: Bus, topic: string): Promise<string[]> {
  const ids: string[] = [];
  const sub = await bus.replay({
    topic,
    eachBatch: async (b) => {
      for (const r of b.records) ids.push(r.headers?.[RECORD_ID_HEADER] ?? '(none)');
    },
  });
  await sub.done;
  await sub.stop();
  return ids;
}

export interface ReplayFixture {
  bus: Bus;
  store: Store;
  /** true when no key of `group` is left in the store (Redis: by SCAN; memory: by reads) */
  namespaceGone(group: string): Promise<boolean>;
  close(): Promise<void>;
}

const MIN = 60_000;
// every event of a test is appended now; their event times lie within the last hour, so a
// lateness of an hour lets every one count (live and replayed) and the reading covers them all
const LATENESS_MS = 3_600_000;

/**
 * One suite for both backends (embedded bus + memory store, Kafka + Redis): a replay of a known
 * period equals what the live stage counted for it, without touching the live group; a seek
 * restarts the namespace; an idle replay expires and leaves no key; the bounds hold.
 */
export function replaySuite(name: string, open: () => Promise<ReplayFixture>, timeoutMs = 30_000): void {
  describe(`replays on ${name}`, () => {
    let fx: ReplayFixture;
    let topic: string;
    let dlq: string;
    let live: StreamRunner;
    let liveGroup: string;
    let now: number;
    let replays: Replays;
    const emitted: Array<[string, string, unknown]> = [];
    // one period [B, B + 10 min) with events before, inside and after it, all appended now
    const B = bucketOf(Date.now() - 40 * MIN);
    const FROM = B;
    const TO = B + 10 * MIN;

    const stageOf = (group: string): Stage => {
      const s = aggregatorStage(group, LATENESS_MS, topic);
      // the test's own dead-letter topic, so that what a replay might publish is seen here alone
      return {
        ...s,
        fold: (input) => {
          const out = s.fold(input);
          return { ...out, outgoing: (out.outgoing ?? []).map((r) => ({ ...r, topic: dlq })) };
        },
      };
    };
    const settings: ReplaySettings = { maxConcurrent: 2, idleTimeoutMs: 60_000, maxPeriodMs: 24 * 60 * MIN };
    const watching = new Map<string, number>();
    const makeReplays = (over: Partial<ReplaySettings> = {}) =>
      new Replays({
        bus: fx.bus,
        store: fx.store,
        topic,
        // the vital-signs stage and a second stage in a group of its own (as the themes stage runs)
        stagesOf: (group) => [stageOf(group), stageOf(`${group}.second`)],
        allowedLatenessMs: LATENESS_MS,
        settings: { ...settings, ...over },
        emitterFor: (id): Emitter => ({ emit: (event, payload) => emitted.push([id, event, payload]) }),
        watchers: (id) => watching.get(id) ?? 0,
        intervalMs: 50,
        groupPrefix: uniqueName('cityops.replay'),
        now: () => now,
      });

    const event = (i: number, t: number, district: string): BusRecord => ({
      key: `grid-${i % 11}`,
      value: JSON.stringify({
        v: 1,
        id: `e-${i}`,
        source: 'sim.sensors',
        type: i % 3 === 0 ? 'hotline.ticket' : 'sensor.reading',
        eventTime: new Date(t).toISOString(),
        location: { lon: 121.4, lat: 31.2, districtId: district, streetId: `${district}-s${i % 4}` },
      }),
    });
    /** 20 min of events from B − 5 min, one every 3 s, in event-time order per key, and one record that is not an event */
    const publishHistory = async () => {
      const records: BusRecord[] = [];
      for (let i = 0; i < 400; i++) records.push(event(i, B - 5 * MIN + i * 3_000, i % 2 ? 'd-east' : 'd-west'));
      records.splice(150, 0, { key: 'grid-1', value: 'not an event' });
      await fx.bus.publish(topic, records);
      return records.length;
    };
    const buckets = async (group: string, from = FROM, to = TO - BUCKET_MS) =>
      Object.fromEntries((await fx.store.readVitals(group, from, to)).buckets);
    const progressOf = async (group: string) => fx.store.readProgress(group);
    const liveCaughtUp = async (n: number) => {
      await eventually(
        async () => {
          const p = await progressOf(liveGroup);
          const sum = Object.values(p).reduce((a, x) => a + x.nextOffset, 0);
          return sum >= n ? true : undefined;
        },
        timeoutMs,
        'the live stage to read the history',
      );
    };

    beforeEach(async () => {
      fx = await open();
      now = Date.now();
      topic = uniqueName('replay-events');
      dlq = uniqueName('replay-dlq');
      liveGroup = uniqueName('live');
      await fx.bus.ensureTopics([
        { topic, partitions: 3 },
        { topic: dlq, partitions: 1 },
      ]);
      live = new StreamRunner({ bus: fx.bus, store: fx.store, stage: stageOf(liveGroup) });
      await live.start();
      replays = makeReplays();
      emitted.length = 0;
      watching.clear();
    }, timeoutMs);
    afterEach(async () => {
      await replays.close();
      await live.stop();
      await fx.close();
    }, timeoutMs);

    it(
      'a replay at max speed counts the period exactly as the live stage did, and leaves the live group untouched',
      async () => {
        const n = await publishHistory();
        await liveCaughtUp(n);
        await live.flushOutbox();
        const liveBuckets = await buckets(liveGroup);
        const liveAll = await buckets(liveGroup, 0, Number.MAX_SAFE_INTEGER);
        const liveProgress = await progressOf(liveGroup);
        const liveCommitted = await fx.bus.committedOffsets(liveGroup, topic);
        expect(Object.keys(liveBuckets).length).toBe(60); // 10 min of 10 s buckets, each with events

        const run = await replays.create({ from: FROM, to: TO, speed: Infinity });
        expect(run.group).not.toBe(liveGroup);
        const status = await eventually(
          async () => {
            const s = await run.status();
            return s.phase === 'done' ? s : undefined;
          },
          timeoutMs,
          'the replay to finish',
        );
        expect(status.records).toEqual({ done: n, total: n });
        expect(status.progress).toBe(1);
        expect(status.position).toBe(new Date(TO - 3_000).toISOString()); // the last event of the period
        expect(status.outsidePeriod).toBe(200); // 100 before, 100 after the period
        // the period's counters, bucket by bucket, are the live ones; nothing outside it was counted
        expect(await buckets(run.group)).toEqual(liveBuckets);
        expect(Object.keys(await buckets(run.group, 0, Number.MAX_SAFE_INTEGER))).toEqual(Object.keys(liveBuckets));
        const read = await fx.store.readVitals(run.group, FROM, TO);
        expect(read.dropped).toEqual({ [ErrorCodes.EVT_SCHEMA]: 1 });
        expect(read.rebuilding).toBe(false);
        // its vitals channel sent a snapshot of its own group to its room
        await eventually(() => (emitted.some(([id, ev]) => id === run.id && ev === 'snapshot') ? true : undefined));

        // the live group: same counters, same progress, same committed offsets, no second dead letter
        expect(await buckets(liveGroup, 0, Number.MAX_SAFE_INTEGER)).toEqual(liveAll);
        expect(await progressOf(liveGroup)).toEqual(liveProgress);
        expect(await fx.bus.committedOffsets(liveGroup, topic)).toEqual(liveCommitted);
        // what is on the dead-letter topic came from the live stage only (its relay may publish a
        // letter twice, with the same id: at least once, R4); the replay published nothing
        const ids = await headersOf(fx.bus, dlq);
        expect(ids.length).toBeGreaterThanOrEqual(1);
        expect(new Set(ids.map((id) => id.slice(0, id.indexOf('/'))))).toEqual(new Set([liveGroup]));
        // and the replay's group committed nothing on the bus
        expect(await fx.bus.committedOffsets(run.group, topic)).toEqual({});
      },
      timeoutMs * 2,
    );

    it(
      'a paced replay lets event time advance at its speed; a seek restarts the namespace from the new time',
      async () => {
        const n = await publishHistory();
        await liveCaughtUp(n);
        const liveBuckets = await buckets(liveGroup);
        const run = await replays.create({ from: FROM, to: TO, speed: Infinity });
        await eventually(async () => ((await run.status()).phase === 'done' ? true : undefined), timeoutMs);
        expect(Object.keys(await buckets(run.group)).length).toBe(60);

        // back to B + 4 min at 10x: the old counters go, the 4 min before fill at once, then paced
        const at = B + 4 * MIN;
        const speed = 10;
        const asked = performance.now();
        await replays.seek(run.id, at, speed);
        const before = Object.fromEntries(Object.entries(liveBuckets).filter(([b]) => Number(b) < at));
        await eventually(
          async () => {
            const got = await buckets(run.group, FROM, at - BUCKET_MS);
            // field order within a bucket differs between stores and batchings: compared as values
            return isDeepStrictEqual(got, before) ? true : undefined;
          },
          timeoutMs,
          'the minutes before the seek to be read',
        );
        const s = await run.status();
        const latest = Math.max(...Object.keys(await buckets(run.group, FROM, TO)).map(Number));
        // measured after both reads: whatever they saw went in before this
        const elapsed = performance.now() - asked;
        expect(s.seekedTo).toBe(new Date(at).toISOString());
        expect(s.speed).toBe(speed);
        expect(s.phase).toBe('running');
        // never ahead of its clock: event time moved at most speed × the wall time since the seek
        expect(latest).toBeLessThanOrEqual(at + elapsed * speed);
        expect(Date.parse(s.position!)).toBeLessThanOrEqual(at + elapsed * speed);
        // the seek is bounded by the period
        await expect(replays.seek(run.id, TO + 1)).rejects.toThrow(/outside the replay's period/);
      },
      timeoutMs * 2,
    );

    it(
      'an unwatched replay expires after the idle timeout and its namespace is deleted; a watched one stays',
      async () => {
        const n = await publishHistory();
        await liveCaughtUp(n);
        replays = makeReplays({ idleTimeoutMs: 10_000 });
        const a = await replays.create({ from: FROM, to: TO, speed: Infinity });
        const b = await replays.create({ from: FROM, to: TO, speed: Infinity });
        await eventually(async () => ((await a.status()).phase === 'done' ? true : undefined), timeoutMs);
        await eventually(async () => ((await b.status()).phase === 'done' ? true : undefined), timeoutMs);
        expect(a.groups).toEqual([a.group, `${a.group}.second`]);
        for (const g of a.groups) expect(await fx.namespaceGone(g)).toBe(false);
        watching.set(b.id, 1);
        now += 10_001;
        await replays.sweep();
        expect(replays.has(a.id)).toBe(false);
        expect(replays.expired).toBe(1);
        for (const g of a.groups) expect(await fx.namespaceGone(g)).toBe(true);
        expect(await progressOf(a.group)).toEqual({});
        // the watched one is kept, and its counters with it
        expect(replays.has(b.id)).toBe(true);
        expect(Object.keys(await buckets(b.group)).length).toBe(60);
        // DELETE ends it the same way
        await replays.delete(b.id);
        for (const g of b.groups) expect(await fx.namespaceGone(g)).toBe(true);
        const err = await Promise.resolve()
          .then(() => replays.get(b.id))
          .catch((e: unknown) => e);
        expect(isCityopsError(err, ErrorCodes.REPLAY_NOT_FOUND)).toBe(true);
      },
      timeoutMs * 2,
    );

    it('is bounded: at most maxConcurrent replays, periods in the past and not too long', async () => {
      const codeOf = (p: Promise<unknown>) =>
        p.then(
          () => 'created',
          (e: unknown) => (isCityopsError(e) ? e.code : e),
        );
      await replays.create({ from: FROM, to: TO, speed: Infinity });
      await replays.create({ from: FROM, to: TO, speed: 60 });
      expect(await codeOf(replays.create({ from: FROM, to: TO, speed: 60 }))).toBe(ErrorCodes.REPLAY_TOO_MANY);
      await replays.close();
      replays = makeReplays();
      expect(await codeOf(replays.create({ from: TO, to: FROM, speed: 60 }))).toBe(ErrorCodes.REPLAY_BAD_PERIOD);
      expect(await codeOf(replays.create({ from: now - MIN, to: now + MIN, speed: 60 }))).toBe(
        ErrorCodes.REPLAY_BAD_PERIOD,
      );
      expect(await codeOf(replays.create({ from: now - 25 * 60 * MIN, to: now, speed: 60 }))).toBe(
        ErrorCodes.REPLAY_BAD_PERIOD,
      );
      expect(replays.size).toBe(0);
    });
  });
}
