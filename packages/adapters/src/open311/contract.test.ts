import { readFileSync } from 'node:fs';
import { adapterContract, type Fixture } from '../contract.js';
import { open311 } from './index.js';

const text = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const spec = JSON.parse(text('get-requests.json')) as Record<string, unknown>[];
const SPEC = 'GeoReport v2, https://wiki.open311.org/GeoReport_v2';
const remote = (request: Record<string, unknown>) => ({ open311: 'remote', server: 'sf', request });
const FORM = 'application/x-www-form-urlencoded';

/**
 * Good fixtures are requests read from a remote server (they carry their own times). A request
 * POSTed to us carries no time, so its event time is when it arrived: rule A7 (times independent
 * of the clock) cannot hold for it, and the POST path is tested in open311.test.ts instead.
 */
const fixtures: Fixture[] = [
  {
    name: 'remote-closed',
    description: "the spec's closed request (San Francisco, 2010: outside the city, too old)",
    origin: `${SPEC}, GET Service Requests example`,
    inputs: [remote(spec[0]!)],
    expect: { events: 2, accepted: 0 },
  },
  {
    name: 'remote-open',
    description: "the spec's open request",
    origin: `${SPEC}, GET Service Requests example`,
    inputs: [remote(spec[1]!)],
    expect: { events: 1, accepted: 0 },
  },
  {
    name: 'remote-shanghai',
    description:
      "the spec's open request moved to Shanghai and to the contract clock (changed: id, lat, long, datetimes)",
    origin: `${SPEC}, GET Service Requests example`,
    inputs: [
      remote({
        ...spec[1]!,
        service_request_id: 700001,
        lat: 31.2304,
        long: 121.4737,
        requested_datetime: '2026-11-22T08:58:00+08:00',
        updated_datetime: '2026-11-22T08:58:00+08:00',
      }),
    ],
    expect: { events: 1 },
  },
  {
    name: 'post-no-service-code',
    description: 'a POST without service_code',
    origin: `${SPEC}, POST Service Request (required arguments)`,
    receiver: '/open311/requests.json',
    contentType: FORM,
    body: 'api_key=xyz&lat=31.23&long=121.47&description=pothole',
    expect: { events: 0, codes: ['E_ADP_BAD_INPUT'], status: 400 },
  },
  {
    name: 'post-address-only',
    description: "the spec's example request with an address and no lat/long",
    origin: `${SPEC}, POST Service Request example`,
    receiver: '/open311/requests.json',
    contentType: FORM,
    body: text('post-request.form.txt').replace('lat=37.76524078&long=-122.4212043&', ''),
    expect: { events: 0, codes: ['E_ADP_NO_LOCATION'], status: 400 },
  },
];

adapterContract(open311, { fixtures });
