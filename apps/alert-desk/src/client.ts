import { randomUUID } from 'node:crypto';
import type { Bus, Subscription } from '@cityops/bus';
import { CityopsError, ErrorCodes, parseAlertAction, type AlertActionInput, type DeskActor } from '@cityops/schema';
import type { DeskDecision } from './fold.js';
import type { CaseView } from './model.js';
import type { DeskReader } from './reader.js';
import type { DeskTopics } from './topics.js';

/** The answer to one submitted command, as an API turns it into 200 / 409 / 4xx. */
export type SubmitResult =
  | { ok: true; case: CaseView; decision: DeskDecision }
  | {
      ok: false;
      conflict: true;
      code: typeof ErrorCodes.DESK_VERSION_CONFLICT;
      reason: string;
      current: { version: number; state?: string; lastActor?: DeskActor; lastAction?: string; lastAt?: string };
      decision: DeskDecision;
    }
  | { ok: false; conflict: false; code: string; reason: string; decision?: DeskDecision };

export interface DeskClientOptions {
  bus: Bus;
  topics: Pick<DeskTopics, 'actions' | 'decisions'>;
  /** to look up a stored decision when its record did not arrive in time */
  reader?: DeskReader;
  /** how long `submit` waits for the decision (default 10 s) */
  timeoutMs?: number;
}

/**
 * Publishes commands to `city.alert-actions.v1` and waits for the desk's decision on the decisions
 * topic (its own consumer group, reading from the end as it was at `start`). A malformed command is
 * answered at once (E_DESK_INVALID_COMMAND) and never published.
 */
export class DeskClient {
  private readonly waiting = new Map<string, (d: DeskDecision) => void>();
  private subscription: Subscription | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly opts: DeskClientOptions) {}

  start(): Promise<void> {
    this.starting ??= (async () => {
      const { bus, topics } = this.opts;
      const from = await bus.endOffsets(topics.decisions);
      this.subscription = await bus.subscribe({
        groupId: `alert-desk.client.${randomUUID()}`,
        topics: [topics.decisions],
        autoCommit: false,
        startAt: async (_t, p) => from[p] ?? 0,
        eachBatch: async (batch) => {
          for (const r of batch.records) {
            let d: DeskDecision;
            try {
              d = JSON.parse(r.value) as DeskDecision;
            } catch {
              continue;
            }
            this.waiting.get(d.commandId)?.(d);
          }
        },
      });
    })();
    return this.starting;
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.subscription?.stop();
    this.subscription = undefined;
    this.starting = undefined;
  }

  async submit(input: AlertActionInput | Record<string, unknown>): Promise<SubmitResult> {
    const parsed = parseAlertAction(input);
    if (!parsed.ok) return { ok: false, conflict: false, code: ErrorCodes.DESK_INVALID_COMMAND, reason: parsed.reason };
    const cmd = parsed.action;
    await this.start();
    if (this.waiting.has(cmd.commandId)) {
      return {
        ok: false,
        conflict: false,
        code: ErrorCodes.DESK_INVALID_COMMAND,
        reason: 'commandId is in flight already',
      };
    }
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const decided = new Promise<DeskDecision | null>((resolve) => {
      this.waiting.set(cmd.commandId, resolve);
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    try {
      await this.opts.bus.publish(this.opts.topics.actions, [{ key: cmd.caseId, value: JSON.stringify(cmd) }]);
      let d = await decided;
      d ??= (await this.opts.reader?.decision(cmd.caseId, cmd.commandId)) ?? null;
      if (!d) {
        throw new CityopsError(
          ErrorCodes.DESK_DECISION_TIMEOUT,
          `no decision for command ${cmd.commandId} within ${timeoutMs} ms (is the alert desk running?)`,
        );
      }
      return toResult(d, this.opts.reader);
    } finally {
      clearTimeout(timer);
      this.waiting.delete(cmd.commandId);
    }
  }
}

async function toResult(d: DeskDecision, reader: DeskReader | undefined): Promise<SubmitResult> {
  if (d.outcome === 'accepted') {
    const c = d.case ?? (await reader?.getCase(d.caseId)) ?? undefined;
    if (c) return { ok: true, case: c, decision: d };
  }
  if (d.outcome === 'conflict') {
    return {
      ok: false,
      conflict: true,
      code: ErrorCodes.DESK_VERSION_CONFLICT,
      reason: d.reason ?? 'stale version',
      current: {
        version: d.version,
        ...(d.state ? { state: d.state } : {}),
        ...(d.lastActor ? { lastActor: d.lastActor } : {}),
        ...(d.lastAction ? { lastAction: d.lastAction } : {}),
        ...(d.lastAt ? { lastAt: d.lastAt } : {}),
      },
      decision: d,
    };
  }
  return { ok: false, conflict: false, code: d.code ?? 'E_DESK', reason: d.reason ?? d.outcome, decision: d };
}
