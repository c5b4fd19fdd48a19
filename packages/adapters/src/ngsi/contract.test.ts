import { readFileSync } from 'node:fs';
import { adapterContract, type Fixture } from '../contract.js';
import { ngsi } from './index.js';

const sdm = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/sdm/${name}`, import.meta.url), 'utf8'));
const SDM = 'https://github.com/smart-data-models (see fixtures/SOURCES.md): ';
const ORION = 'Orion NGSIv2 API, Notification Messages (see fixtures/SOURCES.md)';
const v2 = (...data: unknown[]) => ({ subscriptionId: '57458eb60962ef754e7c0998', data });
const ld = (...data: unknown[]) => ({
  id: 'urn:ngsi-ld:Notification:1',
  type: 'Notification',
  subscriptionId: 'urn:ngsi-ld:Subscription:1',
  notifiedAt: '2026-11-22T00:59:59Z',
  data,
});
const V2 = '/ngsi/v2/notify';
const LD = '/ngsi-ld/notify';

/** The published examples in the notifications brokers send; the Spanish and Indian places are outside the city (accepted 0). */
const fixtures: Fixture[] = [
  {
    name: 'traffic-v2',
    description: 'TrafficFlowObserved, v2 normalized',
    origin: `${SDM}TrafficFlowObserved example-normalized.json; ${ORION}`,
    receiver: V2,
    body: v2(sdm('TrafficFlowObserved.normalized.json')),
    expect: { events: 1, accepted: 0, status: 204 },
  },
  {
    name: 'streetlight-kv',
    description: 'Streetlight, v2 keyValues',
    origin: `${SDM}Streetlight example.json; ${ORION}`,
    receiver: V2,
    body: v2(sdm('Streetlight.keyvalues.json')),
    expect: { events: 1, accepted: 0, status: 204 },
  },
  {
    name: 'noise-ld',
    description: 'NoiseLevelObserved and AirQualityObserved in one NGSI-LD notification',
    origin: `${SDM}NoiseLevelObserved, AirQualityObserved example-normalized.json; ETSI GS CIM 009 Notification`,
    receiver: LD,
    contentType: 'application/ld+json',
    body: ld(sdm('NoiseLevelObserved.normalized.json'), sdm('AirQualityObserved.normalized.json')),
    expect: { events: 2, accepted: 0, status: 204 },
  },
  {
    name: 'noise-shanghai',
    description:
      'the NoiseLevelObserved example moved to Shanghai and to the contract clock (changed: location, dateObservedTo)',
    origin: `${SDM}NoiseLevelObserved example-normalized.json`,
    receiver: V2,
    body: v2({
      ...sdm('NoiseLevelObserved.normalized.json'),
      dateObservedTo: { type: 'DateTime', value: '2026-11-22T08:59:00+08:00' },
      location: { type: 'geo:json', value: { type: 'Point', coordinates: [121.4737, 31.2304] } },
    }),
    expect: { events: 1, status: 204 },
  },
  {
    name: 'flood-no-location',
    description: 'FloodMonitoring as published: no location, unknown device',
    origin: `${SDM}FloodMonitoring example-normalized.json`,
    receiver: V2,
    body: v2(sdm('FloodMonitoring.normalized.json')),
    expect: { events: 0, codes: ['E_ADP_NO_LOCATION'], status: 204 },
  },
  {
    name: 'parking-and-lorry',
    description: 'ParkingSpot and a refuse lorry: no kind in envelope v1',
    origin: `${SDM}ParkingSpot example-normalized.json, Vehicle example-normalized.jsonld`,
    receiver: LD,
    body: ld(sdm('ParkingSpot.normalized.json'), sdm('Vehicle.normalized.jsonld')),
    expect: { events: 0, codes: ['E_ADP_UNSUPPORTED_TYPE', 'E_ADP_UNSUPPORTED_TYPE'], status: 204 },
  },
  {
    name: 'not-a-notification',
    description: 'a body without data[]',
    origin: ORION,
    receiver: V2,
    body: { subscriptionId: 'x' },
    expect: { events: 0, codes: ['E_ADP_BAD_INPUT'], status: 400 },
  },
];

adapterContract(ngsi, { fixtures });
