import { PACK_FORMAT_VERSION, type PackFiles } from './pack-files.js';
import type { Position } from './types.js';

/**
 * A tiny valid pack for validator tests: one district of two streets, each with one community of two
 * 1×1 cells, one road and one loading zone. Tests deep-copy it and break one thing at a time.
 * (Excluded from the build by name: only tests import it.)
 */
const sq = (x: number, y: number, s = 0.01): Position[][] => [
  [
    [x, y],
    [x + s, y],
    [x + s, y + s],
    [x, y + s],
    [x, y],
  ],
];
const area = (id: string, parentId: string, coordinates: unknown, type = 'Polygon') => ({
  type: 'Feature',
  properties: { id, name: `名${id}`, nameEn: `Name ${id}`, parentId, generated: true },
  geometry: { type, coordinates },
});
const fc = (features: unknown[]) => ({ type: 'FeatureCollection', features });

export function tinyPack(): PackFiles {
  return {
    pack: {
      formatVersion: PACK_FORMAT_VERSION,
      meta: {
        id: 'tiny',
        name: '小城',
        nameEn: 'Tiny',
        version: '0.0.1',
        licence: 'MIT',
        source: [{ name: 'test fixture', licence: 'MIT', what: 'everything' }],
        generated: { districts: true, streets: true, communities: true, grids: true, roads: true, loadingZones: true },
      },
      taxonomy: {
        standard: 'test',
        classes: [
          {
            code: 'E.06',
            kind: 'event',
            name: '交通秩序',
            nameEn: 'Traffic order',
            small: [{ code: 'E.06.02', name: '快递车辆占道卸货', nameEn: 'Delivery vehicle blocking the road' }],
          },
          {
            code: 'P.02',
            kind: 'part',
            name: '道路交通',
            nameEn: 'Road traffic',
            small: [{ code: 'P.02.01', name: '路灯', nameEn: 'Street light' }],
          },
        ],
      },
      departments: [
        {
          id: 'dept-tp',
          name: '交警',
          nameEn: 'Traffic police',
          scope: { level: 'district' },
          responsibilities: [{ code: 'E.06.02', role: 'lead' }],
        },
        {
          id: 'dept-cg',
          name: '城管',
          nameEn: 'City management',
          scope: { level: 'city' },
          responsibilities: [{ code: 'E.06', role: 'assist' }],
        },
      ],
    },
    districts: fc([area('d1', 'tiny', sq(0, 0, 0.04))]),
    streets: fc([area('s1', 'd1', sq(0, 0, 0.02)), area('s2', 'd1', sq(0.02, 0, 0.02))]),
    communities: fc([area('c1', 's1', sq(0, 0, 0.02)), area('c2', 's2', sq(0.02, 0, 0.02))]),
    grids: fc([
      area('g1', 'c1', sq(0, 0)),
      area('g2', 'c1', sq(0.01, 0)),
      area('g3', 'c2', sq(0.02, 0)),
      area('g4', 'c2', sq(0.03, 0)),
    ]),
    roads: fc([
      {
        type: 'Feature',
        properties: {
          id: 'r1',
          name: '一路',
          roadClass: 'secondary',
          speedLimitKmh: 40,
          districtId: 'd1',
          generated: true,
        },
        geometry: {
          type: 'LineString',
          coordinates: [
            [0, 0.01],
            [0.04, 0.01],
          ],
        },
      },
    ]),
    loadingZones: fc([
      {
        type: 'Feature',
        properties: { id: 'z1', name: '一路装卸区', roadId: 'r1', districtId: 'd1', capacity: 2, generated: true },
        geometry: { type: 'Polygon', coordinates: sq(0.005, 0.0095, 0.0004) },
      },
    ]),
  };
}

/** Mutable access to a feature of a fixture file by id, for breaking it in a test. */
export function featureOf(
  files: PackFiles,
  key: keyof PackFiles,
  id: string,
): { properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } } {
  const f = (files[key] as { features: { properties: { id: string } }[] }).features.find((x) => x.properties.id === id);
  if (!f) throw new Error(`fixture has no ${id} in ${key}`);
  return f as never;
}
