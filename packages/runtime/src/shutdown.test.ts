import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './log.js';
import { exitOnCrash, exitOnStartupError } from './shutdown.js';

function keptLines() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    destination: { write: (s: string) => stream.write(s) },
    records: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('exitOnStartupError and exitOnCrash', () => {
  // vitest has its own listeners: only the ones a test added are removed
  const uncaught = process.listeners('uncaughtException');
  const unhandled = process.listeners('unhandledRejection');
  afterEach(() => {
    vi.restoreAllMocks();
    for (const l of process.listeners('uncaughtException'))
      if (!uncaught.includes(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection'))
      if (!unhandled.includes(l)) process.removeListener('unhandledRejection', l);
  });

  it('reports a start-up failure as one record with its code, the secrets scrubbed, and exits 1', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const out = keptLines();
    const log = createLogger('gw', { destination: out.destination, pretty: false, secrets: ['Start-Secret-01'] });
    const err = Object.assign(new Error('refused with Start-Secret-01'), { code: 'E_X' });
    exitOnStartupError(log, err);
    expect(out.records()).toEqual([
      expect.objectContaining({ level: 'error', code: 'E_X', msg: 'start-up failed [E_X]: refused with [redacted]' }),
    ]);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('reports an uncaught exception through the logger, the secrets scrubbed, and exits 1', () => {
    const listeners = process.listenerCount('uncaughtException');
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const out = keptLines();
    exitOnCrash(createLogger('gw', { destination: out.destination, pretty: false, secrets: ['Crash-Secret-02'] }));
    expect(process.listenerCount('uncaughtException')).toBe(listeners + 1);
    const handler = process.listeners('uncaughtException').at(-1)!;
    handler(new Error('lost Crash-Secret-02'), 'uncaughtException');
    const [record] = out.records();
    expect(record).toMatchObject({ level: 'error', msg: 'crashed (uncaught exception): lost [redacted]' });
    expect(JSON.stringify(record)).not.toContain('Crash-Secret-02');
    expect(exit).toHaveBeenCalledWith(1);
  });
});
