export type {
  Bus,
  BusRecord,
  BusHealth,
  ConsumedRecord,
  RecordBatch,
  TopicSpec,
  SubscribeOptions,
  ReplayOptions,
  Subscription,
  ReplaySubscription,
} from './port.js';
export { EmbeddedBus, type EmbeddedBusOptions } from './embedded-bus.js';
export { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
export { partitionForKey, murmur2 } from './partitioner.js';
export { consoleBusLogger, type BusLogger } from './logger.js';
