-- frequency-count: on a Redis Cluster, where the recipient's set sits on another slot than the message,
-- the frequency cap is counted here, after the claim, as take.lua counts it on one server: the message
-- is counted unless the set already holds the cap within the window (this message not among them: a
-- retry counts once). Atomic per recipient, so instances sending concurrently never pass it.
-- KEYS[1] the recipient's frequency set (member message id, score submission ms)
-- ARGV[1] now ms ; ARGV[2] the cap's rolling window ms ; ARGV[3] the cap ; ARGV[4] the message id
-- Returns 1 counted, 0 capped.
local now, window, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now - window)
if redis.call("ZSCORE", KEYS[1], ARGV[4]) or redis.call("ZCARD", KEYS[1]) < cap then
  redis.call("ZADD", KEYS[1], now, ARGV[4])
  redis.call("PEXPIRE", KEYS[1], window)
  return 1
end
return 0
