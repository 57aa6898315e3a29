-- event-relay: copy a shard's events of one account to the account's own stream (SPEC §4), on a Redis
-- Cluster where the message scripts write them beside the messages, on the shard's slot. Exactly once:
-- the cursor beside the account's stream (same slot) keeps, per shard, the last shard entry copied, so a
-- relay repeated after a crash (entries copied, not yet deleted from the shard) skips what it copied.
-- KEYS[1] the account's event stream ; KEYS[2] the relay cursor (hash: shard field -> last entry id)
-- ARGV[1] the shard's field ; ARGV[2] events MAXLEN ; then per entry: its shard stream id, its field
--   count n, n strings (field, value, ...), in the shard stream's order
-- Returns the number of entries copied.
local function newer(a, b)
  if not b then return true end
  local am, as = string.match(a, "^(%d+)-(%d+)$")
  local bm, bs = string.match(b, "^(%d+)-(%d+)$")
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
local last = redis.call("HGET", KEYS[2], ARGV[1])
if last == false then last = nil end
local maxlen = ARGV[2]
local copied = 0
local i = 3
while i <= #ARGV do
  local id, n = ARGV[i], tonumber(ARGV[i + 1])
  if newer(id, last) then
    local fields = {}
    for j = 1, n do fields[j] = ARGV[i + 1 + j] end
    redis.call("XADD", KEYS[1], "MAXLEN", "~", maxlen, "*", unpack(fields))
    last = id
    copied = copied + 1
  end
  i = i + 2 + n
end
if copied > 0 then redis.call("HSET", KEYS[2], ARGV[1], last) end
return copied
