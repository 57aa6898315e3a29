-- take: the worker's claim on a batch of stream entries it read. Each message still to send moves to
-- `sending` (the point after which a cancel no longer wins) unless its recipient opted out, in which
-- case it is left as it is for the policy to refuse. Entries with nothing left to send are acknowledged
-- here, expired messages end in error, all in this one call. With "hold", marketing is not claimed yet:
-- it comes back as "check", state untouched and entry pending, for the worker to ask the campaign policy
-- (quiet hours) first and then claim what may go with a second call without "hold".
-- Globals: ARGV[1] now ms ; ARGV[2] events MAXLEN ; ARGV[3] "1" when transactional honours opt-outs ;
--   ARGV[4] consumer group ; ARGV[5] record retention s ; ARGV[6] "1": hold marketing for the policy ;
--   ARGV[7] frequency cap: most marketing messages per recipient in the window ("" = no cap) ;
--   ARGV[8] the cap's rolling window, ms ; ARGV[9] "1": the credit key is the shard's refund ledger (Cluster)
-- KEYS[1] the shard's notification stream (webhook notifier)
-- Per entry, one ARGV packed of 9 fields (lib-record's `item`): first 8 key indexes into KEYS (every
--   distinct key is passed once): record, account events stream,
--   account figures, campaign figures, the stream the entry was read from, the account's opt-out hash,
--   the account's credit balance (an expired message's reserved credit goes back), the recipient's
--   frequency set (= the record when not counted: no cap, transactional, or the first, holding call)
--   On a Redis Cluster, where the opt-out hash sits on another slot, the caller reads it first and passes
--   index 0 (no key: opted out) or the record (not opted out) in its place.
--   then last the stream entry id
-- Frequency cap: a marketing message moving to `sending` is counted in its recipient's set (member the id,
--   score now; the set expires a window after its last member); when the set already holds the cap within
--   the window (this message not among them: a retry counts once), it is left as it is, "capped", for the
--   worker to refuse FREQUENCY_CAP. Counted here, atomically, so instances sending concurrently never pass it.
-- Returns per entry 6 values: status ("gone" | "settled" | "expired" | "lapsed" | "optout" | "check" |
--   "capped" | "send"), previous state, m field, attempts, accepted parts as "1,3" (parts already accepted by the
--   SMSC: a taken-over message), k field.
-- Expiry: a message whose validity passed ends in error EXPIRED (stage submit), except one the policy was
-- holding (still `scheduled`, its detail the deferral's reason): its wait for the window used up its
-- validity, so it ends as a deferral past the validity does, error QUIET_HOURS (stage policy): "lapsed".
local now = tonumber(ARGV[1])
local maxlen = ARGV[2]
local txHonours = ARGV[3] == "1"
local group = ARGV[4]
local out = {}
local retention = ARGV[5]
local hold = ARGV[6] == "1"
local capMax = tonumber(ARGV[7])
local capWindow = tonumber(ARGV[8]) or 0
local HELD = {QUIET_HOURS = true, HOLIDAY = true}
local ledger = ARGV[9] == "1"
for ai = 10, #ARGV do
  local r, e, fa, fc, sm, oo, cd, fq, entry = item(ARGV[ai], 9)
  local rec, ev, figA, figC, stream, optouts = KI(r), KI(e), KI(fa), KI(fc), KI(sm), KI(oo)
  local credit, freq = KI(cd), KI(fq)
  local f = redis.call("HMGET", rec, "st", "h", "k", "m", "vu", "at", "dt")
  local state = f[1]
  local status, accepted = "send", ""
  if not state then
    status = "gone"
  elseif state ~= "queued" and state ~= "scheduled" and state ~= "sending" then
    status = "settled"
  else
    local k = parse_k(f[3])
    local c = {rec = rec, ev = ev, figA = figA, figC = figC, now = now, maxlen = maxlen, retention = retention, notify = KEYS[1], credit = credit, ledger = ledger}
    if state == "sending" then
      -- Taken over from a consumer that died: its accepted parts must not be sent again.
      local parts = {}
      for i = 1, k.segments do parts[#parts + 1] = "a" .. i end
      local ids = redis.call("HMGET", rec, unpack(parts))
      local done = {}
      for i = 1, k.segments do if ids[i] then done[#done + 1] = tostring(i) end end
      accepted = table.concat(done, ",")
    elseif f[5] and tonumber(f[5]) < now and state == "scheduled" and HELD[f[7] or ""] then
      status = "lapsed"
      set_state(c, k, f[2], state, "error",
        {stage = "policy", code = "QUIET_HOURS", message = "validity period passed while held by quiet hours"}, "", 0)
    elseif f[5] and tonumber(f[5]) < now then
      status = "expired"
      set_state(c, k, f[2], state, "error",
        {stage = "submit", code = "EXPIRED", message = "validity period passed before submission"}, "", 0)
    elseif (k.class == "marketing" or txHonours) and (optouts == nil or (optouts ~= rec and redis.call("HEXISTS", optouts, k.to) == 1)) then
      status = "optout"
    elseif hold and k.class == "marketing" then
      status = "check"
    else
      if capMax and freq ~= rec and k.class == "marketing" then
        redis.call("ZREMRANGEBYSCORE", freq, "-inf", now - capWindow)
        if redis.call("ZSCORE", freq, k.id) or redis.call("ZCARD", freq) < capMax then
          redis.call("ZADD", freq, now, k.id)
          redis.call("PEXPIRE", freq, capWindow)
        else
          status = "capped"
        end
      end
      if status == "send" then set_state(c, k, f[2], state, "sending", nil, "", 0) end
    end
  end
  if status == "gone" or status == "settled" or status == "expired" or status == "lapsed" then
    ack(stream, entry)
  end
  out[#out + 1] = status
  out[#out + 1] = state or ""
  local live = status == "send" or status == "optout" or status == "check" or status == "capped"
  out[#out + 1] = live and f[4] or ""
  out[#out + 1] = f[6] or "0"
  out[#out + 1] = accepted
  out[#out + 1] = live and f[3] or ""
end
fig_flush()
ack_flush(group)
return out
