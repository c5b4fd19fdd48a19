import express, { type Router } from 'express';
import { areasGeoJson, type CityPack } from '@cityops/city';
import { ErrorCodes } from '@cityops/schema';

const LEVELS = ['district', 'street', 'community', 'grid'] as const;
type Level = (typeof LEVELS)[number];

/**
 * The city model for screens: `GET /api/v1/city` (pack identity) and
 * `GET /api/v1/city/geojson?level=district|street|community|grid&parent=<id>`.
 * The pack never changes while running, so each answer is serialised once and cached.
 */
export function cityRoute(pack: CityPack): Router {
  const router = express.Router();
  const cache = new Map<string, string>();

  router.get('/api/v1/city', (_req, res) => {
    res.json({ id: pack.meta.id, name: pack.meta.name, nameEn: pack.meta.nameEn, version: pack.meta.version });
  });

  router.get('/api/v1/city/geojson', (req, res) => {
    const level = String(req.query.level ?? 'district');
    const parent = typeof req.query.parent === 'string' && req.query.parent !== '' ? req.query.parent : undefined;
    if (!(LEVELS as readonly string[]).includes(level)) {
      res.status(400).json({ code: ErrorCodes.HTTP_BAD_REQUEST, message: `level must be one of ${LEVELS.join(', ')}` });
      return;
    }
    if (level !== 'district' && parent === undefined) {
      res.status(400).json({ code: ErrorCodes.HTTP_BAD_REQUEST, message: `level=${level} needs parent=<id>` });
      return;
    }
    const key = `${level}|${parent ?? ''}`;
    let body = cache.get(key);
    if (body === undefined) {
      const fc = areasGeoJson(pack, level as Level, parent);
      if (parent !== undefined && fc.features.length === 0) {
        res.status(404).json({ code: ErrorCodes.HTTP_BAD_REQUEST, message: `no ${level} areas under ${parent}` });
        return;
      }
      body = JSON.stringify(fc);
      cache.set(key, body);
    }
    res.type('application/geo+json').set('Cache-Control', 'public, max-age=3600').send(body);
  });
  return router;
}
