-- move-due: move scheduled members whose time has come into their lane's stream, atomically, so a
-- message is never both scheduled and queued, nor neither.
-- KEYS[1] scheduled set (members "<t|m>|<message ref>", score = due ms)
-- KEYS[2] transactional stream ; KEYS[3] marketing stream
-- ARGV[1] maximum members to move
-- Returns the number moved.
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", now, "LIMIT", 0, tonumber(ARGV[1]))
for _, member in ipairs(due) do
  local stream = KEYS[3]
  if string.sub(member, 1, 1) == "t" then stream = KEYS[2] end
  redis.call("XADD", stream, "*", "r", string.sub(member, 3))
end
if #due > 0 then redis.call("ZREM", KEYS[1], unpack(due)) end
return #due
