-- move-due: move scheduled entries whose time has come into their lane's stream, atomically, so a
-- message is never both scheduled and queued, nor neither.
-- KEYS[1] scheduled set (members "<lane>|<messageId>", score = due ms)
-- KEYS[2] transactional stream ; KEYS[3] marketing stream
-- ARGV[1] maximum entries to move
-- Returns the number moved.
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", now, "LIMIT", 0, tonumber(ARGV[1]))
for _, member in ipairs(due) do
  local sep = string.find(member, "|", 1, true)
  local lane = string.sub(member, 1, sep - 1)
  local id = string.sub(member, sep + 1)
  local stream = KEYS[3]
  if lane == "transactional" then stream = KEYS[2] end
  redis.call("XADD", stream, "*", "id", id)
  redis.call("ZREM", KEYS[1], member)
end
return #due
