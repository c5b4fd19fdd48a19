import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ErrorCodes } from '@cityops/schema';

/**
 * Requires one of the keys from INGEST_API_KEYS, as `X-API-Key: <key>` or
 * `Authorization: Bearer <key>`; compared in constant time. No keys configured → 401 for all.
 */
export function requireApiKey(apiKeys: string[]): RequestHandler {
  const keys = apiKeys.map((k) => Buffer.from(k));
  return (req, res, next) => {
    const given = req.get('x-api-key') ?? bearer(req.get('authorization'));
    if (given !== undefined && keys.some((k) => sameKey(k, Buffer.from(given)))) {
      next();
      return;
    }
    res.status(401).json({
      code: ErrorCodes.HTTP_UNAUTHORIZED,
      message: 'an API key from INGEST_API_KEYS is required (X-API-Key header)',
    });
  };
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
  return m?.[1];
}

function sameKey(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
