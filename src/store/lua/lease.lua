-- lease: acquire, renew or release a bind-slot lease so an operator's number of binds holds across
-- every daemon instance together.
-- KEYS[1] lease key
-- ARGV[1] action: "acquire" | "renew" | "release" ; ARGV[2] holder (instance id) ; ARGV[3] TTL in ms
-- Returns 1 when the caller holds (or released) the lease, 0 otherwise.
local holder = redis.call("GET", KEYS[1])
if ARGV[1] == "acquire" then
  if holder and holder ~= ARGV[2] then return 0 end
  redis.call("SET", KEYS[1], ARGV[2], "PX", tonumber(ARGV[3]))
  return 1
elseif ARGV[1] == "renew" then
  if holder ~= ARGV[2] then return 0 end
  redis.call("PEXPIRE", KEYS[1], tonumber(ARGV[3]))
  return 1
else
  if holder == ARGV[2] then redis.call("DEL", KEYS[1]) end
  return 1
end
