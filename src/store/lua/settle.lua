-- settle: move a batch of messages to a new state when SPEC §2's state machine allows it, with what goes
-- with the move in the same call: a place in the scheduled set (deferral, retry back-off), the
-- acknowledgement of the stream entry the worker holds, the attempt count. Cancel, refusal, expiry,
-- retry and the receipt timeout all pass here.
-- Globals: ARGV[1] now ms ; ARGV[2] events MAXLEN ; ARGV[3] consumer group ; ARGV[4] record retention s ;
--   ARGV[5] "1": the credit key is the shard's refund ledger (Redis Cluster)
-- KEYS[1] the shard's notification stream (webhook notifier)
-- Per message, 8 key indexes into KEYS (every distinct key is passed once): record, account events stream, account figures, campaign figures, receipt deadline
--   set, scheduled set (= the record when not scheduling), stream of the held entry (= the record when none),
--   the account's credit balance (reserved credit given back on a production error or a cancel)
-- Per message, 9 ARGV: new state, error stage ("" = none), error code, error message, detail, due ms
--   ("0" = not scheduled), scheduled-set member, stream entry id ("" = none), attempts ("" = unchanged)
-- Returns per message 2 values: 1 when the state changed else 0, previous state ("" = no record).
local now = tonumber(ARGV[1])
local maxlen = ARGV[2]
local group = ARGV[3]
local out = {}
local retention = ARGV[4]
local ledger = ARGV[5] == "1"
local ai = 6
while ai <= #ARGV do
  local rec, ev, figA, figC, dl, sched, stream = K(ai), K(ai + 1), K(ai + 2), K(ai + 3), K(ai + 4), K(ai + 5), K(ai + 6)
  local credit = K(ai + 7)
  ai = ai + 8
  local to, stage, code, msg, detail, due, member, entry, attempts = ARGV[ai], ARGV[ai + 1], ARGV[ai + 2],
    ARGV[ai + 3], ARGV[ai + 4], ARGV[ai + 5], ARGV[ai + 6], ARGV[ai + 7], ARGV[ai + 8]
  ai = ai + 9
  local f = redis.call("HMGET", rec, "st", "h", "k", "dt")
  local current = f[1]
  local changed = 0
  if current then
    local moves = ALLOWED[current]
    local allowed = moves and moves[to]
    -- Re-entering a state records nothing, except `delivered` becoming final (its receipt never came)
    -- and a new retry being scheduled.
    if allowed and current == to then
      allowed = (to == "delivered" and detail == "unconfirmed" and f[4] ~= "unconfirmed") or to == "scheduled"
    end
    if allowed then
      local err = nil
      if stage ~= "" then err = {stage = stage, code = code, message = msg} end
      local k = parse_k(f[3])
      local c = {rec = rec, ev = ev, figA = figA, figC = figC, dl = dl, now = now, maxlen = maxlen, retention = retention, notify = KEYS[1], credit = credit, ledger = ledger}
      set_state(c, k, f[2], current, to, err, detail, 0)
      if due ~= "0" then redis.call("ZADD", sched, tonumber(due), member) end
      if attempts ~= "" then redis.call("HSET", rec, "at", attempts) end
      changed = 1
    end
  end
  -- The held entry is done with whatever happened: the message is settled, rescheduled, or was gone.
  if entry ~= "" then ack(stream, entry) end
  out[#out + 1] = changed
  out[#out + 1] = current or ""
end
fig_flush()
ack_flush(group)
return out
