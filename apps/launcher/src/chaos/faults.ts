import { setTimeout as sleep } from 'node:timers/promises';
import { between, type Fault, type RunContext } from './harness.js';

/** The replay's wall duration: fault points are placed as fractions of it. */
const D = (ctx: RunContext) => ctx.suite.replayMs;

/** No fault: the control run. If it fails, the harness is wrong, not the system. */
export const none: Fault = {
  id: 'none',
  title: 'no fault (control)',
  inject: async () => undefined,
};

/**
 * a. kill -9 of the aggregator `kills` times, each after a seeded 1..`maxLifeMs` of the new
 * process's life (some during its group join, some while it applies), restarted right away.
 * Kills go on after the replay ends, while the aggregator works through its backlog.
 */
export function aggregatorKills(kills: number, maxLifeMs: number): Fault {
  return {
    id: 'a',
    title: `kill -9 aggregator x${kills}`,
    inject: async (ctx) => {
      for (let i = 0; i < kills; i++) {
        await sleep(between(ctx.rand, 1_000, maxLifeMs));
        await ctx.aggregator.kill9AndRestart();
      }
      ctx.note(`aggregator killed ${kills} times`);
    },
  };
}

/**
 * b. kill -9 of the gateway during HTTP intake, `kills` times: at a seeded point the suite waits
 * for the producer's next POST and kills the gateway a seeded fraction of the last request's
 * duration into it, so the kill lands inside a request (reading, claiming, publishing or
 * confirming); the gateway is restarted on the same port and the replay retries.
 */
export function gatewayKills(kills: number): Fault {
  return {
    id: 'b',
    title: `kill -9 gateway x${kills}`,
    inject: async (ctx) => {
      const at: string[] = [];
      for (let i = 0; i < kills; i++) {
        await ctx.at(D(ctx) * between(ctx.rand, (0.1 + 0.8 * i) / kills, (0.1 + 0.8 * (i + 1)) / kills));
        const typical = ctx.lastRequestMs();
        await ctx.nextPost();
        await sleep(between(ctx.rand, 0, typical));
        at.push((ctx.elapsed() / 1000).toFixed(1));
        await ctx.gateway.kill9();
        await sleep(500);
        await ctx.gateway.start();
      }
      ctx.note(`gateway killed during a POST at ${at.join(', ')} s`);
    },
  };
}

/**
 * c. kill -9 of the producer at a seeded point while a POST is in flight, then the same scenario
 * replayed from the start 1 s later (rushing through what was sent, as a re-run at full speed
 * would); dedupe must make every event count once.
 */
export const producerKill: Fault = {
  id: 'c',
  title: 'kill -9 producer, re-run',
  inject: async (ctx) => {
    const p = D(ctx) * between(ctx.rand, 0.2, 0.8);
    await ctx.at(p);
    await ctx.nextPost();
    await ctx.producer()?.kill9();
    const killedAt = ctx.elapsed();
    await sleep(1_000);
    await ctx.startProducer(killedAt);
    ctx.note(`producer killed at ${(p / 1000).toFixed(1)} s and re-run 1 s later`);
  },
};

/** d. the broker stopped by its pid and started again on the same ports and data. */
export const brokerRestart: Fault = {
  id: 'd',
  title: 'broker restart',
  inject: async (ctx) => {
    await ctx.at(D(ctx) * between(ctx.rand, 0.3, 0.6));
    const t = Date.now();
    await ctx.suite.kafka.restart(2_000);
    ctx.note(`broker down for ${((Date.now() - t) / 1000).toFixed(1)} s`);
  },
};

/** e. kill -9 of the (private, AOF fsync always) Redis and a restart on the same port and directory. */
export const redisRestart: Fault = {
  id: 'e',
  title: 'redis kill -9 + restart (AOF)',
  inject: async (ctx) => {
    await ctx.at(D(ctx) * between(ctx.rand, 0.3, 0.6));
    const t = Date.now();
    await ctx.suite.redis.killAndRestart(1_000);
    ctx.note(`redis down for ${((Date.now() - t) / 1000).toFixed(1)} s`);
  },
};

/**
 * f. FLUSHALL on the private Redis mid-replay, then the aggregator restarted (kill -9, start) in
 * the same group: everything counted before the flush must be rebuilt from Kafka.
 */
export const redisFlush: Fault = {
  id: 'f',
  title: 'redis FLUSHALL + aggregator restart',
  inject: async (ctx) => {
    const p = D(ctx) * between(ctx.rand, 0.4, 0.6);
    await ctx.at(p);
    ctx.suite.redis.flushAll();
    await sleep(1_000);
    await ctx.aggregator.kill9AndRestart();
    ctx.note(`FLUSHALL at ${(p / 1000).toFixed(1)} s`);
  },
};

/** g. a second aggregator in the same group joins and leaves twice: once with SIGTERM, once by kill -9. */
export const secondAggregator: Fault = {
  id: 'g',
  title: '2nd aggregator joins/leaves x2',
  inject: async (ctx) => {
    const d = D(ctx);
    const second = ctx.newAggregator('aggregator-2');
    await ctx.at(d * between(ctx.rand, 0.05, 0.2));
    await second.start();
    await ctx.at(d * between(ctx.rand, 0.35, 0.45));
    await second.retire();
    await ctx.at(d * between(ctx.rand, 0.55, 0.65));
    await second.start();
    await ctx.at(d * between(ctx.rand, 0.8, 0.9));
    await second.retire(true);
    ctx.note('second member joined twice; left with SIGTERM, then by kill -9');
  },
};

export interface FaultOptions {
  aggregatorKills: number;
  aggregatorMaxLifeMs: number;
  gatewayKills: number;
}

/** Every fault of the suite by id, in table order. */
export function allFaults(o: FaultOptions): Fault[] {
  return [
    none,
    aggregatorKills(o.aggregatorKills, o.aggregatorMaxLifeMs),
    gatewayKills(o.gatewayKills),
    producerKill,
    brokerRestart,
    redisRestart,
    redisFlush,
    secondAggregator,
  ];
}
