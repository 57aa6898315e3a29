-- part-accepted: record a submit_sm_resp with status 0 for one part, index its SMSC id for receipts,
-- and move the message to "delivered" when every part is accepted (then "confirmed" at once if every
-- part's receipt already came).
-- KEYS[1] message record ; KEYS[2] events stream ; KEYS[3] operator's receipt-deadline set
-- KEYS[4..] SMSC id index keys (normalised forms)
-- ARGV[1] part index (1-based) ; ARGV[2] SMSC message id as received ; ARGV[3] now in ms
-- ARGV[4] index value "<messageId>:<part>" ; ARGV[5] index TTL in seconds ; ARGV[6] events MAXLEN
-- ARGV[7] receipt timeout in ms ("0" when the operator sends no receipts: `delivered` is final)
-- ARGV[8] key prefix
-- Returns {accepted parts, total parts, state after, 1 when this call settled the message else 0}.
local part = ARGV[1]
local total = tonumber(redis.call("HGET", KEYS[1], "segments") or "0")
if total == 0 then return {0, 0, "", 0} end
for i = 4, #KEYS do redis.call("SET", KEYS[i], ARGV[4], "EX", tonumber(ARGV[5])) end
local state = redis.call("HGET", KEYS[1], "state")
if redis.call("HGET", KEYS[1], "p" .. part .. ".id") then
  -- A part resubmitted after a lost response answers twice: the first id stays, the second is indexed too.
  return {tonumber(redis.call("HGET", KEYS[1], "accepted") or "0"), total, state, 0}
end
redis.call("HSET", KEYS[1], "p" .. part .. ".id", ARGV[2], "p" .. part .. ".at", ARGV[3])
local accepted = redis.call("HINCRBY", KEYS[1], "accepted", 1)
local settled = 0
if accepted >= total and (state == "sending" or state == "queued" or state == "scheduled") then
  local ctx = {prefix = ARGV[8], now = tonumber(ARGV[3]), maxlen = tonumber(ARGV[6]),
    deadlineMs = tonumber(ARGV[7]), deadlineKey = KEYS[3]}
  local detail = ""
  if ARGV[7] == "0" then detail = "final" end
  set_state(KEYS[1], KEYS[2], ctx, state, "delivered", nil, detail)
  state = "delivered"
  settled = 1
  local confirmed = tonumber(redis.call("HGET", KEYS[1], "confirmedParts") or "0")
  if confirmed >= total then
    set_state(KEYS[1], KEYS[2], ctx, "delivered", "confirmed", nil, "")
    state = "confirmed"
  end
end
return {accepted, total, state, settled}
