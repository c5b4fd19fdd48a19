#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '@cityops/config';
import { closePorts, openPorts } from '@cityops/runtime';
import { DeskReader } from './reader.js';
import { DEFAULT_DESK_TOPICS } from './topics.js';
import { describeResult, exportTrail, verifyAuditTopic, verifyNdjson, verifyStoredTrail } from './verify.js';

/**
 * `npm run audit:verify [-- --file trail.ndjson | --topic | --export out.ndjson] [--group alert-desk]`
 * Exit 0: the chain is intact. Exit 1: broken, naming the first bad entry. Exit 2: nothing to read.
 */
const USAGE =
  'usage: npm run audit:verify [-- --file trail.ndjson | --topic | --export out.ndjson] [--group alert-desk]';
let values: { file?: string; topic?: boolean; export?: string; group?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      file: { type: 'string' },
      topic: { type: 'boolean', default: false },
      export: { type: 'string' },
      group: { type: 'string', default: 'alert-desk' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  console.error(`audit:verify: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

if (values.file) {
  const r = verifyNdjson(readFileSync(values.file, 'utf8'));
  console.log(describeResult(r));
  process.exit(r.ok ? 0 : 1);
}

const config = loadConfigOrExit();
if (config.mode !== 'distributed') {
  console.error(
    'audit:verify: embedded mode keeps the trail inside the running process; set KAFKA_BROKERS and REDIS_URL, or verify an export with --file',
  );
  process.exit(2);
}
const ports = await openPorts(config, 'audit-verify');
let code = 0;
try {
  const reader = new DeskReader({
    bus: ports.bus,
    store: ports.store,
    group: values.group ?? 'alert-desk',
    casesTopic: DEFAULT_DESK_TOPICS.cases,
  });
  if (values.export) {
    writeFileSync(values.export, await exportTrail(reader));
    console.log(`exported the trail to ${values.export}`);
  }
  const r = values.topic
    ? await verifyAuditTopic(ports.bus, DEFAULT_DESK_TOPICS.audit)
    : await verifyStoredTrail(reader);
  console.log(`${values.topic ? 'topic' : 'store'}: ${describeResult(r)}`);
  code = r.ok ? 0 : 1;
} finally {
  await closePorts(ports);
}
process.exit(code);
