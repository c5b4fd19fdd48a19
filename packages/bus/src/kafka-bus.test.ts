import kafkajs, { type ConsumerCrashEvent } from 'kafkajs';
import type * as KafkajsNamespace from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
import type { BusLogger } from './logger.js';

type KafkajsModule = typeof KafkajsNamespace;

// kafkajs is CommonJS and spreads its error classes into its exports, which ESM cannot name
const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;
type KafkaJSProtocolError = InstanceType<typeof KafkaJSProtocolError>;
type KafkaJSNumberOfRetriesExceeded = InstanceType<typeof KafkaJSNumberOfRetriesExceeded>;

/**
 * KafkaBus against a faked kafkajs client (only `Kafka` is replaced; errors are kafkajs's own),
 * so that broker answers like "the coordinator is loading" can be injected at will.
 */
const fake = vi.hoisted(() => {
  type Listener = (event: { payload: unknown }) => void;
  const fn = () => vi.fn<(...args: unknown[]) => Promise<unknown>>(async () => undefined);
  const makeConsumer = () => {
    const listeners = new Map<string, Set<Listener>>();
    const consumer = {
      events: { FETCH: 'consumer.fetch', CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
      on: (name: string, listener: Listener) => {
        const set = listeners.get(name) ?? new Set<Listener>();
        set.add(listener);
        listeners.set(name, set);
        return () => set.delete(listener);
      },
      emit: (name: string, payload: unknown) => {
        for (const l of [...(listeners.get(name) ?? [])]) l({ payload });
      },
      connect: fn(),
      subscribe: fn(),
      run: fn(),
      disconnect: fn(),
      seek: vi.fn(),
      pause: vi.fn(),
      resume: vi.fn(),
    };
    return consumer;
  };
  const state = {
    producer: { connect: fn(), disconnect: fn(), sendBatch: fn() },
    admin: {
      connect: fn(),
      disconnect: fn(),
      listTopics: fn(),
      createTopics: fn(),
      fetchTopicMetadata: fn(),
      fetchOffsets: fn(),
      fetchTopicOffsets: fn(),
      fetchTopicOffsetsByTimestamp: fn(),
      describeCluster: fn(),
      deleteGroups: fn(),
    },
    consumers: [] as Array<ReturnType<typeof makeConsumer>>,
    /** what a new consumer's run() does */
    onRun: (_c: ReturnType<typeof makeConsumer>) => {},
    makeConsumer,
  };
  return state;
});

vi.mock('kafkajs', async (importOriginal) => {
  const real = await importOriginal<KafkajsModule & { default: KafkajsModule }>();
  class Kafka {
    producer() {
      return fake.producer;
    }
    admin() {
      return fake.admin;
    }
    consumer() {
      const c = fake.makeConsumer();
      c.run.mockImplementation(async () => void fake.onRun(c));
      fake.consumers.push(c);
      return c;
    }
  }
  return { ...real, Kafka, default: { ...real.default, Kafka } };
});

function protocolError(type: string, code: number, retriable: boolean, message: string): KafkaJSProtocolError {
  return new KafkaJSProtocolError(Object.assign(new Error(message), { type, code, retriable }));
}
/** as kafkajs's own bounded retrier throws it once its retries are spent */
function exhausted(cause: Error): KafkaJSNumberOfRetriesExceeded {
  return new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 3, retryTime: 1_000 });
}
const loading = () =>
  protocolError(
    'GROUP_LOAD_IN_PROGRESS',
    14,
    true,
    "The coordinator is loading and hence can't process requests for this group",
  );
const notCoordinator = () =>
  protocolError('NOT_COORDINATOR_FOR_GROUP', 16, true, 'This is not the correct coordinator for this group');
const noLeader = () => protocolError('LEADER_NOT_AVAILABLE', 5, true, 'There is no leader for this topic-partition');

