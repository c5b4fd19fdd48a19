/** Topic names on the bus. Versioned: a breaking change to a payload gets a new topic. */
export const Topics = {
  events: 'city.events.v1',
  dlq: 'city.dlq.v1',
  alerts: 'city.alerts.v1',
  alertActions: 'city.alert-actions.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** Partition counts used when the project creates its topics. */
export const DEFAULT_PARTITIONS: Record<TopicName, number> = {
  'city.events.v1': 8,
  'city.dlq.v1': 1,
  'city.alerts.v1': 4,
  'city.alert-actions.v1': 4,
};
