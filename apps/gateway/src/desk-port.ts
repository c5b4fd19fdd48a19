import { DEFAULT_DESK_TOPICS, DeskClient, DeskReader, type DeskTopics } from '@cityops/alert-desk';
import type { Bus } from '@cityops/bus';
import type { Store } from '@cityops/store';
import type { CaseSource } from './channels/cases-channel.js';
import type { DeskPort } from './routes/alerts.js';

export interface RemoteDesk extends DeskPort, CaseSource {
  stop(): Promise<void>;
}

/**
 * The alert desk as a gateway in distributed mode sees it (the desk runs in its own process):
 * reads from the desk's keyed state in the store, commands through `city.alert-actions.v1` with
 * the decision awaited on the decisions topic. `group` and `topics` must be the desk's.
 */
export function remoteDesk(
  bus: Bus,
  store: Store,
  opts: { group?: string; topics?: DeskTopics; submitTimeoutMs?: number } = {},
): RemoteDesk {
  const topics = opts.topics ?? DEFAULT_DESK_TOPICS;
  const reader = new DeskReader({ bus, store, group: opts.group ?? 'alert-desk', casesTopic: topics.cases });
  const client = new DeskClient({
    bus,
    topics,
    reader,
    ...(opts.submitTimeoutMs !== undefined ? { timeoutMs: opts.submitTimeoutMs } : {}),
  });
  return {
    submit: (cmd) => client.submit(cmd),
    listCases: (filter) => reader.listCases(filter),
    getCase: (id) => reader.getCase(id),
    audit: (id) => reader.audit(id),
    stop: () => client.stop(),
  };
}
