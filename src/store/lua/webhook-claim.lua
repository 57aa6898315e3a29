-- webhook-claim: take up to N due deliveries by pushing their due time one lease ahead, so no other
-- instance takes them while this one posts; if this one dies, they fall due again when the lease ends.
-- KEYS[1] due sorted set (webhookQueue)
-- ARGV[1] now, ms   ARGV[2] lease, ms   ARGV[3] most deliveries to take
-- Returns the delivery ids taken.
local ids = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "LIMIT", 0, tonumber(ARGV[3]))
local until_ms = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, id in ipairs(ids) do redis.call("ZADD", KEYS[1], "XX", until_ms, id) end
return ids
