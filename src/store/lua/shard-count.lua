-- shard-count: keep the largest shard count ever configured on this Redis (the count only grows: a message
-- id names its shard, so fewer shards would strand the messages on the others), atomically across daemons.
-- KEYS[1] the shard count (string, integer)
-- ARGV[1] the count this daemon is configured with
-- Returns the count to use: the larger of the two.
local configured = tonumber(ARGV[1])
local before = tonumber(redis.call("GET", KEYS[1]) or "0")
if configured > before then
  redis.call("SET", KEYS[1], tostring(configured))
  return configured
end
return before
