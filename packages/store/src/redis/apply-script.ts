import type { StageBatch } from '../port.js';
import { bucketKey, groupKeys, stateKey } from './keys.js';
import { partitionKey } from '../validate.js';

/**
 * The one Lua script that applies a batch with its offsets (DESIGN.md decision 3). Redis runs a
 * script atomically but does not roll back one that fails half-way, so the script is split in two
 * phases: phase 1 validates every argument and every resulting value, reading only; phase 2 writes
 * and can no longer fail. Replies: 'applied' | 'duplicate' | 'conflict:<stored next offset>' |
 * 'invalid:<reason>'; the TypeScript side maps them to results and errors.
 *
 * KEYS: 1 offsets, 2 watermarks, 3 dropped, 4 meta, 5 index, 6 touched, 7 the partition's state,
 *       8 outbox, 9 rebuild marks, 10 gauges, 11.. one bucket key per distinct bucket (declared, so
 *       that the script is Redis-Cluster-safe).
 * ARGV: 1 partition field, 2 fromOffset, 3 nextOffset, 4 watermark or '', 5 bucket ttl ms,
 *       6 epoch, 7 accept gap ('1' or '0'),
 *       8 nb = number of buckets, then nb bucket starts (same order as KEYS 10..),
 *       then ni, then ni triples (bucket number 1..nb, field, by), then nd, then nd pairs (reason, count),
 *       then ns, then ns pairs (state key, value), then nx, then nx state keys to delete,
 *       then no, then no outbox entries (JSON), then ng, then ng pairs (gauge field, by).
 * Replies also 'lost' (the epoch is gone: E_STORE_STATE_LOST) and 'gap:<stored next offset>'.
 * Numbers travel as canonical decimal strings and are stored as the caller's string, never
 * re-formatted by Lua (whose tostring keeps only 14 digits).
 */
