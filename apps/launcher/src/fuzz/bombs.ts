/** A structure bomb: one request body built to be deep, wide or big, and how to rebuild it. */
export interface Bomb {
  label: string;
  contentType: string;
  body: string;
  /** the reproducing input in a few words (the body itself can be a megabyte) */
  repro: string;
}

/** A valid sensor reading at People's Square, `now`-stamped, with `over` merged into it. */
export function validEvent(id: string, now: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    id,
    source: 'fuzz.bombs',
    type: 'sensor.reading',
    eventTime: new Date(now - 1000).toISOString(),
    location: { lon: 121.4737, lat: 31.2304 },
    category: { kind: 'part', code: 'P.01.01' },
    payload: { sensorId: 's-1', kind: 'water_level', value: 0.4, unit: 'm' },
    ...over,
  };
}

const nestedArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/**
 * The bombs, each under `maxBodyBytes` (the ones over it are a separate 413 check): depth
 * (arrays and objects nested 1,000 to 100,000 deep, as a field and as an item), width (an
 * event with 20,000 unknown keys, a batch of 100,000 tiny items), size (one string field of
 * nearly the whole body in each unbounded field, an unknown key as long as the body).
 * `id(label)` names each event so its dead letter can be found.
 */
export function structureBombs(
  maxBodyBytes: number,
  now: number,
  id: (label: string) => string,
  /** the most items in one wide batch (the short version keeps it small) */
  maxItems = Infinity,
): Bomb[] {
  const room = maxBodyBytes - 2_000;
  const bombs: Bomb[] = [];
  const add = (label: string, body: string, repro: string, contentType = 'application/json') => {
    if (Buffer.byteLength(body) <= maxBodyBytes) bombs.push({ label, contentType, body, repro });
  };
  for (const depth of [1_000, 10_000, 100_000]) {
    if (depth * 2 > room) continue;
    const ev = JSON.stringify(validEvent(id(`depth-${depth}`), now)).replace(
      '"value":0.4',
      `"value":${nestedArray(depth)}`,
    );
    add(
      `depth ${depth}: payload.value nested arrays`,
      `[${ev}]`,
      `[{valid sensor.reading, payload.value: "["×${depth} + "]"×${depth}}]`,
    );
    add(`depth ${depth}: one item nested arrays`, `[${nestedArray(depth)}]`, `"["×${depth + 1} + "]"×${depth + 1}`);
    if (depth * 6 < room) {
      const obj = JSON.stringify(validEvent(id(`odepth-${depth}`), now)).replace(
        '"value":0.4',
        `"value":${nestedObject(depth)}`,
      );
      add(
        `depth ${depth}: payload.value nested objects`,
        `[${obj}]`,
        `[{valid event, payload.value: '{"a":'×${depth} 1 '}'×${depth}}]`,
      );
    }
    add(
      `depth ${depth}: NDJSON line nested arrays`,
      nestedArray(depth),
      `NDJSON line "["×${depth} + "]"×${depth}`,
      'application/x-ndjson',
    );
  }
  const wide = validEvent(id('wide-keys'), now);
  for (let i = 0; i < 20_000; i++) wide[`k${i}`] = 0;
  add('width: 20,000 unknown keys in one event', `[${JSON.stringify(wide)}]`, '[{valid event + k0..k19999: 0}]');
  const items = Math.min(maxItems, Math.floor(room / 3));
  const lines = Math.min(maxItems, Math.floor(room / 2));
  add(`width: ${items} empty objects`, `[${Array.from({ length: items }, () => '{}').join(',')}]`, `[{}×${items}]`);
  add(`width: ${lines} NDJSON lines`, '1\n'.repeat(lines), `"1\\n"×${lines}`, 'application/x-ndjson');
  // at the server's item cap (MAX_ITEMS_PER_REQUEST, 5,000): ingested, every item dead-lettered
  add(
    'width: 5000 empty objects (the item cap)',
    `[${Array.from({ length: 5_000 }, () => '{}').join(',')}]`,
    '[{}×5000]',
  );
  const big = 'x'.repeat(room - 1_000);
  for (const field of ['sensorId', 'unit', 'kind']) {
    const ev = validEvent(id(`big-${field}`), now);
    (ev.payload as Record<string, unknown>)[field] = big;
    add(
      `size: payload.${field} of ${big.length} chars`,
      JSON.stringify(ev),
      `valid sensor.reading with payload.${field} = "x"×${big.length}`,
    );
  }
  const hot = validEvent(id('big-ticketId'), now, {
    type: 'hotline.ticket',
    category: { kind: 'event', code: 'E.01.01' },
    payload: { ticketId: big, stage: 'received', assignee: 'a' },
  });
  add(
    `size: payload.ticketId of ${big.length} chars`,
    JSON.stringify(hot),
    `valid hotline.ticket with payload.ticketId = "x"×${big.length}`,
  );
  const hota = validEvent(id('big-assignee'), now, {
    type: 'hotline.ticket',
    category: { kind: 'event', code: 'E.01.01' },
    payload: { ticketId: 't-1', stage: 'dispatched', assignee: big },
  });
  add(
    `size: payload.assignee of ${big.length} chars`,
    JSON.stringify(hota),
    `valid hotline.ticket with payload.assignee = "x"×${big.length}`,
  );
  for (const field of ['vehicleId', 'company']) {
    const ev = validEvent(id(`big-${field}`), now, {
      type: 'delivery.vehicle',
      category: { kind: 'event', code: 'E.06.02' },
      payload: { vehicleId: 'v-1', company: 'SF', state: 'stopped', speedKmh: 0, [field]: big },
    });
    add(
      `size: payload.${field} of ${big.length} chars`,
      JSON.stringify(ev),
      `valid delivery.vehicle with payload.${field} = "x"×${big.length}`,
    );
  }
  add(
    `size: location.gridId of ${big.length} chars`,
    JSON.stringify(validEvent(id('big-gridId'), now, { location: { lon: 121.4737, lat: 31.2304, gridId: big } })),
    `valid event with location.gridId = "x"×${big.length}`,
  );
  const key = validEvent(id('big-key'), now);
  (key.payload as Record<string, unknown>)[big] = 1;
  add(
    `size: an unknown key of ${big.length} chars`,
    JSON.stringify(key),
    `valid event with payload["x"×${big.length}] = 1`,
  );
  add(
    `size: id of ${big.length} chars`,
    JSON.stringify(validEvent(big, now)),
    `valid event with id = "x"×${big.length}`,
  );
  return bombs;
}

/** A body just over the limit: must be 413 with its code. */
export function overLimit(maxBodyBytes: number): Bomb {
  return {
    label: `size: body of ${maxBodyBytes + 1} bytes`,
    contentType: 'application/json',
    body: `["${'x'.repeat(maxBodyBytes - 3)}"]`,
    repro: `["x"×${maxBodyBytes - 3}] (${maxBodyBytes + 1} bytes)`,
  };
}
