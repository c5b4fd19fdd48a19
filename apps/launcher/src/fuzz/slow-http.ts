import { connect, type Socket } from 'node:net';

export interface SlowClientsOptions {
  url: string;
  apiKey: string;
  /** connections that send their headers one byte at a time and never finish them */
  headerClients: number;
  /** connections that send complete headers, then the body one byte at a time */
  bodyClients: number;
  byteEveryMs: number;
  /** how long the slow clients keep going; what the server has not cut by then is counted open */
  durationMs: number;
}

export interface SlowClientsResult {
  opened: number;
  /** connections the server answered (e.g. 408) or closed before `durationMs` */
  cut: number;
  /** still open when the clients gave up */
  open: number;
  /** the longest time from connecting to being cut, ms */
  slowestCutMs: number;
  /** first status lines the server sent, by status */
  statuses: Map<number, number>;
}

/**
 * Slow HTTP clients (slowloris): many connections dribbling headers or a body. The server should
 * cut each of them after its header / body timeout, or refuse them over its per-address limit.
 */
export async function runSlowClients(o: SlowClientsOptions): Promise<SlowClientsResult> {
  const { hostname, port } = new URL(o.url);
  const statuses = new Map<number, number>();
  let cut = 0;
  let slowestCutMs = 0;
  const sockets: Socket[] = [];
  const done: Array<Promise<void>> = [];
  const deadline = Date.now() + o.durationMs;
  const open = (first: string) => {
    const started = Date.now();
    const socket = connect({ host: hostname, port: Number(port) });
    sockets.push(socket);
    let answered = '';
    let ended = false;
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(first));
    socket.on('data', (d: Buffer) => {
      if (answered.length < 64) answered += d.toString('latin1');
    });
    socket.on('error', () => undefined);
    const timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(' ');
    }, o.byteEveryMs);
    done.push(
      new Promise<void>((resolve) => {
        socket.on('close', () => {
          clearInterval(timer);
          if (!ended && Date.now() < deadline) {
            cut++;
            slowestCutMs = Math.max(slowestCutMs, Date.now() - started);
          }
          const m = /^HTTP\/1\.[01] (\d{3})/.exec(answered);
          if (m) statuses.set(Number(m[1]), (statuses.get(Number(m[1])) ?? 0) + 1);
          resolve();
        });
        setTimeout(
          () => {
            ended = true;
            socket.destroy();
          },
          Math.max(0, deadline - Date.now()),
        ).unref();
      }),
    );
  };
  for (let i = 0; i < o.headerClients; i++) open(`POST /api/v1/events HTTP/1.1\r\nHost: ${hostname}\r\nX-Slow: `);
  for (let i = 0; i < o.bodyClients; i++)
    open(
      `POST /api/v1/events HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
        `X-API-Key: ${o.apiKey}\r\nContent-Length: 100000\r\n\r\n[`,
    );
  await Promise.all(done);
  return { opened: sockets.length, cut, open: sockets.length - cut, slowestCutMs, statuses };
}
