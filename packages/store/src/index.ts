export type {
  ApplyResult,
  ClaimLease,
  ClaimResult,
  CounterIncrement,
  GroupEpoch,
  LapsedClaim,
  OutboxRecord,
  PartitionProgress,
  Store,
  StoreHealth,
  StageBatch,
  VitalsRead,
} from './port.js';
export { MemoryStore, DEFAULT_BUCKET_TTL_MS } from './memory-store.js';
export { CLAIM_GRACE_MS } from './validate.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { RedisStore } from './redis-store.js';
export type { RedisStoreOptions } from './redis-store.js';
