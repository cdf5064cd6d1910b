/**
 * The Lua scripts behind RedisLimiter: each decision is one script run, so every counter of a
 * request is read and changed atomically (no other client's command runs in between).
 * Replies are strings: Redis truncates Lua numbers to integers, and bucket tokens are fractional.
 */

/**
 * reserve. KEYS: the counters. ARGV[1]: now (ms); then five per counter: kind ("w" fixed
 * window | "b" token bucket), limit (per window, or capacity), hits, shadow ("1"/"0"), and
 * for a window the ms its key expires at, for a bucket its refill per ms.
 * Takes hits from every counter if each non-shadow one has room, else from none.
 * Reply: [allowed "1"/"0", room before the decision for each counter...].
 */
export const RESERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local rooms = {}
local allowed = 1
for i = 1, #KEYS do
  local b = 1 + (i - 1) * 5
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
  rooms[i] = room
  if shadow ~= '1' and room < hits then allowed = 0 end
end
local reply = { tostring(allowed) }
for i = 1, #KEYS do
  local b = 1 + (i - 1) * 5
  local kind, limit, hits, p = ARGV[b + 1], tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 5])
  if allowed == 1 then
    if kind == 'w' then
      redis.call('INCRBY', KEYS[i], hits)
      redis.call('PEXPIRE', KEYS[i], p)
    else
      local left = rooms[i] - hits
      redis.call('HSET', KEYS[i], 'v', tostring(left), 't', tostring(now))
      local ttl = 31536000000
      if p > 0 then ttl = math.ceil((limit - left) / p) + 1000 end
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
  end
  reply[#reply + 1] = tostring(rooms[i])
end
return reply
`;

/**
 * adjust. KEYS: the counters. ARGV[1]: now (ms); then four per counter: kind, limit
 * (capacity, for buckets), delta (positive charges, negative refunds), and for a window its
 * key's time to live in ms, for a bucket its refill per ms. A window never goes below 0; a
 * bucket never above its capacity (it may go below 0: a debt later requests wait out).
 */
export const ADJUST_SCRIPT = `
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local b = 1 + (i - 1) * 4
  local kind, limit, delta, p = ARGV[b + 1], tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])
  if kind == 'w' then
    local value = redis.call('INCRBY', KEYS[i], delta)
    if value < 0 then redis.call('SET', KEYS[i], '0', 'KEEPTTL') end
    if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], p) end
  else
    local state = redis.call('HMGET', KEYS[i], 'v', 't')
    local tokens = limit
    if state[1] then tokens = math.min(limit, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * p) end
    local left = math.min(limit, tokens - delta)
    redis.call('HSET', KEYS[i], 'v', tostring(left), 't', tostring(now))
    local ttl = 31536000000
    if p > 0 then ttl = math.ceil((limit - left) / p) + 1000 end
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
return 'OK'
`;
