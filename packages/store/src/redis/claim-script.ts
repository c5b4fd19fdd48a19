import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Event-id claims in Redis (SPEC.md S12). One STRING per id: `p:<owner>` while pending under a
 * lease (PX), `c:<owner>` once confirmed (PX = the dedupe ttl). Renew, confirm and release are
 * compare-and-set on the owner, so each is one Lua script per key: a key per id keeps claims
 * spread over a cluster's slots, and the scripts stay single-key and therefore cluster-legal.
 */

export const PENDING_PREFIX = 'p:';
export const CONFIRMED_PREFIX = 'c:';

export const pendingValue = (owner: string): string => `${PENDING_PREFIX}${owner}`;
export const confirmedValue = (owner: string): string => `${CONFIRMED_PREFIX}${owner}`;

/**
 * KEYS[1] the claim, ARGV[1] pending value of the owner, ARGV[2] lease ms. Extends the owner's
 * pending claim, or takes it again if it lapsed and nobody else took it; 0 if another owner holds
 * it or it is confirmed.
 */
export const RENEW_CLAIM_LUA = `
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

/**
 * KEYS[1] the claim, ARGV[1] pending value of the owner, ARGV[2] confirmed value of the owner,
 * ARGV[3] ttl ms. Confirms when the key holds the owner's pending claim, is gone (the lease
 * lapsed and nobody claimed it since), or is already the owner's confirmation (a re-sent call);
 * 0, changing nothing, when another owner holds it.
 */
export const CONFIRM_CLAIM_LUA = `
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] or v == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`;

/** KEYS[1] the claim, ARGV[1] pending value of the owner. Deletes only the owner's pending claim. */
export const RELEASE_CLAIM_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

/**
 * Maps the reply of `SET key p:<owner> NX GET` (what the key held before) to a claim result.
 * Our own pending value on the first occurrence of an id in a call means the SET was ours and was
 * re-sent after a reconnect (tokens are unique per call); on a later occurrence it is the same id
 * repeated within the call, which is `pending` by contract.
 */
export function claimResultOf(
  previous: string | null,
  owner: string,
  firstInCall: boolean,
): 'claimed' | 'pending' | 'duplicate' {
  if (previous === null) return 'claimed';
  if (previous === pendingValue(owner)) return firstInCall ? 'claimed' : 'pending';
  // `c` and `p` alone are values written before claims carried owners
  return previous.startsWith('c') ? 'duplicate' : 'pending';
}

/**
 * Redis error replies that mean "not now" rather than "wrong command": a restarting server
 * (LOADING), a failover (READONLY, MASTERDOWN), a busy script (BUSY), a resharding cluster
 * (TRYAGAIN, CLUSTERDOWN). Claims map them to E_STORE_UNAVAILABLE so callers answer 503, not 500.
 */
export function isTransientReply(err: unknown): boolean {
  return (
    err instanceof Error &&
    err.name === 'ReplyError' &&
    /^(LOADING|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN)\b/.test(err.message)
  );
}

type ClaimScriptCall = (key: string, ...args: string[]) => ChainableCommander;

/** A pipeline that also knows the claim scripts (sent as EVALSHA; ioredis loads them when missing). */
export type ClaimPipeline = ChainableCommander & {
  cityopsRenewClaim: ClaimScriptCall;
  cityopsConfirmClaim: ClaimScriptCall;
  cityopsReleaseClaim: ClaimScriptCall;
};

const defined = new WeakSet<Redis>();

/** A pipeline on `redis` with the claim scripts defined (once per connection). */
export function claimPipeline(redis: Redis): ClaimPipeline {
  if (!defined.has(redis)) {
    redis.defineCommand('cityopsRenewClaim', { lua: RENEW_CLAIM_LUA, numberOfKeys: 1 });
    redis.defineCommand('cityopsConfirmClaim', { lua: CONFIRM_CLAIM_LUA, numberOfKeys: 1 });
    redis.defineCommand('cityopsReleaseClaim', { lua: RELEASE_CLAIM_LUA, numberOfKeys: 1 });
    defined.add(redis);
  }
  return redis.pipeline() as ClaimPipeline;
}
