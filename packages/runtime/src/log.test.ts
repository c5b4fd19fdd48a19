import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '@cityops/config';
import { createLogger, loggerOptionsFor, prettyByDefault } from './log.js';

/** A destination that keeps what the logger writes. */
function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  // pino writes strings through write(); a Writable is what pino-pretty's lines go to as well
  const destination = { write: (s: string) => stream.write(s) };
  return { destination, lines: () => text.split('\n').filter(Boolean) };
}

describe('createLogger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one JSON record per line: time, level, app, message and the fields', () => {
    const out = sink();
    const log = createLogger('gateway', { destination: out.destination, pretty: false });
    log.info('listening', { url: 'http://127.0.0.1:1/' });
    log.warn('no fields');
    const [first, second] = out.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ level: 'info', app: 'gateway', msg: 'listening', url: 'http://127.0.0.1:1/' });
    expect(Date.parse(String(first!.time))).not.toBeNaN();
    expect(second).toMatchObject({ level: 'warn', msg: 'no fields' });
    expect(out.lines()).toHaveLength(2);
  });

  it('drops messages below its level', () => {
    const out = sink();
    const log = createLogger('x', { level: 'warn', destination: out.destination, pretty: false });
    log.debug('d');
    log.info('i');
    log.error('e');
    expect(out.lines().map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['e']);
  });

  it('censors secret fields by path, whatever their value', () => {
    const out = sink();
    const log = createLogger('x', { destination: out.destination, pretty: false });
    log.info('config', {
      config: { INGEST_API_KEYS: ['k-0000000000000001'], REDIS_URL: 'redis://:pw-0001@h:1', PORT: 8080 },
      password: 'pw-0002',
      headers: { authorization: 'Bearer tok-0003', 'x-api-key': 'key-0004' },
    });
    const line = out.lines()[0]!;
    for (const secret of ['k-0000000000000001', 'pw-0001', 'pw-0002', 'tok-0003', 'key-0004'])
      expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({
      config: { INGEST_API_KEYS: '[redacted]', REDIS_URL: '[redacted]', PORT: 8080 },
      password: '[redacted]',
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' },
    });
  });

  it("scrubs the config's secret values from the message, nested fields and errors", () => {
    const config = loadConfig({
      KAFKA_BROKERS: '127.0.0.1:9092',
      REDIS_URL: 'redis://ops:p%40ss-Secret-01@db:6379/?password=Query-Secret-02',
      INGEST_API_KEYS: 'Api-Key-Secret-000003',
    });
    const out = sink();
    const log = createLogger('x', { ...loggerOptionsFor(config), destination: out.destination, pretty: false });
    log.error(`against ${config.REDIS_URL} with key Api-Key-Secret-000003`, {
      cause: { detail: 'password p@ss-Secret-01 refused' },
      err: new Error('Query-Secret-02 leaked'),
    });
    const line = out.lines()[0]!;
    for (const secret of ['p%40ss-Secret-01', 'p@ss-Secret-01', 'Query-Secret-02', 'Api-Key-Secret-000003'])
      expect(line).not.toContain(secret);
    const record = JSON.parse(line) as { msg: string; err: { message: string } };
    // what locates the server stays readable
    expect(record.msg).toBe('against redis://ops:[redacted]@db:6379/?password=[redacted] with key [redacted]');
    expect(record.err.message).toBe('[redacted] leaked');
  });

  it('writes readable lines instead of JSON when asked (the default on a terminal)', () => {
    const out = sink();
    const log = createLogger('gateway', { destination: out.destination, pretty: true, secrets: ['Pretty-Secret-1'] });
    log.warn('slow screen Pretty-Secret-1', { socket: 'abc' });
    const [line] = out.lines();
    expect(() => JSON.parse(line!)).toThrow();
    expect(line).toMatch(/WARN.*gateway: slow screen \[redacted\]/);
    expect(out.lines().join('\n')).toMatch(/socket: "abc"/);
  });

  it('is readable by default only when stderr is a terminal', () => {
    expect(prettyByDefault({ isTTY: true })).toBe(true);
    expect(prettyByDefault({ isTTY: false })).toBe(false);
    expect(prettyByDefault({})).toBe(false);
  });

  it('never writes to stdout, which carries only the ready line', () => {
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    for (const pretty of [true, false]) {
      const log = createLogger('x', { level: 'debug', pretty });
      log.debug('d');
      log.error('e', { a: 1 });
    }
    expect(stdout).not.toHaveBeenCalled();
    // the readable lines go through process.stderr; the JSON ones straight to file descriptor 2
    expect(stderr).toHaveBeenCalled();
  });
});
