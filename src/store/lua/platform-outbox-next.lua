-- platform-outbox-next: hand the next items due to an account's platforms to one caller, in order, each
-- leased so no other instance sends it meanwhile. Leases that lapsed (the caller died) put their items back
-- in their place; items older than the TTL are dropped (and counted by the caller).
-- KEYS[1] items hash ; KEYS[2] due set ; KEYS[3] leased set
-- ARGV[1] now ms ; ARGV[2] most items ; ARGV[3] lease ms ; ARGV[4] item TTL ms
-- Returns {expired count, then per item 3 values: seq, attempts, JSON}.
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local lapsed = redis.call("ZRANGEBYSCORE", KEYS[3], "-inf", now, "LIMIT", 0, 1000)
for _, seq in ipairs(lapsed) do
  redis.call("ZREM", KEYS[3], seq)
  redis.call("ZADD", KEYS[2], tonumber(redis.call("HGET", KEYS[1], "t:" .. seq) or now), seq)
end
local out = {0}
local expired = 0
local taken = 0
-- Expired items are removed as they are met, at most 1000 per call (the rest next time).
while taken < max and expired < 1000 do
  local due = redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", now, "LIMIT", 0, max - taken)
  if #due == 0 then break end
  for _, seq in ipairs(due) do
    local f = redis.call("HMGET", KEYS[1], seq, "t:" .. seq, "a:" .. seq)
    redis.call("ZREM", KEYS[2], seq)
    if not f[1] or now - tonumber(f[2] or 0) > ttl then
      redis.call("HDEL", KEYS[1], seq, "t:" .. seq, "a:" .. seq)
      expired = expired + 1
    else
      redis.call("ZADD", KEYS[3], now + lease, seq)
      out[#out + 1] = seq
      out[#out + 1] = f[3] or "0"
      out[#out + 1] = f[1]
      taken = taken + 1
    end
  end
end
out[1] = expired
return out
