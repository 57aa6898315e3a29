-- credit-reserve: on a Redis Cluster, where the balance sits on another slot than the messages, charge a
-- batch of an account's new messages before they are written, in the batch's order, each recorded as
-- held (by message id) until the caller says it was written (credit-release "commit") or not ("release").
-- A hold left by a crash between the two is found by MessageStore.sweepCreditHolds.
-- KEYS[1] the account's credit balance ; KEYS[2] its low-balance flag ; KEYS[3] its holds (hash)
-- ARGV[1] the configured credit (the balance when the key is absent) ; ARGV[2] the low-balance threshold
--   ("" = none) ; ARGV[3] now ms ; then per message: its id, the segments to charge
-- Returns per message "ok:<balance>:<1 when the low-balance alert fires, else 0>" or "credit:<balance>".
local balance = tonumber(redis.call("GET", KEYS[1])) or tonumber(ARGV[1]) or 0
local threshold = tonumber(ARGV[2])
local out = {}
for i = 4, #ARGV, 2 do
  local need = tonumber(ARGV[i + 1])
  if balance < need then
    out[#out + 1] = "credit:" .. balance
  else
    balance = balance - need
    redis.call("HSET", KEYS[3], ARGV[i], need .. "|" .. ARGV[3])
    local fired = 0
    if threshold and balance < threshold and redis.call("SET", KEYS[2], "1", "NX") then fired = 1 end
    out[#out + 1] = "ok:" .. balance .. ":" .. fired
  end
end
redis.call("SET", KEYS[1], balance)
return out
