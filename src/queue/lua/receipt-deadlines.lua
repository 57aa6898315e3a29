-- receipt-deadlines: settle delivered messages whose receipt did not come in time as final
-- "delivered, unconfirmed". Safe on several instances: each id is removed by the one that settles it.
-- KEYS[1] operator's receipt-deadline set ; KEYS[2] events stream
-- ARGV[1] maximum to settle ; ARGV[2] events MAXLEN ; ARGV[3] key prefix ; ARGV[4] record key prefix ("<prefix>:msg:")
-- Returns the number settled.
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", now, "LIMIT", 0, tonumber(ARGV[1]))
local settled = 0
for _, id in ipairs(due) do
  redis.call("ZREM", KEYS[1], id)
  local msg = ARGV[4] .. id
  if redis.call("HGET", msg, "state") == "delivered" then
    set_state(msg, KEYS[2], {prefix = ARGV[3], now = now, maxlen = tonumber(ARGV[2]), deadlineMs = 0, deadlineKey = ""},
      "delivered", "delivered", nil, "unconfirmed")
    settled = settled + 1
  end
end
return settled
