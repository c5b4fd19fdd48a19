import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ErrorCodes } from '@cityops/schema';

/**
 * Requires one of the keys from INGEST_API_KEYS, as `X-API-Key: <key>` or
 * `Authorization: Bearer <key>`. A header that is present but empty counts as absent, so it
 * never hides a valid key in the other; a valid key in either header is enough. Keys are
 * compared as SHA-256 digests with `timingSafeEqual`, against every configured key without
 * stopping at a match, so the time taken says nothing about a key's length, its bytes or which
 * key matched. No keys configured → 401 for all.
 */
export function requireApiKey(apiKeys: string[]): RequestHandler {
  const digests = apiKeys.map(digest);
  return (req, res, next) => {
    const given = [req.get('x-api-key')?.trim(), bearer(req.get('authorization'))].filter(
      (k): k is string => k !== undefined && k !== '',
    );
    let ok = false;
    for (const g of given) {
      const d = digest(g);
      for (const k of digests) ok = timingSafeEqual(k, d) || ok;
    }
    if (ok) {
      next();
      return;
    }
    res.status(401).json({
      code: ErrorCodes.HTTP_UNAUTHORIZED,
      message: 'an API key from INGEST_API_KEYS is required (X-API-Key or Authorization: Bearer)',
    });
  };
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
