import { Redis } from 'ioredis';

/** Deletes every key a test store wrote under `prefix` (group keys and claims), with SCAN; never FLUSHALL. */
export async function deleteByPrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await keysByPrefix(redis, prefix);
    if (keys.length > 0) await redis.del(...keys);
    return keys.length;
  } finally {
    redis.disconnect();
  }
}

export async function keysByPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const safe = prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
  const out: string[] = [];
  for (const match of [`${safe}:*`, `{${safe}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      out.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return out;
}