export const APPLY_BATCH_LUA = `
local MAX = 9007199254740991
local function int(s, min)
  if type(s) ~= 'string' or #s > 17 or not string.match(s, '^%-?%d+$') then return nil end
  local n = tonumber(s)
  if n == nil or n > MAX or n < -MAX or (min ~= nil and n < min) then return nil end
  return n
end
local function safe(n) return n == n and n <= MAX and n >= -MAX end
-- HMGET in chunks: unpack() of a long list would overflow Lua's C stack
local function hmget(key, fields)
  local out = {}
  for i = 1, #fields, 1000 do
    local part = redis.call('HMGET', key, unpack(fields, i, math.min(i + 999, #fields)))
    for j = 1, #part do out[i + j - 1] = part[j] end
  end
  return out
end
-- a value already stored must be one of ours: a safe integer (or absent)
local function stored_ok(v) return v == false or v == nil or int(v) ~= nil end

-- phase 1a: the arguments
local part = ARGV[1]
if type(part) ~= 'string' or part == '' then return 'invalid:partition key' end
local from = int(ARGV[2], 0)
local nxt = int(ARGV[3], 0)
if from == nil or nxt == nil or nxt < from then return 'invalid:offsets' end
local wm = nil
if ARGV[4] ~= '' then
  wm = int(ARGV[4], 0)
  if wm == nil then return 'invalid:watermark' end
end
local ttl = int(ARGV[5], 1)
if ttl == nil then return 'invalid:ttl' end
local epoch = ARGV[6]
if type(epoch) ~= 'string' or epoch == '' then return 'invalid:epoch' end
local accept_gap = ARGV[7] == '1'
local K0 = 10
local nb = int(ARGV[8], 0)
if nb == nil or #KEYS ~= K0 + nb then return 'invalid:bucket count' end
local starts = {}
for b = 1, nb do
  if int(ARGV[8 + b], 0) == nil then return 'invalid:bucket start' end
  starts[b] = ARGV[8 + b]
end
local at = 9 + nb
local ni = int(ARGV[at], 0)
if ni == nil or #ARGV < at + 3 * ni + 1 then return 'invalid:increment count' end
local sums, order = {}, {}
for b = 1, nb do sums[b] = {}; order[b] = {} end
for i = 0, ni - 1 do
  local b = int(ARGV[at + 1 + 3 * i], 1)
  local field = ARGV[at + 2 + 3 * i]
  local by = int(ARGV[at + 3 + 3 * i])
  if b == nil or b > nb then return 'invalid:bucket number' end
  if type(field) ~= 'string' or field == '' then return 'invalid:field' end
  if by == nil then return 'invalid:increment of ' .. field end
  if sums[b][field] == nil then sums[b][field] = 0; table.insert(order[b], field) end
  sums[b][field] = sums[b][field] + by
end
at = at + 3 * ni + 1
local nd = int(ARGV[at], 0)
if nd == nil or #ARGV < at + 2 * nd then return 'invalid:dropped count' end
local drops, dorder = {}, {}
for d = 0, nd - 1 do
  local reason, n = ARGV[at + 1 + 2 * d], int(ARGV[at + 2 + 2 * d])
  if type(reason) ~= 'string' or reason == '' or n == nil then return 'invalid:dropped' end
  if drops[reason] == nil then drops[reason] = 0; table.insert(dorder, reason) end
  drops[reason] = drops[reason] + n
end
at = at + 2 * nd + 1
local ns = int(ARGV[at], 0)
if ns == nil or #ARGV < at + 2 * ns then return 'invalid:state count' end
local sets_at = at
at = at + 2 * ns + 1
local nx = int(ARGV[at], 0)
if nx == nil or #ARGV < at + nx then return 'invalid:state delete count' end
local dels_at = at
at = at + nx + 1
local no = int(ARGV[at], 0)
if no == nil or #ARGV < at + no then return 'invalid:outbox count' end
local outbox_at = at
at = at + no + 1
local ng = int(ARGV[at], 0)
if ng == nil or #ARGV ~= at + 2 * ng then return 'invalid:gauge count' end
local gsums, gorder = {}, {}
for g = 0, ng - 1 do
  local field, by = ARGV[at + 1 + 2 * g], int(ARGV[at + 2 + 2 * g])
  if type(field) ~= 'string' or field == '' or by == nil then return 'invalid:gauge' end
  if gsums[field] == nil then gsums[field] = 0; table.insert(gorder, field) end
  gsums[field] = gsums[field] + by
end

-- phase 1b: the epoch and the offsets
if redis.call('HGET', KEYS[4], 'epoch') ~= epoch then return 'lost' end
local stored = redis.call('HGET', KEYS[1], part)
if stored then
  local n = tonumber(stored)
  if n >= nxt then return 'duplicate' end
  if n > from then return 'conflict:' .. stored end
  if n < from then
    if not accept_gap then return 'gap:' .. stored end
    local reason = 'E_STREAM_RECORDS_LOST'
    if drops[reason] == nil then drops[reason] = 0; table.insert(dorder, reason) end
    drops[reason] = drops[reason] + (from - n)
  end
end

-- phase 1c: every resulting counter must stay a safe integer, or nothing is written
for b = 1, nb do
  if #order[b] > 0 then
    local old = hmget(KEYS[K0 + b], order[b])
    for i, field in ipairs(order[b]) do
      local v = (tonumber(old[i]) or 0) + sums[b][field]
      if not stored_ok(old[i]) or not safe(v) then return 'invalid:counter ' .. field .. ' would leave the safe integer range' end
    end
  end
end
if #gorder > 0 then
  local old = hmget(KEYS[10], gorder)
  for i, field in ipairs(gorder) do
    if not stored_ok(old[i]) or not safe((tonumber(old[i]) or 0) + gsums[field]) then return 'invalid:counter ' .. field .. ' would leave the safe integer range' end
  end
end
if #dorder > 0 then
  local old = hmget(KEYS[3], dorder)
  for i, reason in ipairs(dorder) do
    if not stored_ok(old[i]) or not safe((tonumber(old[i]) or 0) + drops[reason]) then return 'invalid:counter ' .. reason .. ' would leave the safe integer range' end
  end
end

-- phase 2: write; nothing below can fail on valid input
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for b = 1, nb do
  for _, field in ipairs(order[b]) do
    redis.call('HINCRBY', KEYS[K0 + b], field, string.format('%d', sums[b][field]))
  end
  redis.call('PEXPIRE', KEYS[K0 + b], ttl)
  redis.call('ZADD', KEYS[5], starts[b], starts[b])
  redis.call('ZADD', KEYS[6], now, starts[b])
end
if nb > 0 then
  -- forget index entries whose bucket has expired (bounded work per batch)
  local gone = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now - ttl, 'LIMIT', 0, 256)
  if #gone > 0 then
    redis.call('ZREM', KEYS[5], unpack(gone))
    redis.call('ZREM', KEYS[6], unpack(gone))
  end
  redis.call('PEXPIRE', KEYS[5], ttl)
  redis.call('PEXPIRE', KEYS[6], ttl)
end
redis.call('HSET', KEYS[1], part, ARGV[3])
if wm ~= nil then
  local old = tonumber(redis.call('HGET', KEYS[2], part))
  if old == nil or wm > old then redis.call('HSET', KEYS[2], part, ARGV[4]) end
end
for _, reason in ipairs(dorder) do
  redis.call('HINCRBY', KEYS[3], reason, string.format('%d', drops[reason]))
end
for i = 0, ns - 1 do
  redis.call('HSET', KEYS[7], ARGV[sets_at + 1 + 2 * i], ARGV[sets_at + 2 + 2 * i])
end
for i = 1, nx do redis.call('HDEL', KEYS[7], ARGV[dels_at + i]) end
for i = 1, no do redis.call('RPUSH', KEYS[8], ARGV[outbox_at + i]) end
-- gauges (S21): a field that comes back to 0 is removed, so the hash holds only what is non-zero
for _, field in ipairs(gorder) do
  if gsums[field] ~= 0 then
    if redis.call('HINCRBY', KEYS[10], field, string.format('%d', gsums[field])) == 0 then redis.call('HDEL', KEYS[10], field) end
  end
end
local until_offset = tonumber(redis.call('HGET', KEYS[9], part))
if until_offset ~= nil and nxt >= until_offset then redis.call('HDEL', KEYS[9], part) end
redis.call('HSET', KEYS[4], 'updatedAt', string.format('%d', now))
return 'applied'
`;

