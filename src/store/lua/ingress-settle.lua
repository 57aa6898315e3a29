-- ingress-settle: the end of a batch of Redis ingress entries (docs/redis-ingress.md). Refused entries get
-- their `type=rejected` outcome on the account's events and a copy, with the reason, on the dead-letter
-- stream; entries whose clientRef matched an earlier message get `type=duplicate`; then every entry of the
-- batch is acknowledged and deleted. Entries accepted were made durable (with their outcome, the first event
-- carrying `ingressId`) by enqueue.lua before this call, so an entry leaves only once its fate is in Redis.
-- KEYS[1] ingress stream ; KEYS[2] dead-letter stream ; KEYS[3] account events stream
-- ARGV[1] consumer group ; ARGV[2] events MAXLEN ; ARGV[3] dead-letter MAXLEN ; ARGV[4] now ms
-- ARGV[5] R, the number of refused entries; then per refused entry: ingress id, code, message, n, and n
--   field/value pairs of the original entry
-- then D, the number of duplicates; per duplicate: ingress id, the first message's id, clientRef
-- then the ids to acknowledge and delete (every entry of the batch).
-- Returns the number of entries acknowledged.
local group, maxlen, deadMax, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local i = 5
local refused = tonumber(ARGV[i]); i = i + 1
for _ = 1, refused do
  local id, code, msg, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  i = i + 4
  local dead = {"ingressId", id, "code", code, "message", msg, "at", now}
  for j = 0, n - 1 do
    local f = ARGV[i + 2 * j]
    -- The reason's own fields win; an entry's field of the same name is kept under "entry.<name>".
    if f == "ingressId" or f == "code" or f == "message" or f == "at" then f = "entry." .. f end
    dead[#dead + 1] = f
    dead[#dead + 1] = ARGV[i + 2 * j + 1]
  end
  i = i + 2 * n
  redis.call("XADD", KEYS[2], "MAXLEN", "~", deadMax, "*", unpack(dead))
  redis.call("XADD", KEYS[3], "MAXLEN", "~", maxlen, "*", "type", "rejected", "ingressId", id, "code", code,
    "message", msg, "at", now)
end
local dups = tonumber(ARGV[i]); i = i + 1
for _ = 1, dups do
  local ev = {"type", "duplicate", "ingressId", ARGV[i], "id", ARGV[i + 1], "at", now}
  if ARGV[i + 2] ~= "" then ev[#ev + 1] = "clientRef"; ev[#ev + 1] = ARGV[i + 2] end
  redis.call("XADD", KEYS[3], "MAXLEN", "~", maxlen, "*", unpack(ev))
  i = i + 3
end
local ids = {}
for j = i, #ARGV do ids[#ids + 1] = ARGV[j] end
if #ids == 0 then return 0 end
local acked = redis.call("XACK", KEYS[1], group, unpack(ids))
redis.call("XDEL", KEYS[1], unpack(ids))
return acked
