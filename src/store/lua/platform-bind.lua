-- platform-bind: an account's SMPP binds across every daemon instance (accounts[].smpp.maxBinds). Each bind
-- is a member with a lease: the instance that granted it refreshes it, so a dead instance's binds lapse.
-- The server clock (TIME) is used so instances with skewed clocks agree on what has lapsed.
-- KEYS[1] the account's binds (sorted set, member = session id, score = lease expiry ms)
-- ARGV[1] action: "acquire" | "refresh" | "release" ; ARGV[2] lease ms ; ARGV[3] max binds (acquire)
-- ARGV[4..] session ids (acquire: one)
-- Returns, acquire: 1 granted, 0 all taken; refresh: the session ids no longer held; release: 1.
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local action = ARGV[1]
if action == "release" then
  for i = 4, #ARGV do redis.call("ZREM", KEYS[1], ARGV[i]) end
  return 1
end
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
if action == "acquire" then
  local session = ARGV[4]
  if not redis.call("ZSCORE", KEYS[1], session) and redis.call("ZCARD", KEYS[1]) >= tonumber(ARGV[3]) then
    return 0
  end
  redis.call("ZADD", KEYS[1], now + ttl, session)
  redis.call("PEXPIRE", KEYS[1], ttl)
  return 1
end
local lost = {}
for i = 4, #ARGV do
  if redis.call("ZSCORE", KEYS[1], ARGV[i]) then
    redis.call("ZADD", KEYS[1], now + ttl, ARGV[i])
  else
    lost[#lost + 1] = ARGV[i]
  end
end
if redis.call("EXISTS", KEYS[1]) == 1 then redis.call("PEXPIRE", KEYS[1], ttl) end
return lost
