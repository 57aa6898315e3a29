-- mo-expire: a reassembly whose deadline passed moves, with the parts that arrived, to the inbox stream,
-- flagged incomplete. Several instances may sweep at once: only the first to run this for a member gets it.
-- KEYS[1] pending sorted set (moPending)   KEYS[2] parts hash (moParts; its member in KEYS[1])
-- KEYS[3] inbox stream (moInbox)
-- ARGV[1] now, ms
-- Returns the inbox entry id, or false when the reassembly is not due or was completed or taken meanwhile.
local score = redis.call("ZSCORE", KEYS[1], KEYS[2])
if not score or tonumber(score) > tonumber(ARGV[1]) then return false end
redis.call("ZREM", KEYS[1], KEYS[2])
if redis.call("EXISTS", KEYS[2]) == 0 then return false end

return (move_to_inbox(KEYS[2], KEYS[3], true))
