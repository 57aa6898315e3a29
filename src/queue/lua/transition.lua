-- transition: move a message to a new state if the state machine allows it; record and publish it.
-- KEYS[1] message record ; KEYS[2] events stream ; KEYS[3] operator's receipt-deadline set
-- ARGV[1] new state ; ARGV[2] now in ms ; ARGV[3] events MAXLEN
-- ARGV[4] error stage ("" = none) ; ARGV[5] error code ; ARGV[6] error message
-- ARGV[7] detail ("" = none; "unconfirmed" makes `delivered` final) ; ARGV[8] key prefix
-- Returns {changed (1|0), previous state}. A missing record returns {0, ""}.
local allowed = {
  queued = {scheduled = true, sending = true, error = true, cancelled = true},
  scheduled = {queued = true, sending = true, error = true, cancelled = true, scheduled = true},
  sending = {queued = true, scheduled = true, error = true},
  delivered = {error = true, delivered = true},
}
local current = redis.call("HGET", KEYS[1], "state")
if not current then return {0, ""} end
local to = ARGV[1]
local moves = allowed[current]
if not moves or not moves[to] then return {0, current} end
-- Re-entering a state records nothing, except `delivered` becoming final (its receipt never came) and a
-- new retry being scheduled.
if current == to and not ((to == "delivered" and ARGV[7] == "unconfirmed" and redis.call("HGET", KEYS[1], "detail") ~= "unconfirmed") or to == "scheduled") then
  return {0, current}
end
local err = nil
if ARGV[4] ~= "" then err = {stage = ARGV[4], code = ARGV[5], message = ARGV[6]} end
set_state(KEYS[1], KEYS[2], {prefix = ARGV[8], now = tonumber(ARGV[2]), maxlen = tonumber(ARGV[3]), deadlineMs = 0, deadlineKey = KEYS[3]},
  current, to, err, ARGV[7])
return {1, current}
