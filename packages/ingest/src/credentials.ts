import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * One credential: the key, and the sources it may send as (`null`: any source). A pattern that
 * ends in `*` is a prefix: `ngsi*` covers `ngsi-v2` and `ngsi-ld`. Matches `IngestKey` of
 * `@cityops/config`.
 */
export interface SourceKey {
  key: string;
  sources: readonly string[] | null;
}

/** What a presented key is allowed: the sources it may send as (`null`: any). */
export interface Grant {
  sources: readonly string[] | null;
}

/**
 * A set of keys, compared in constant time: each presented key and each configured key are
 * SHA-256 digests compared with `timingSafeEqual`, against every configured key without stopping
 * at a match, so the time taken says nothing about a key's length, its bytes or which one matched.
 * When several configured entries hold the same key their sources are joined.
 */
export class KeyRing {
  private readonly entries: Array<{ digest: Buffer; sources: readonly string[] | null }>;

  constructor(keys: ReadonlyArray<string | SourceKey>) {
    this.entries = keys.map((k) =>
      typeof k === 'string' ? { digest: digest(k), sources: null } : { digest: digest(k.key), sources: k.sources },
    );
  }

  get size(): number {
    return this.entries.length;
  }

  /** The grant of the first presented key that is on the ring, or undefined when none is. */
  check(presented: readonly string[]): Grant | undefined {
    let grant: Grant | undefined;
    for (const p of presented) {
      const d = digest(p);
      for (const e of this.entries) {
        const hit = timingSafeEqual(e.digest, d);
        if (hit) grant = join(grant, e.sources);
      }
    }
    return grant;
  }
}

function join(grant: Grant | undefined, sources: readonly string[] | null): Grant {
  if (grant === undefined) return { sources };
  if (grant.sources === null || sources === null) return { sources: null };
  return { sources: [...new Set([...grant.sources, ...sources])] };
}

/** Whether `grant` may send as `source`: any source for a plain key, else an exact name or a `prefix*`. */
export function maySendAs(grant: Grant, source: string): boolean {
  if (grant.sources === null) return true;
  return grant.sources.some((s) => (s.endsWith('*') ? source.startsWith(s.slice(0, -1)) : s === source));
}

/**
 * The keys a request presents: `X-API-Key: <key>` and `Authorization: Bearer <key>`. A header
 * that is present but empty counts as absent, so it never hides a valid key in the other.
 */
export function presentedKeys(headers: { apiKey?: string; authorization?: string }): string[] {
  const bearer = headers.authorization ? /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization)?.[1] : undefined;
  return [headers.apiKey?.trim(), bearer].filter((k): k is string => k !== undefined && k !== '');
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** The answer of `sourceAuthorizer`: let in, or 401 / 403 with a code. */
export type Authorization =
  | { ok: true }
  | { ok: false; status: 401 | 403; code: 'E_HTTP_UNAUTHORIZED' | 'E_HTTP_FORBIDDEN_SOURCE'; message: string };

/**
 * The credential check of the adapters' HTTP routes (the `authorize` of the adapter host's router):
 * the credential the body carries (Open311's `api_key`), else `X-API-Key` / `Authorization:
 * Bearer`, must be on the ring (401 otherwise), and may send as the adapter's envelope source or
 * under the adapter's name (403 `E_HTTP_FORBIDDEN_SOURCE` otherwise).
 */
export function sourceAuthorizer(
  keys: ReadonlyArray<string | SourceKey>,
): (a: { adapter: string; source: string; credential?: string; headers: Record<string, string> }) => Authorization {
  const ring = new KeyRing(keys);
  return ({ adapter, source, credential, headers }) => {
    const presented =
      credential !== undefined && credential !== ''
        ? [credential]
        : presentedKeys({ apiKey: headers['x-api-key'], authorization: headers['authorization'] });
    const grant = ring.check(presented);
    if (!grant)
      return {
        ok: false,
        status: 401,
        code: 'E_HTTP_UNAUTHORIZED',
        message: 'an API key from INGEST_API_KEYS is required (X-API-Key or Authorization: Bearer)',
      };
    if (!maySendAs(grant, source) && !maySendAs(grant, adapter))
      return {
        ok: false,
        status: 403,
        code: 'E_HTTP_FORBIDDEN_SOURCE',
        message: `this key may not send as source ${source} (adapter ${adapter})`,
      };
    return { ok: true };
  };
}
