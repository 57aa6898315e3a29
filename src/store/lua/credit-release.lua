-- credit-release: the end of credit-reserve's holds. "commit": the messages were written, their credit
-- stays spent (a refund, later, goes through the ledger). "release": they were not (a duplicate, a failed
-- write, a crash found by the sweep): their credit goes back. A hold already ended is skipped, so a
-- release repeated after a crash gives nothing twice.
-- KEYS[1] the account's credit balance ; KEYS[2] its holds (hash)
-- ARGV[1] "commit" | "release" ; then the message ids
-- Returns the number of holds ended.
local ended = 0
for i = 2, #ARGV do
  local held = redis.call("HGET", KEYS[2], ARGV[i])
  if held then
    if ARGV[1] == "release" then
      redis.call("INCRBY", KEYS[1], tonumber(string.match(held, "^(%d+)")))
    end
    redis.call("HDEL", KEYS[2], ARGV[i])
    ended = ended + 1
  end
end
return ended
