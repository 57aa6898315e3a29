-- platform-outbox-add: items (receipts, MO) due to an account's platforms, in order, bounded. An item whose
-- origin (a message's final state, an MO id) the outbox was given within the seen window is a double (its
-- event was read twice: a crash between this call and the event's acknowledgement) and is not added again.
-- Past maxItems, the oldest waiting items are dropped (and counted by the caller). Every key gets the item
-- TTL again, so an outbox nobody binds to for that long disappears with everything in it.
-- KEYS[1] items hash ; KEYS[2] due set ; KEYS[3] leased set ; KEYS[4] seq counter ; KEYS[5] seen set
-- ARGV[1] now ms ; ARGV[2] max items ; ARGV[3] item TTL ms ; ARGV[4] seen window ms
-- ARGV[5..] per item 2 values: origin, item JSON
-- Returns {added, doubles, dropped for room}.
local now = tonumber(ARGV[1])
local maxItems = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
redis.call("ZREMRANGEBYSCORE", KEYS[5], "-inf", now - tonumber(ARGV[4]))
local added, doubles, dropped = 0, 0, 0
for i = 5, #ARGV, 2 do
  if redis.call("ZSCORE", KEYS[5], ARGV[i]) then
    doubles = doubles + 1
  else
    redis.call("ZADD", KEYS[5], now, ARGV[i])
    -- Zero-padded, so members of one score sort by sequence too.
    local seq = string.format("%015d", redis.call("INCR", KEYS[4]))
    redis.call("HSET", KEYS[1], seq, ARGV[i + 1], "t:" .. seq, now, "a:" .. seq, 0)
    redis.call("ZADD", KEYS[2], now, seq)
    added = added + 1
  end
end
while redis.call("ZCARD", KEYS[2]) + redis.call("ZCARD", KEYS[3]) > maxItems do
  local oldest = redis.call("ZPOPMIN", KEYS[2])
  if #oldest == 0 then break end
  redis.call("HDEL", KEYS[1], oldest[1], "t:" .. oldest[1], "a:" .. oldest[1])
  dropped = dropped + 1
end
for k = 1, 5 do
  if redis.call("EXISTS", KEYS[k]) == 1 then redis.call("PEXPIRE", KEYS[k], ttl) end
end
return {added, doubles, dropped}