const warnings: string[] = [];
const logger: BusLogger = { warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) };
const options: KafkaBusOptions = {
  brokers: ['fake:9092'],
  logger,
  transientRetryMs: 2_000,
  retryBackoffMs: 10,
};

afterEach(() => {
  vi.resetAllMocks();
  warnings.length = 0;
  fake.consumers.length = 0;
  fake.onRun = () => {};
});

/** fails `times` times with `error()`, then resolves with `value` */
function failing<T>(times: number, error: () => Error, value: T) {
  let calls = 0;
  return async () => {
    if (calls++ < times) throw error();
    return value;
  };
}

describe('KafkaBus with transient broker errors', () => {
  it('connect retries the coordinator loading and not-the-coordinator answers, then connects', async () => {
    fake.producer.connect.mockImplementation(failing(2, () => exhausted(loading()), undefined));
    fake.admin.connect.mockImplementation(failing(1, notCoordinator, undefined));
    const bus = await KafkaBus.connect(options);
    expect(fake.producer.connect).toHaveBeenCalledTimes(3);
    expect(fake.admin.connect).toHaveBeenCalledTimes(2);
    expect(warnings.some((w) => w.includes('The coordinator is loading'))).toBe(true);
    await bus.close();
  });

  it('committedOffsets, endOffsets, startOffsets and offsetsForTime retry transient errors and then answer', async () => {
    fake.admin.fetchOffsets.mockImplementation(
      failing(2, () => exhausted(loading()), [{ topic: 't', partitions: [{ partition: 0, offset: '7' }] }]),
    );
    fake.admin.fetchTopicOffsets.mockImplementation(
      failing(2, () => exhausted(noLeader()), [{ partition: 0, offset: '9', high: '9', low: '3' }]),
    );
    fake.admin.fetchTopicOffsetsByTimestamp.mockImplementation(
      failing(1, () => exhausted(notCoordinator()), [{ partition: 0, offset: '5' }]),
    );
    const bus = new KafkaBus(options);
    expect(await bus.committedOffsets('g', 't')).toEqual({ 0: 7 });
    expect(fake.admin.fetchOffsets).toHaveBeenCalledTimes(3);
    expect(await bus.endOffsets('t')).toEqual({ 0: 9 });
    expect(await bus.startOffsets('t')).toEqual({ 0: 3 });
    expect(await bus.offsetsForTime('t', 1_000)).toEqual({ 0: 5 });
    expect(fake.admin.fetchTopicOffsetsByTimestamp).toHaveBeenCalledWith('t', 1_000);
    await bus.close();
  });

  it('ensureTopics retries a transient error', async () => {
    fake.admin.listTopics.mockImplementation(failing(1, () => exhausted(noLeader()), ['t']));
    fake.admin.fetchTopicMetadata.mockResolvedValue({ topics: [{ name: 't', partitions: [{ leader: 1 }] }] });
    const bus = new KafkaBus(options);
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    expect(fake.admin.listTopics).toHaveBeenCalledTimes(2);
    await bus.close();
  });

  it('subscribe waits through a retriable consumer crash while joining (kafkajs restarts it) instead of failing', async () => {
    fake.consumers.length = 0;
    fake.onRun = (c) => {
      // as kafkajs does straight after a broker restart: the join fails, the consumer crashes
      // with restart: true, and a while later the restarted consumer fetches
      setTimeout(() => {
        const crash: ConsumerCrashEvent['payload'] = { error: exhausted(loading()), groupId: 'g', restart: true };
        c.emit(c.events.CRASH, crash);
      }, 5);
      setTimeout(() => c.emit(c.events.FETCH, { numberOfBatches: 0, duration: 1 }), 100);
    };
    const bus = new KafkaBus(options);
    const sub = await bus.subscribe({ groupId: 'g', topics: ['t'], eachBatch: async () => {} });
    expect(fake.consumers[0]!.disconnect).not.toHaveBeenCalled();
    await sub.stop();
    await bus.close();
  });

  it('subscribe retries a transient error from the consumer connect', async () => {
    fake.onRun = (c) => setTimeout(() => c.emit(c.events.FETCH, {}), 5);
    const bus = new KafkaBus(options);
    const made = fake.makeConsumer;
    let connects = 0;
    fake.makeConsumer = () => {
      const c = made();
      c.connect.mockImplementation(async () => {
        if (connects++ === 0) throw exhausted(notCoordinator());
      });
      return c;
    };
    try {
      const sub = await bus.subscribe({ groupId: 'g', topics: ['t'], eachBatch: async () => {} });
      expect(connects).toBe(2);
      await sub.stop();
    } finally {
      fake.makeConsumer = made;
      await bus.close();
    }
  });

  it('a retriable crash after start leaves the member to kafkajs to restart: the wrapper does not stop it', async () => {
    fake.onRun = (c) => setTimeout(() => c.emit(c.events.FETCH, {}), 5);
    const bus = new KafkaBus(options);
    const sub = await bus.subscribe({ groupId: 'g', topics: ['t'], eachBatch: async () => {} });
    const c = fake.consumers[0]!;
    c.emit(c.events.CRASH, { error: exhausted(notCoordinator()), groupId: 'g', restart: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(c.disconnect).not.toHaveBeenCalled();
    expect(warnings.some((w) => w.includes('restarts'))).toBe(true);
    await sub.stop();
    await bus.close();
  });
});

describe('KafkaBus with errors that do not pass by themselves', () => {
  it('fails at once with E_BUS_UNAVAILABLE on a non-retriable protocol error', async () => {
    fake.admin.fetchTopicOffsets.mockRejectedValue(
      protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false, 'Not authorized to access topics'),
    );
    const bus = new KafkaBus(options);
    const started = Date.now();
    await expect(bus.endOffsets('t')).rejects.toMatchObject({ code: 'E_BUS_UNAVAILABLE' });
    expect(fake.admin.fetchTopicOffsets).toHaveBeenCalledTimes(1);
    expect(Date.now() - started).toBeLessThan(500);
    await bus.close();
  });

  it('fails at once when no broker can be reached (a connection error is not retried for the budget)', async () => {
    fake.producer.connect.mockRejectedValue(exhausted(new KafkaJSConnectionError('connect ECONNREFUSED fake:9092')));
    const err = await KafkaBus.connect(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'E_BUS_UNAVAILABLE' });
    expect(String((err as Error).message)).toContain('fake:9092');
    expect(fake.producer.connect).toHaveBeenCalledTimes(1);
  });

  it('fails with E_BUS_UNAVAILABLE once the retry budget is spent on a transient error', async () => {
    fake.admin.fetchOffsets.mockRejectedValue(exhausted(loading()));
    const bus = new KafkaBus({ ...options, transientRetryMs: 300 });
    const started = Date.now();
    await expect(bus.committedOffsets('g', 't')).rejects.toMatchObject({ code: 'E_BUS_UNAVAILABLE' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(fake.admin.fetchOffsets.mock.calls.length).toBeGreaterThan(1);
    await bus.close();
  });

  it('subscribe fails with E_BUS_UNAVAILABLE on a consumer crash kafkajs will not restart', async () => {
    fake.onRun = (c) =>
      setTimeout(
        () =>
          c.emit(c.events.CRASH, {
            error: protocolError('GROUP_AUTHORIZATION_FAILED', 30, false, 'Not authorized to access group'),
            groupId: 'g',
            restart: false,
          }),
        5,
      );
    const bus = new KafkaBus(options);
    await expect(bus.subscribe({ groupId: 'g', topics: ['t'], eachBatch: async () => {} })).rejects.toMatchObject({
      code: 'E_BUS_UNAVAILABLE',
    });
    expect(fake.consumers[0]!.disconnect).toHaveBeenCalled();
    await bus.close();
  });
});