/**
 * Removes outbox entries from the head up to and including the one whose id is ARGV[1] (KEYS[1]
 * the outbox list), looking at most ARGV[2] entries deep. Two relays acknowledging the same
 * entries remove them once: an id no longer in the list is a no-op. The list is read in chunks of
 * 128 from the head (the id is normally within the page the relay just read, so a long backlog is
 * not copied into Lua on every acknowledgement), and only an entry that contains the id as plain
 * text is decoded to compare its id field.
 */
export const ACK_OUTBOX_LUA = `
local id, depth = ARGV[1], tonumber(ARGV[2])
local CHUNK = 128
-- the plain-text filter only where the id reads the same inside JSON (no quote, backslash or control)
local plain = string.find(id, '[%c"\\\\]') == nil
for first = 0, depth - 1, CHUNK do
  local entries = redis.call('LRANGE', KEYS[1], first, math.min(first + CHUNK, depth) - 1)
  for j, raw in ipairs(entries) do
    if not plain or string.find(raw, id, 1, true) then
      local ok, entry = pcall(cjson.decode, raw)
      if ok and type(entry) == 'table' and entry.id == id then
        redis.call('LTRIM', KEYS[1], first + j, -1)
        return first + j
      end
    end
  end
  if #entries < CHUNK then return 0 end
end
return 0
`;

export interface EncodedBatch {
  keys: string[];
  args: string[];
}

/** Turns a batch into the script's KEYS and ARGV (see APPLY_BATCH_LUA). */
export function encodeBatch(prefix: string, batch: StageBatch, ttlMs: number): EncodedBatch {
  const k = groupKeys(prefix, batch.group);
  const bucketNo = new Map<number, number>();
  const starts: string[] = [];
  const triples: string[] = [];
  for (const inc of batch.increments) {
    let no = bucketNo.get(inc.bucket);
    if (no === undefined) {
      bucketNo.set(inc.bucket, (no = bucketNo.size + 1));
      starts.push(String(inc.bucket));
    }
    triples.push(String(no), inc.field, String(inc.by));
  }
  const drops = Object.entries(batch.dropped).flatMap(([reason, n]) => [reason, String(n)]);
  const sets = (batch.stateSet ?? []).flat();
  const dels = batch.stateDel ?? [];
  const gauges = (batch.gauges ?? []).flatMap((g) => [g.field, String(g.by)]);
  const outbox = (batch.outbox ?? []).map((r) =>
    JSON.stringify({ id: r.id, topic: r.topic, key: r.key, value: r.value }),
  );
  return {
    keys: [
      k.offsets,
      k.watermarks,
      k.dropped,
      k.meta,
      k.index,
      k.touched,
      stateKey(prefix, batch.group, batch.topic, batch.partition),
      k.outbox,
      k.rebuild,
      k.gauges,
      ...[...bucketNo.keys()].map((b) => bucketKey(prefix, batch.group, b)),
    ],
    args: [
      partitionKey(batch.topic, batch.partition),
      String(batch.fromOffset),
      String(batch.nextOffset),
      batch.watermark === null ? '' : String(batch.watermark),
      String(ttlMs),
      batch.epoch,
      batch.acceptGap ? '1' : '0',
      String(starts.length),
      ...starts,
      String(batch.increments.length),
      ...triples,
      String(drops.length / 2),
      ...drops,
      String(sets.length / 2),
      ...sets,
      String(dels.length),
      ...dels,
      String(outbox.length),
      ...outbox,
      String(gauges.length / 2),
      ...gauges,
    ],
  };
}
