import type { RequestHandler, Response } from 'express';
import { KeyRing, maySendAs, presentedKeys, type Grant, type SourceKey } from '@cityops/ingest';
import { ErrorCodes } from '@cityops/schema';

/**
 * Requires one of `apiKeys` (by default the ingest keys of INGEST_API_KEYS), as `X-API-Key: <key>`
 * or `Authorization: Bearer <key>`. A header that is present but empty counts as absent, so it
 * never hides a valid key in the other; a valid key in either header is enough. Keys are compared
 * as SHA-256 digests with `timingSafeEqual`, against every configured key without stopping at a
 * match (`KeyRing`), so the time taken says nothing about a key's length, its bytes or which key
 * matched. No keys configured → 401 for all. The matched key's grant (the sources it may send
 * as) is left in `res.locals.grant` for the route (`forbidSources`).
 */
export function requireApiKey(
  apiKeys: ReadonlyArray<string | SourceKey>,
  message = 'an API key from INGEST_API_KEYS is required (X-API-Key or Authorization: Bearer)',
): RequestHandler {
  const ring = new KeyRing(apiKeys);
  return (req, res, next) => {
    const grant = ring.check(presentedKeys({ apiKey: req.get('x-api-key'), authorization: req.get('authorization') }));
    if (grant) {
      res.locals.grant = grant;
      next();
      return;
    }
    res.status(401).json({ code: ErrorCodes.HTTP_UNAUTHORIZED, message });
  };
}

/**
 * The data team's door (dead letters, source health): a key from DATA_API_KEYS or the
 * ADMIN_API_KEY. An ingest key is not enough: a source must not read other sources' rejects.
 */
export function requireDataKey(config: { DATA_API_KEYS: readonly string[]; ADMIN_API_KEY?: string }): RequestHandler {
  const keys = [...config.DATA_API_KEYS, ...(config.ADMIN_API_KEY ? [config.ADMIN_API_KEY] : [])];
  return requireApiKey(
    keys,
    'a data-team key from DATA_API_KEYS or the ADMIN_API_KEY is required (X-API-Key or Authorization: Bearer)',
  );
}

/**
 * After `requireApiKey`: if the key may not send as every one of `sources`, answers 403
 * `E_HTTP_FORBIDDEN_SOURCE` naming the first it may not, and returns true (the route stops).
 */
export function forbidSources(res: Response, sources: Iterable<string>): boolean {
  const grant = res.locals.grant as Grant | undefined;
  if (!grant) throw new Error('forbidSources needs requireApiKey before it');
  for (const source of sources) {
    if (maySendAs(grant, source)) continue;
    res.status(403).json({
      code: ErrorCodes.HTTP_FORBIDDEN_SOURCE,
      message: `this key may not send as source ${JSON.stringify(source.slice(0, 64))}; nothing was accepted`,
      accepted: 0,
    });
    return true;
  }
  return false;
}
