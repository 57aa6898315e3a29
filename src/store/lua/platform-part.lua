-- platform-part: keep one part of a message a platform sent pre-split (UDH or SAR), durably. The message id
-- is the one the caller proposes when this part is the first to arrive (in any order), and the gathering's
-- own id for every later part. A part already kept is a duplicate; a part with the octets of a part of the
-- message last finished under the same name (its submit_sm_resp was lost, it was sent again) is answered
-- with that message's id and starts nothing.
-- KEYS[1] gathering hash (platformParts)   KEYS[2] the account's pending set (member = KEYS[1])
-- KEYS[3] done marker of the same name (platformPartsDone)
-- ARGV[1] seq (1-based) ; ARGV[2] total announced ; ARGV[3] the part, JSON ; ARGV[4] digest of its octets
-- ARGV[5] received ms ; ARGV[6] id proposed for a new gathering ; ARGV[7] registered_delivery
-- ARGV[8] TTL of the gathering hash, s (a safety net: the sweep acts at the part timeout)
-- ARGV[9..13] the gathering's name: account, from, to, via, reference (kept for the sweep)
-- Returns {"dup", id} | {"conflict"} | {"stored", id} | {"complete", id, part 1 JSON, …, part N JSON}
local seq = ARGV[1]
if redis.call("EXISTS", KEYS[1]) == 0 then
  local done = redis.call("HMGET", KEYS[3], "id", "d:" .. seq)
  if done[1] and done[2] == ARGV[4] then return {"dup", done[1]} end
  redis.call("HSET", KEYS[1], "id", ARGV[6], "total", ARGV[2], "first", ARGV[5], "rd", ARGV[7],
    "account", ARGV[9], "from", ARGV[10], "to", ARGV[11], "via", ARGV[12], "ref", ARGV[13], "received", 0)
  redis.call("ZADD", KEYS[2], ARGV[5], KEYS[1])
elseif redis.call("HGET", KEYS[1], "total") ~= ARGV[2] then
  return {"conflict"}
end
if redis.call("HSETNX", KEYS[1], "p:" .. seq, ARGV[3]) == 1 then
  redis.call("HSET", KEYS[1], "d:" .. seq, ARGV[4])
  redis.call("HINCRBY", KEYS[1], "received", 1)
end
redis.call("EXPIRE", KEYS[1], tonumber(ARGV[8]))
local f = redis.call("HMGET", KEYS[1], "id", "total", "received")
local total = tonumber(f[2])
if tonumber(f[3]) < total then return {"stored", f[1]} end
local out = {"complete", f[1]}
for i = 1, total do out[#out + 1] = redis.call("HGET", KEYS[1], "p:" .. i) end
return out
