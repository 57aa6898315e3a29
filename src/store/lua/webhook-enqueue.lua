-- webhook-enqueue: queue one webhook delivery, due now, unless a delivery with the same id is pending
-- (a caller that retries its own work passes a stable id, so the receiver is not called twice for it).
-- KEYS[1] delivery hash (webhookDelivery)   KEYS[2] due sorted set (webhookQueue)
-- ARGV[1] delivery id   ARGV[2] now, ms   ARGV[3] TTL of the hash in s (a safety net)
-- ARGV[4..] the delivery's fields as name, value pairs
-- Returns 1 when queued, 0 when a delivery with this id was already pending.
if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call("HSET", KEYS[1], unpack(fields))
redis.call("EXPIRE", KEYS[1], ARGV[3])
redis.call("ZADD", KEYS[2], ARGV[2], ARGV[1])
return 1
