import { ErrorCodes, deadLetter, parseAlertAction, parseAlertEvent, type ErrorCode } from '@cityops/schema';
import type { ConsumedRecord } from '@cityops/bus';
import type { OutgoingRecord, Stage } from '@cityops/stream';
import type { DeskDecision } from './fold.js';
import type { DeskInput } from './model.js';
import type { DeskTopics } from './topics.js';

/** How far back a lost intake group re-reads its inputs (the desk drops what it has seen). */
export const INTAKE_REBUILD_HORIZON_MS = 24 * 60 * 60_000;

/**
 * The intake stage: the repartition step in front of the desk. The runtime keeps keyed state per
 * input partition, so one case's alert events and commands must arrive on one partition of one
 * topic: the intake validates both inputs and forwards each, keyed by case id, to the desk's
 * internal cases topic through the outbox (exactly once per input range; the desk dedupes what a
 * crashed relay publishes twice). Bad records go to the dead-letter topic with their reason; a bad
 * command that still names its commandId and caseId also gets a `rejected` decision, so that a
 * caller waiting for it hears why.
 */
export function intakeStage(group: string, topics: DeskTopics): Stage {
  return {
    group,
    topics: [topics.alerts, topics.actions],
    rebuildHorizonMs: INTAKE_REBUILD_HORIZON_MS,
    fold: ({ topic, records }) => {
      const outgoing: OutgoingRecord[] = [];
      const dropped: Record<string, number> = {};
      const dead = (code: ErrorCode, reason: string, r: ConsumedRecord) => {
        dropped[code] = (dropped[code] ?? 0) + 1;
        outgoing.push({
          topic: topics.dlq,
          key: 'alert-desk',
          value: JSON.stringify(deadLetter(code, reason, `alert-desk:${topic}`, r.value, new Date(r.timestamp))),
        });
      };
      const forward = (key: string, msg: DeskInput) =>
        outgoing.push({ topic: topics.cases, key, value: JSON.stringify(msg) });
      for (const r of records) {
        let value: unknown;
        try {
          value = JSON.parse(r.value);
        } catch {
          dead(topic === topics.alerts ? ErrorCodes.EVT_NOT_JSON : ErrorCodes.DESK_INVALID_COMMAND, 'not JSON', r);
          continue;
        }
        if (topic === topics.alerts) {
          const p = parseAlertEvent(value);
          if (p.ok) forward(p.alert.alertId, { kind: 'alert', caseId: p.alert.alertId, alert: p.alert });
          else dead(ErrorCodes.EVT_SCHEMA, p.reason, r);
          continue;
        }
        const p = parseAlertAction(value);
        if (p.ok) {
          forward(p.action.caseId, { kind: 'command', caseId: p.action.caseId, command: p.action });
          continue;
        }
        dead(ErrorCodes.DESK_INVALID_COMMAND, p.reason, r);
        const o = value as { commandId?: unknown; caseId?: unknown; action?: unknown };
        if (o && typeof o.commandId === 'string' && typeof o.caseId === 'string' && o.commandId.length <= 128) {
          const d: DeskDecision = {
            v: 1,
            commandId: o.commandId,
            caseId: o.caseId.slice(0, 128),
            action: (typeof o.action === 'string' ? o.action.slice(0, 32) : 'unknown') as DeskDecision['action'],
            outcome: 'rejected',
            code: ErrorCodes.DESK_INVALID_COMMAND,
            reason: p.reason,
            version: 0,
            decidedAt: new Date(r.timestamp).toISOString(),
          };
          outgoing.push({ topic: topics.decisions, key: o.commandId, value: JSON.stringify(d) });
        }
      }
      return { watermark: null, outgoing, dropped };
    },
  };
}
