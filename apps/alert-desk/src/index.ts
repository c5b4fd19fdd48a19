export {
  AlertDesk,
  deskStage,
  departmentsOf,
  deadlinesOf,
  DESK_REBUILD_HORIZON_MS,
  type AlertDeskOptions,
} from './desk.js';
export { deskFold, MAX_COMMAND_AHEAD_MS, type DeskDecision, type DeskFoldOptions } from './fold.js';
export { intakeStage, INTAKE_REBUILD_HORIZON_MS } from './intake.js';
export { DeskReader, type CaseFilter } from './reader.js';
export { DeskClient, type DeskClientOptions, type SubmitResult } from './client.js';
export {
  GENESIS_HASH,
  SYSTEM_ACTOR,
  canonicalJson,
  hashEntry,
  sealEntry,
  verifyAudit,
  type AuditEntry,
  type ChainHead,
  type SystemActor,
  type VerifyResult,
} from './audit.js';
export {
  CASE_STATES,
  OPEN_STATES,
  ESCALATION_LEVELS,
  DEFAULT_DEADLINES,
  StateKeys,
  viewOf,
  type CaseRecord,
  type CaseView,
  type CaseStateName,
  type Clock,
  type Deadlines,
  type DeskInput,
  type EscalationLevel,
} from './model.js';
export { verifyStoredTrail, exportTrail, verifyNdjson, describeResult } from './verify.js';
export { DEFAULT_DESK_TOPICS, DESK_PARTITIONS, deskTopics, type DeskTopics } from './topics.js';
