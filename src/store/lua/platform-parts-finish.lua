-- platform-parts-finish: the gathered message is durable (submitted, or abandoned): forget its parts, and
-- leave a short marker (its id, its parts' digests) so a part sent again late does not start a new message.
-- KEYS[1] gathering hash ; KEYS[2] the account's pending set ; KEYS[3] done marker of the same name
-- ARGV[1] the message id (a gathering of another id under the same name is left alone) ; ARGV[2] marker TTL ms
-- Returns 1 when this call finished it, 0 when it was not there (finished already, or another message).
if redis.call("HGET", KEYS[1], "id") ~= ARGV[1] then return 0 end
local all = redis.call("HGETALL", KEYS[1])
local marker = {"id", ARGV[1]}
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == "d:" then
    marker[#marker + 1] = all[i]
    marker[#marker + 1] = all[i + 1]
  end
end
redis.call("DEL", KEYS[3])
redis.call("HSET", KEYS[3], unpack(marker))
redis.call("PEXPIRE", KEYS[3], tonumber(ARGV[2]))
redis.call("DEL", KEYS[1])
redis.call("ZREM", KEYS[2], KEYS[1])
return 1
