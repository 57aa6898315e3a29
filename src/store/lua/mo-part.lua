-- mo-part: store one part of a concatenated MO. When the last missing part arrives, the whole message moves
-- to the inbox stream in the same script, so a restart between parts (or between storing and routing) loses
-- nothing, and parts may arrive in any order.
-- KEYS[1] parts hash (moParts)        KEYS[2] pending sorted set (moPending, member = KEYS[1])
-- KEYS[3] done hash (moDone)          KEYS[4] inbox stream (moInbox)
-- ARGV[1] part number (1-based)       ARGV[2] total parts announced by this part
-- ARGV[3] the part, JSON              ARGV[4] digest of the part's octets
-- ARGV[5] deadline in ms (first part + reassembly timeout)
-- ARGV[6] TTL of the parts hash in s (a safety net only: the sweeper acts at the deadline)
-- ARGV[7] TTL of the done hash in s
-- ARGV[8..] the message's fields as name, value pairs (op, from, ton, to, at, ref), kept from the first part
-- Returns {"duplicate"} | {"stored", received, total} | {"complete", inbox entry id}
local seq = ARGV[1]
-- An SMSC resends a part when our deliver_sm_resp was lost: the same octets again are not a new part.
if redis.call("HGET", KEYS[3], seq) == ARGV[4] then return {"duplicate"} end
if redis.call("HSETNX", KEYS[1], "p:" .. seq, ARGV[3]) == 0 then return {"duplicate"} end
redis.call("HSET", KEYS[1], "d:" .. seq, ARGV[4])
-- The first part to arrive fixes the message's fields (and its total, should parts disagree).
redis.call("HSETNX", KEYS[1], "m:total", ARGV[2])
for i = 8, #ARGV, 2 do redis.call("HSETNX", KEYS[1], "m:" .. ARGV[i], ARGV[i + 1]) end
local received = redis.call("HINCRBY", KEYS[1], "m:received", 1)
local total = tonumber(redis.call("HGET", KEYS[1], "m:total"))
if received < total then
  redis.call("ZADD", KEYS[2], "NX", ARGV[5], KEYS[1])
  redis.call("EXPIRE", KEYS[1], ARGV[6])
  return {"stored", received, total}
end

local id, digests = move_to_inbox(KEYS[1], KEYS[4], false)
redis.call("ZREM", KEYS[2], KEYS[1])
redis.call("DEL", KEYS[3])
redis.call("HSET", KEYS[3], unpack(digests))
redis.call("EXPIRE", KEYS[3], ARGV[7])
return {"complete", id}
