import type { ChainableCommander, Redis } from 'ioredis';
import type { ClaimResult } from '../port.js';

/**
 * Event-id claims in Redis (SPEC.md S12). One STRING per id: pending under a lease (see below),
 * `c:<owner>` once confirmed (PX = the dedupe ttl). Renew, confirm and release are
 * compare-and-set on the owner, so each is one Lua script per key: a key per id keeps claims
 * spread over a cluster's slots, and the scripts stay single-key and therefore cluster-legal.
 */

export const CONFIRMED_PREFIX = 'c:';

export const confirmedValue = (owner: string): string => `${CONFIRMED_PREFIX}${owner}`;

/**
 * A pending claim is `p:<owner>|<lease until>|<taken at>` (Redis TIME, ms), kept `grace` beyond its
 * lease so that a claim whose owner died is seen as *lapsed* (answered with its taken-at time, so
 * the new owner can look for the event on the topic) rather than as free. Shared Lua helpers.
 */
const COMMON = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function parse(v)
  if v == false then return nil end
  if string.sub(v, 1, 2) ~= 'p:' then return nil end
  local owner, lease_until, taken = string.match(v, '^p:(.*)|(%d+)|(%d+)$')
  if owner == nil then return nil end
  return { owner = owner, lease_until = tonumber(lease_until), taken = taken }
end
local function pending(owner, lease, taken)
  return 'p:' .. owner .. '|' .. string.format('%d', now + lease) .. '|' .. taken
end
`;

/**
 * KEYS[1] the claim; ARGV[1] owner, ARGV[2] lease ms, ARGV[3] grace ms. Replies `claimed` (it was
 * free), `mine` (the owner holds it already: a re-sent call or an id repeated in the call),
 * `pending` (another owner's live lease), `duplicate` (confirmed), or `lapsed:<taken at>` (another
 * owner's lease ran out: now ours, but its event may already be on the topic).
 */
export const CLAIM_LUA = `${COMMON}
local lease, grace = tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('GET', KEYS[1])
if v == false then
  redis.call('SET', KEYS[1], pending(ARGV[1], lease, string.format('%d', now)), 'PX', lease + grace)
  return 'claimed'
end
local p = parse(v)
if p == nil then
  if string.sub(v, 1, 1) == 'c' then return 'duplicate' end
  return 'pending'
end
if p.owner == ARGV[1] then return 'mine' end
if p.lease_until > now then return 'pending' end
redis.call('SET', KEYS[1], pending(ARGV[1], lease, string.format('%d', now)), 'PX', lease + grace)
return 'lapsed:' .. p.taken
`;

/**
 * KEYS[1] the claim, ARGV[1] owner, ARGV[2] lease ms, ARGV[3] grace ms. Extends the owner's
 * pending claim, or takes it again if nothing holds it; 0 if another owner holds it (live or
 * lapsed: the other may be verifying it) or it is confirmed.
 */
export const RENEW_CLAIM_LUA = `${COMMON}
local lease, grace = tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('GET', KEYS[1])
if v == false then
  redis.call('SET', KEYS[1], pending(ARGV[1], lease, string.format('%d', now)), 'PX', lease + grace)
  return 1
end
local p = parse(v)
if p ~= nil and p.owner == ARGV[1] then
  redis.call('SET', KEYS[1], pending(ARGV[1], lease, p.taken), 'PX', lease + grace)
  return 1
end
return 0
`;

/**
 * KEYS[1] the claim, ARGV[1] owner, ARGV[2] ttl ms. Confirms when the key holds the owner's
 * pending claim (lease live or not: nobody took it over), is gone, or is already the owner's
 * confirmation (a re-sent call); 0, changing nothing, when another owner holds it.
 */
export const CONFIRM_CLAIM_LUA = `${COMMON}
local v = redis.call('GET', KEYS[1])
local p = parse(v)
if v == false or (p ~= nil and p.owner == ARGV[1]) or v == 'c:' .. ARGV[1] then
  redis.call('SET', KEYS[1], 'c:' .. ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

/** KEYS[1] the claim, ARGV[1] owner. Deletes only the owner's pending claim. */
export const RELEASE_CLAIM_LUA = `${COMMON}
local p = parse(redis.call('GET', KEYS[1]))
if p ~= nil and p.owner == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

/**
 * Maps the claim script's reply to a claim result. The owner's own claim on the first occurrence
 * of an id in a call means the claim was ours and was re-sent after a reconnect (tokens are unique
 * per call); on a later occurrence it is the same id repeated within the call, `pending` by contract.
 */
export function claimResultOf(reply: string, firstInCall: boolean): ClaimResult {
  if (reply === 'mine') return firstInCall ? 'claimed' : 'pending';
  if (reply.startsWith('lapsed:')) return { lapsedSince: Number(reply.slice('lapsed:'.length)) };
  return reply as 'claimed' | 'pending' | 'duplicate';
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
  cityopsClaim: ClaimScriptCall;
  cityopsRenewClaim: ClaimScriptCall;
  cityopsConfirmClaim: ClaimScriptCall;
  cityopsReleaseClaim: ClaimScriptCall;
};

const defined = new WeakSet<Redis>();

/** A pipeline on `redis` with the claim scripts defined (once per connection). */
export function claimPipeline(redis: Redis): ClaimPipeline {
  if (!defined.has(redis)) {
    redis.defineCommand('cityopsClaim', { lua: CLAIM_LUA, numberOfKeys: 1 });
    redis.defineCommand('cityopsRenewClaim', { lua: RENEW_CLAIM_LUA, numberOfKeys: 1 });
    redis.defineCommand('cityopsConfirmClaim', { lua: CONFIRM_CLAIM_LUA, numberOfKeys: 1 });
    redis.defineCommand('cityopsReleaseClaim', { lua: RELEASE_CLAIM_LUA, numberOfKeys: 1 });
    defined.add(redis);
  }
  return redis.pipeline() as ClaimPipeline;
}
