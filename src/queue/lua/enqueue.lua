-- enqueue: write a new message record and queue it, atomically, answering only once Redis has both.
-- KEYS[1] message record (hash)
-- KEYS[2] target: the operator stream (XADD) or the operator's scheduled set (ZADD)
-- KEYS[3] clientRef idempotency key (ignored when ARGV[4] is "0")
-- KEYS[4] events stream
-- ARGV[1] message id
-- ARGV[2] target kind: "stream", "scheduled", or "none" (refused by policy: recorded, never queued)
-- ARGV[3] due time in ms (scheduled only) ; ARGV[4] clientRef TTL in seconds, "0" = no clientRef
-- ARGV[5] now in ms ; ARGV[6] record retention in seconds ; ARGV[7] events MAXLEN
-- ARGV[8] lane ; ARGV[9] initial state ("queued", "scheduled" or "error") ; ARGV[10] key prefix
-- ARGV[11] error code when the initial state is "error" (stage policy) ; ARGV[12] its message
-- ARGV[13..] field, value pairs of the record
-- Returns {"ok", id} or {"duplicate", firstId}.
local id = ARGV[1]
if ARGV[4] ~= "0" then
  local first = redis.call("GET", KEYS[3])
  if first then return {"duplicate", first} end
  redis.call("SET", KEYS[3], id, "EX", tonumber(ARGV[4]))
end
local fields = {}
for i = 13, #ARGV do fields[#fields + 1] = ARGV[i] end
local state = ARGV[9]
local now = tonumber(ARGV[5])
local entry = {state = state, at = now}
if state == "error" then entry.code = ARGV[11] end
redis.call("HSET", KEYS[1], "state", state, "history", cjson.encode({entry}), "createdAt", ARGV[5], "updatedAt", ARGV[5], unpack(fields))
redis.call("EXPIRE", KEYS[1], tonumber(ARGV[6]))
local ctx = {prefix = ARGV[10], now = now, maxlen = tonumber(ARGV[7]), deadlineMs = 0, deadlineKey = ""}
figures(KEYS[1], ctx, "total", 1)
local event = event_head(KEYS[1], state, ARGV[5])
if state == "error" then
  redis.call("HSET", KEYS[1], "errorStage", "policy", "errorCode", ARGV[11], "errorMessage", ARGV[12])
  figures(KEYS[1], ctx, "productionErrors", 1)
  figures(KEYS[1], ctx, "error:" .. ARGV[11], 1)
  event[#event + 1] = "errorStage"; event[#event + 1] = "policy"
  event[#event + 1] = "errorCode"; event[#event + 1] = ARGV[11]
elseif ARGV[2] == "stream" then
  redis.call("XADD", KEYS[2], "*", "id", id)
else
  redis.call("ZADD", KEYS[2], tonumber(ARGV[3]), ARGV[8] .. "|" .. id)
end
redis.call("XADD", KEYS[4], "MAXLEN", "~", tonumber(ARGV[7]), "*", unpack(event))
return {"ok", id}
