-- receipt: apply one delivery receipt to one part, and derive the message state from all parts:
-- confirmed when every part is DELIVRD, error as soon as one part fails. A repeat changes nothing.
-- KEYS[1] message record ; KEYS[2] events stream ; KEYS[3] operator's receipt-deadline set
-- ARGV[1] part index ; ARGV[2] stat (DELIVRD, UNDELIV, ...) ; ARGV[3] err code ("" = none)
-- ARGV[4] now in ms ; ARGV[5] events MAXLEN
-- ARGV[6] "final" when the stat is final, "interim" for ENROUTE/ACCEPTD ; ARGV[7] key prefix
-- Returns {result ("applied"|"duplicate"|"missing"), state after}.
local state = redis.call("HGET", KEYS[1], "state")
if not state then return {"missing", ""} end
local field = "p" .. ARGV[1] .. ".stat"
local previous = redis.call("HGET", KEYS[1], field)
if previous and previous ~= "ENROUTE" and previous ~= "ACCEPTD" then return {"duplicate", state} end
redis.call("HSET", KEYS[1], field, ARGV[2], "p" .. ARGV[1] .. ".err", ARGV[3], "p" .. ARGV[1] .. ".doneAt", ARGV[4])
if ARGV[6] ~= "final" then return {"applied", state} end
local ctx = {prefix = ARGV[7], now = tonumber(ARGV[4]), maxlen = tonumber(ARGV[5]), deadlineMs = 0, deadlineKey = KEYS[3]}
if ARGV[2] == "DELIVRD" then
  local confirmed = redis.call("HINCRBY", KEYS[1], "confirmedParts", 1)
  local total = tonumber(redis.call("HGET", KEYS[1], "segments") or "0")
  -- Before every part is accepted the message is still `sending`: part-accepted confirms it then.
  if confirmed >= total and state == "delivered" then
    set_state(KEYS[1], KEYS[2], ctx, state, "confirmed", nil, "")
    state = "confirmed"
  end
elseif not FINAL[state] then
  local message = "receipt for part " .. ARGV[1] .. ": " .. ARGV[2]
  if ARGV[3] ~= "" then message = message .. " err " .. ARGV[3] end
  set_state(KEYS[1], KEYS[2], ctx, state, "error", {stage = "receipt", code = ARGV[2], message = message}, "")
  state = "error"
end
return {"applied", state}
