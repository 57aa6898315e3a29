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

local all = redis.call("HGETALL", KEYS[2])
local parts, numbers, fields = {}, {}, {}
for i = 1, #all, 2 do
  local kind, name, value = string.sub(all[i], 1, 2), string.sub(all[i], 3), all[i + 1]
  if kind == "p:" then
    parts[tonumber(name)] = value
    numbers[#numbers + 1] = tonumber(name)
  elseif kind == "m:" then
    fields[#fields + 1] = name
    fields[#fields + 1] = value
  end
end
table.sort(numbers)
local ordered = {}
for _, n in ipairs(numbers) do ordered[#ordered + 1] = parts[n] end
fields[#fields + 1] = "incomplete"
fields[#fields + 1] = "1"
fields[#fields + 1] = "parts"
fields[#fields + 1] = "[" .. table.concat(ordered, ",") .. "]"
local id = redis.call("XADD", KEYS[3], "*", unpack(fields))
redis.call("DEL", KEYS[2])
return id
