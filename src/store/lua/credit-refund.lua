-- credit-refund: on a Redis Cluster, the credit the state scripts gave back on a shard's ledger (a
-- production error, a cancel, an expiry), moved to the account's balance on its own slot, once per
-- message: a marker per message id (with a TTL) remembers it, so a move repeated after a crash (refund
-- applied, ledger entry not yet removed) gives nothing twice.
-- KEYS[1] the account's credit balance ; KEYS[2..] each message's refund marker
-- ARGV[1] the markers' TTL s ; ARGV[2..] each message's segments (the order of KEYS[2..])
-- Returns the number of refunds applied now.
local applied = 0
for i = 2, #KEYS do
  if redis.call("SET", KEYS[i], "1", "NX", "EX", tonumber(ARGV[1])) then
    redis.call("INCRBY", KEYS[1], tonumber(ARGV[i]))
    applied = applied + 1
  end
end
return applied
