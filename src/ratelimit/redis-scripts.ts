/**
 * The Lua scripts behind RedisLimiter: each decision is one script run, so every counter of a
 * request, and its reservation's record, is read and changed atomically (no other client's
 * command runs in between). Replies are strings: Redis truncates Lua numbers to integers,
 * and bucket tokens are fractional.
 *
 * The record (`{prefix}:r:<request id>`) is what makes a command safe to run late or twice.
 * A command aigw stopped waiting for is still on the socket and runs when Redis gets to it;
 * commands of one connection run in the order sent, so a release sent after its reserve runs
 * after it, and finds its record either way.
 */

/**
 * reserve. ARGV[1]: now (ms); ARGV[2]: the record's time to live in ms, or 0 for no record.
 * KEYS: the record (when ARGV[2] > 0), then the counters; then five ARGV per counter: kind
 * ("w" fixed window | "b" token bucket), limit (per window, or capacity), hits, shadow
 * ("1"/"0"), and for a window the ms its key expires in, for a bucket its refill per ms.
 * Takes hits from every counter if each non-shadow one has room, else from none; an id that
 * already has a record (reserved before, or released first) takes nothing.
 * Reply: [allowed "1"/"0" or the record's earlier state, room before the decision for each counter...].
 */
export const RESERVE_SCRIPT = `
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
local first = 1
local earlier = false
if ttl > 0 then
  first = 2
  earlier = redis.call('GET', KEYS[1])
end
local rooms = {}
local allowed = 1
for i = first, #KEYS do
  local b = 2 + (i - first) * 5
  local kind, limit, hits, shadow, p = ARGV[b + 1], tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), ARGV[b + 4], tonumber(ARGV[b + 5])
  local room
  if kind == 'w' then
    room = limit - tonumber(redis.call('GET', KEYS[i]) or '0')
  else
    local state = redis.call('HMGET', KEYS[i], 'v', 't')
    if state[1] then
      room = math.min(limit, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * p)
    else
      room = limit
    end
  end
  rooms[#rooms + 1] = room
  if shadow ~= '1' and room < hits then allowed = 0 end
end
local reply = { earlier or tostring(allowed) }
for i = first, #KEYS do
  local b = 2 + (i - first) * 5
  local kind, limit, hits, p = ARGV[b + 1], tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 5])
  local room = rooms[i - first + 1]
  if allowed == 1 and not earlier then
    if kind == 'w' then
      redis.call('INCRBY', KEYS[i], hits)
      redis.call('PEXPIRE', KEYS[i], p)
    else
      local left = room - hits
      redis.call('HSET', KEYS[i], 'v', tostring(left), 't', tostring(now))
      local life = 31536000000
      if p > 0 then life = math.ceil((limit - left) / p) + 1000 end
      redis.call('PEXPIRE', KEYS[i], life)
    end
  end
  reply[#reply + 1] = tostring(room)
end
if allowed == 1 and ttl > 0 and not earlier then redis.call('SET', KEYS[1], 'taken', 'PX', ttl) end
return reply
`;

/**
 * settle. KEYS[1]: the reservation's record, then the counters. ARGV[1]: now (ms); ARGV[2]:
 * mode (settle | release | charge, see SettleMode in limiter.ts); ARGV[3]: the record's time
 * to live in ms (for a tombstone or a settled mark); then five per counter: kind, limit
 * (capacity, for buckets), reserved, used, and for a window its key's time to live in ms,
 * for a bucket its refill per ms. A counter changes by used - reserved when the record says
 * the reserve took its hits, by used when it never did (charge). A window never goes below 0;
 * a bucket never above its capacity (it may go below 0: a debt later requests wait out).
 * Reply: "applied", "absent" or "tombstone".
 */
export const SETTLE_SCRIPT = `
local now, mode, ttl = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local state = redis.call('GET', KEYS[1])
local taken = state == 'taken'
if mode == 'settle' and not taken then return 'absent' end
if mode == 'release' then
  if not state then
    redis.call('SET', KEYS[1], 'released', 'PX', ttl)
    return 'tombstone'
  end
  if not taken then return 'absent' end
end
if mode == 'charge' then
  if state == 'settled' then return 'absent' end
  -- Marked, not deleted: a retry, a late reserve or a late release must find it.
  redis.call('SET', KEYS[1], 'settled', 'PX', ttl)
else
  redis.call('DEL', KEYS[1])
end
for i = 2, #KEYS do
  local b = 3 + (i - 2) * 5
  local kind, limit, reserved, used, p = ARGV[b + 1], tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4]), tonumber(ARGV[b + 5])
  local delta = used
  if taken then delta = used - reserved end
  if delta ~= 0 then
    if kind == 'w' then
      local value = redis.call('INCRBY', KEYS[i], delta)
      if value < 0 then redis.call('SET', KEYS[i], '0', 'KEEPTTL') end
      if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], p) end
    else
      local bucket = redis.call('HMGET', KEYS[i], 'v', 't')
      local tokens = limit
      if bucket[1] then tokens = math.min(limit, tonumber(bucket[1]) + math.max(0, now - tonumber(bucket[2])) * p) end
      local left = math.min(limit, tokens - delta)
      redis.call('HSET', KEYS[i], 'v', tostring(left), 't', tostring(now))
      local life = 31536000000
      if p > 0 then life = math.ceil((limit - left) / p) + 1000 end
      redis.call('PEXPIRE', KEYS[i], life)
    end
  end
end
return 'applied'
`;
