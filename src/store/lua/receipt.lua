-- receipt: apply a batch of delivery receipts, one part each, and derive each message's state from all
-- its parts: confirmed when every part is DELIVRD, error as soon as one part fails. A repeat changes nothing.
-- Globals: ARGV[1] now ms ; ARGV[2] events MAXLEN ; ARGV[3] record retention s
-- KEYS[1] the shard's notification stream (webhook notifier)
-- Per receipt, 5 key indexes into KEYS (every distinct key is passed once): record, account events stream, account figures, campaign figures, receipt deadline set
-- Per receipt, 4 ARGV: part number, stat (DELIVRD, UNDELIV, ...), err ("" = none), "final" | "interim"
-- Returns per receipt 2 values: result ("settled": applied, and it moved the message to its final state |
--   "applied" | "duplicate" | "missing"), state after. Only "settled" is reported to the final-state hook: a
--   later part's receipt for a message already in error is applied too, and must not count it twice.
local now = tonumber(ARGV[1])
local maxlen = ARGV[2]
local out = {}
local retention = ARGV[3]
local ai = 4
while ai <= #ARGV do
  local rec, ev, figA, figC, dl = K(ai), K(ai + 1), K(ai + 2), K(ai + 3), K(ai + 4)
  ai = ai + 5
  local part, stat, errc, final = ARGV[ai], ARGV[ai + 1], ARGV[ai + 2], ARGV[ai + 3] == "final"
  ai = ai + 4
  local f = redis.call("HMGET", rec, "st", "h", "k", "r" .. part, "cf")
  local state = f[1]
  local result = "applied"
  if not state then
    result = "missing"
  else
    local previous = f[4] and string.match(f[4], "^([^\t]*)") or nil
    if previous and previous ~= "ENROUTE" and previous ~= "ACCEPTD" then
      result = "duplicate"
    else
      -- The part's receipt (and the confirmed count) go out in the same HSET as a state change, if any.
      local fields = {"r" .. part, stat .. "\t" .. errc .. "\t" .. NOW_S}
      local changed = false
      if final then
        local k = parse_k(f[3])
        local c = {rec = rec, ev = ev, figA = figA, figC = figC, dl = dl, now = now, maxlen = maxlen, retention = retention, notify = KEYS[1]}
        if stat == "DELIVRD" then
          local confirmed = tonumber(f[5] or "0") + 1
          fields[#fields + 1] = "cf"; fields[#fields + 1] = confirmed
          -- Before every part is accepted the message is still `sending`: accept confirms it then.
          if confirmed >= k.segments and state == "delivered" then
            set_state(c, k, f[2], state, "confirmed", nil, "", 0, fields)
            state = "confirmed"
            changed = true
          end
        elseif not FINAL[state] then
          local message = "receipt for part " .. part .. ": " .. stat
          if errc ~= "" then message = message .. " err " .. errc end
          set_state(c, k, f[2], state, "error", {stage = "receipt", code = stat, message = message}, "", 0, fields)
          state = "error"
          changed = true
        end
      end
      if changed then result = "settled" else redis.call("HSET", rec, unpack(fields)) end
    end
  end
  out[#out + 1] = result
  out[#out + 1] = state or ""
end
fig_flush()
return out
