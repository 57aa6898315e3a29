-- platform-outbox-settle: the fate of one item handed out by platform-outbox-next. "done" (the platform
-- acknowledged it) and "drop" (given up) remove it; "retry" counts one attempt and offers it again later.
-- KEYS[1] items hash ; KEYS[2] due set ; KEYS[3] leased set
-- ARGV[1] action: "done" | "drop" | "retry" ; ARGV[2] seq ; ARGV[3] now ms ; ARGV[4] retry delay ms
-- Returns 1 when the item was there, 0 otherwise (it expired, or another call settled it).
local seq = ARGV[2]
if redis.call("HEXISTS", KEYS[1], seq) == 0 then
  redis.call("ZREM", KEYS[3], seq)
  redis.call("ZREM", KEYS[2], seq)
  return 0
end
redis.call("ZREM", KEYS[3], seq)
if ARGV[1] == "retry" then
  redis.call("HINCRBY", KEYS[1], "a:" .. seq, 1)
  redis.call("ZADD", KEYS[2], tonumber(ARGV[3]) + tonumber(ARGV[4]), seq)
else
  redis.call("ZREM", KEYS[2], seq)
  redis.call("HDEL", KEYS[1], seq, "t:" .. seq, "a:" .. seq)
end
return 1
