-- credit-add: top an account's credit balance up (or down, with a negative amount, never under zero), and
-- re-arm its low-balance alert when the balance is back at or over the threshold.
-- KEYS[1] the account's credit balance ; KEYS[2] its low-balance flag
-- ARGV[1] amount (segments) ; ARGV[2] the configured credit (the balance when the key is absent) ;
--   ARGV[3] low-balance threshold ("" = none)
-- Returns {balance after, 1 when the alert was re-armed else 0}.
local balance = tonumber(redis.call("GET", KEYS[1])) or tonumber(ARGV[2]) or 0
balance = math.max(0, balance + tonumber(ARGV[1]))
redis.call("SET", KEYS[1], balance)
local rearmed = 0
if ARGV[3] ~= "" and balance >= tonumber(ARGV[3]) then rearmed = redis.call("DEL", KEYS[2]) end
return {balance, rearmed}
