import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { repoRoot } from '@cityops/testkit';
import { Proc } from './procs.js';

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The chaos suite's own redis-server (never the shared one on 6379): append-only file with
 * fsync on every write, in its own directory, so a kill -9 and restart keeps every acknowledged
 * write, and FLUSHALL or a restart disturbs no other test.
 */
export class PrivateRedis {
  private proc: Proc | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  static async start(dir: string): Promise<PrivateRedis> {
    mkdirSync(dir, { recursive: true });
    const redis = new PrivateRedis(await freePort(), dir);
    await redis.launch();
    return redis;
  }

  private async launch(): Promise<void> {
    const { proc } = await Proc.start({
      name: `redis:${this.port}`,
      command: 'redis-server',
      args: [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--dir',
        this.dir,
        '--daemonize',
        'no',
      ],
      logFile: join(this.dir, 'redis.log'),
      ready: /Ready to accept connections/,
      readyTimeoutMs: 30_000,
    });
    this.proc = proc;
  }

  /** kill -9 the server, then start it again on the same port and directory (it reloads its AOF) */
  async killAndRestart(downMs = 1_000): Promise<void> {
    await this.proc?.kill9();
    await sleep(downMs);
    await this.launch();
  }

  /** FLUSHALL: the store loses everything, as after losing a Redis without persistence */
  flushAll(): void {
    const r = spawnSync('redis-cli', ['-p', String(this.port), 'FLUSHALL'], { encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout.includes('OK')) throw new Error(`FLUSHALL failed: ${r.stdout}${r.stderr}`);
  }

  async stop(): Promise<void> {
    await this.proc?.kill9();
  }
}

/**
 * The chaos suite's own single-node Kafka 3.9 (KRaft), run from the jars `infra/up.sh` resolved
 * (`.infra/kafka.classpath`), with its data under the suite's directory: restarting it for the
 * broker fault disturbs no other test, and its topics hold only the suite's events.
 */
export class PrivateKafka {
  private proc: Proc | undefined;

  private constructor(
    readonly port: number,
    readonly controllerPort: number,
    readonly dir: string,
    private readonly classpath: string,
  ) {}

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  static async start(dir: string): Promise<PrivateKafka> {
    const cpFile = join(repoRoot, '.infra', 'kafka.classpath');
    if (!existsSync(cpFile))
      throw new Error(`${cpFile} is missing: run \`npm run infra:up\` once (it resolves the Kafka jars)`);
    mkdirSync(dir, { recursive: true });
    const kafka = new PrivateKafka(await freePort(), await freePort(), dir, readFileSync(cpFile, 'utf8').trim());
    kafka.format();
    await kafka.launch();
    return kafka;
  }

  private get propsFile(): string {
    return join(this.dir, 'server.properties');
  }

  private format(): void {
    writeFileSync(
      this.propsFile,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${this.controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${join(this.dir, 'data')}`,
        'num.partitions=8',
        'auto.create.topics.enable=false',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=8',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'log.retention.hours=24',
        '',
      ].join('\n'),
    );
    // a KRaft cluster id is 16 random bytes in URL-safe base64 without padding
    const clusterId = randomBytes(16).toString('base64url');
    const r = spawnSync(
      'java',
      ['-cp', this.classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', this.propsFile],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`formatting the chaos broker's storage failed:\n${r.stdout}${r.stderr}`);
  }

  private async launch(): Promise<void> {
    const logs = join(this.dir, 'logs');
    mkdirSync(logs, { recursive: true });
    const { proc } = await Proc.start({
      name: `kafka:${this.port}`,
      command: 'java',
      args: [
        '-Xms256m',
        '-Xmx768m',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dlog4j.configuration=file:${join(repoRoot, 'infra', 'kafka', 'log4j.properties')}`,
        `-Dkafka.logs.dir=${logs}`,
        '-cp',
        this.classpath,
        'kafka.Kafka',
        this.propsFile,
      ],
      logFile: join(logs, 'stdout.log'),
    });
    this.proc = proc;
    await this.waitReady(90_000);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (!this.proc?.alive) throw new Error(`the chaos broker exited:\n${this.proc?.tail()}`);
      const admin = new Kafka({
        brokers: this.brokers,
        clientId: 'chaos-probe',
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      }).admin();
      try {
        await admin.connect();
        await admin.listTopics();
        return;
      } catch (err) {
        last = err;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await sleep(500);
    }
    throw new Error(`the chaos broker did not answer within ${timeoutMs} ms: ${String(last)}`);
  }

  /** stops the broker by its pid (SIGTERM, SIGKILL after 30 s), then starts it again on the same ports and data */
  async restart(downMs = 2_000): Promise<void> {
    await this.proc?.stop(30_000);
    await sleep(downMs);
    await this.launch();
  }

  /** end offsets of a topic by partition, read with a fresh admin connection (robust across a restart) */
  async endOffsets(topic: string): Promise<Record<number, number>> {
    const admin = new Kafka({ brokers: this.brokers, clientId: 'chaos-offsets', logLevel: logLevel.NOTHING }).admin();
    try {
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic);
      return Object.fromEntries(offsets.map((o) => [o.partition, Number(o.high)]));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    await this.proc?.stop(20_000);
  }
}
