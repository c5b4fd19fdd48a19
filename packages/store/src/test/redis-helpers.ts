import type { Redis } from 'ioredis';

export { deleteByPrefix, keysByPrefix } from '@cityops/testkit';

/** The Redis Cluster slot of a key: CRC16/XMODEM of its hash tag (or whole key) mod 16384. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  let hashed = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/** Kills the server side of every connection named `name` (a crash as Redis sees it). */
export async function killConnections(admin: Redis, name: string): Promise<number> {
  const list = String(await admin.call('CLIENT', 'LIST'));
  let killed = 0;
  for (const line of list.split('\n')) {
    if (!line.includes(` name=${name} `)) continue;
    const id = /(?:^|\s)id=(\d+)/.exec(line)?.[1];
    if (id) killed += Number(await admin.call('CLIENT', 'KILL', 'ID', id));
  }
  return killed;
}
