-- accept: record a batch of submit_sm_resp with status 0, one part each: the part's SMSC id, its index
-- entries for receipts, and, when every part of a message is accepted, `delivered` (then `confirmed` at
-- once when every receipt already came) and the acknowledgement of its stream entry (also when a failed
-- receipt ended the message before its last part was accepted).
-- Globals: ARGV[1] now ms ; ARGV[2] events MAXLEN ; ARGV[3] consumer group ; ARGV[4] record retention s
-- KEYS[1] the shard's notification stream (webhook notifier)
-- Per part, one ARGV packed of 13 fields (lib-record's `item`): 6 key indexes into KEYS (every distinct key is
--   passed once): record, account events stream, account figures, campaign figures, receipt deadline set,
--   the stream the entry was read from (= the record when none); the key indexes of its SMSC-id index keys
--   joined by "," ("" = none: no receipt was asked for); part number, index value, index TTL s, receipt
--   timeout ms ("0": the operator sends no receipts, `delivered` is final), stream entry id ("" = none
--   held), and last the SMSC id (as the SMSC sent it, read to the end)
-- Returns per part 3 values: state after, 1 when this part settled the message else 0, accepted count.
local now = tonumber(ARGV[1])
local maxlen = ARGV[2]
local group = ARGV[3]
local out = {}
local retention = ARGV[4]
for ai = 5, #ARGV do
  local r, e, fa, fc, d, sm, index, part, value, ttl, timeout, entry, smscId = item(ARGV[ai], 13)
  local rec, ev, figA, figC, dl, stream = KI(r), KI(e), KI(fa), KI(fc), KI(d), KI(sm)
  for i in string.gmatch(index, "[^,]+") do redis.call("SET", KEYS[tonumber(i)], value, "EX", ttl) end
  local f = redis.call("HMGET", rec, "st", "h", "k", "a" .. part, "ac", "cf")
  local state = f[1]
  local settled = 0
  local accepted = tonumber(f[5] or "0")
  if state and not f[4] then
    -- A part resubmitted after a lost response answers twice: the first id stays (both are indexed).
    local k = parse_k(f[3])
    accepted = accepted + 1
    local fields = {"a" .. part, smscId, "ac", accepted}
    if accepted >= k.segments and (state == "sending" or state == "queued" or state == "scheduled") then
      local c = {rec = rec, ev = ev, figA = figA, figC = figC, dl = dl, now = now, maxlen = maxlen, retention = retention, notify = KEYS[1]}
      local detail = ""
      if timeout == "0" then detail = "final" end
      set_state(c, k, f[2], state, "delivered", nil, detail, tonumber(timeout), fields)
      state = "delivered"
      settled = 1
      if tonumber(f[6] or "0") >= k.segments then
        local h = redis.call("HGET", rec, "h")
        set_state(c, k, h, "delivered", "confirmed", nil, "", 0)
        state = "confirmed"
      end
      -- Acknowledged only: the scheduler trims acknowledged entries in bulk (lua/trim.lua).
      if entry ~= "" then ack(stream, entry) end
    else
      redis.call("HSET", rec, unpack(fields))
      -- Every part is on the SMSC but a failed receipt for one of them already ended the message in error:
      -- nothing is left to send, so the entry is acknowledged now rather than reclaimed after the lease.
      if accepted >= k.segments and FINAL[state] and entry ~= "" then ack(stream, entry) end
    end
  end
  out[#out + 1] = state or ""
  out[#out + 1] = settled
  out[#out + 1] = accepted
end
fig_flush()
ack_flush(group)
return out
