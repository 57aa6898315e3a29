-- platform-parts-expired: hand gatherings whose first part is too old to one caller. Several instances sweep
-- at once: a gathering taken here gets a new score (the caller's now), so no other sweep takes it for one
-- more part timeout; if the caller dies before finishing it, it is handed out again then.
-- KEYS[1] the account's pending set ; KEYS[2..] gathering hashes (members of KEYS[1] the caller read)
-- ARGV[1] first part before (ms, exclusive) ; ARGV[2] the new score of a gathering taken (now, ms)
-- Returns per gathering taken 9 values: id, total, received, registered_delivery, account, from, to, via,
-- reference.
local out = {}
for i = 2, #KEYS do
  local score = redis.call("ZSCORE", KEYS[1], KEYS[i])
  if score and tonumber(score) < tonumber(ARGV[1]) then
    local f = redis.call("HMGET", KEYS[i], "id", "total", "received", "rd", "account", "from", "to", "via", "ref")
    if not f[1] then
      -- Its hash expired (the safety net): nothing left to abandon.
      redis.call("ZREM", KEYS[1], KEYS[i])
    else
      redis.call("ZADD", KEYS[1], "XX", tonumber(ARGV[2]), KEYS[i])
      for j = 1, 9 do out[#out + 1] = f[j] end
    end
  end
end
return out
