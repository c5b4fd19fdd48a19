export type { FoldInput, FoldOutput, OutgoingRecord, Stage } from './stage.js';
export { StreamRunner, type StreamError, type StreamRunnerOptions, type StreamStats } from './runner.js';
export { OutboxRelay, RECORD_ID_HEADER, type OutboxRelayOptions } from './outbox-relay.js';
