-- trim: delete the entries of a queue stream that the consumer group has delivered and every consumer has
-- acknowledged. The scripts acknowledge without deleting (XDEL per message was the costliest command of
-- the hot path); this removes them in bulk, keeping every entry still pending or not yet read.
-- KEYS[1] queue stream
-- ARGV[1] consumer group
-- Returns the number of entries deleted.
if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
local last = nil
for _, group in ipairs(redis.call("XINFO", "GROUPS", KEYS[1])) do
  local name, delivered = nil, nil
  for i = 1, #group, 2 do
    if group[i] == "name" then name = group[i + 1] end
    if group[i] == "last-delivered-id" then delivered = group[i + 1] end
  end
  if name == ARGV[1] then last = delivered end
end
if not last or last == "0-0" then return 0 end
-- The first entry to keep: the oldest still pending, else the one after the last delivered.
local minid
local pending = redis.call("XPENDING", KEYS[1], ARGV[1])
if tonumber(pending[1]) > 0 then
  minid = pending[2]
else
  local ms, seq = string.match(last, "^(%d+)-(%d+)$")
  minid = ms .. "-" .. (tonumber(seq) + 1)
end
return redis.call("XTRIM", KEYS[1], "MINID", minid)
