-- enqueue: write a batch of new messages, each with its record, its place in the queue (stream entry or
-- scheduled-set member), its first event and its figures, atomically; the caller answers only after.
-- Globals: ARGV[1] now ms ; ARGV[2] record retention s ; ARGV[3] events MAXLEN ; ARGV[4] clientRef TTL s
-- KEYS[1] the shard's notification stream (webhook notifier)
-- Per message, one ARGV packed of 23 fields (lib-record's `item`): first 8 key indexes into KEYS (every
--   distinct key is passed once): record, account events stream, account figures, campaign figures (=
--   account figures when none), target (operator stream, scheduled set, or the record when refused),
--   clientRef key (= the record when none), the account's credit balance, its low-balance flag;
--   then id, target kind ("stream" | "scheduled" | "none"), due ms, state, error code,
--   error message, k field, valid-until ms ("" = none), queue member (stream ref or set member),
--   detail ("" = none; the reason of a policy deferral, e.g. QUIET_HOURS), ingress entry id ("" = none;
--   written on the first event only, never in the record), credits to reserve ("" = the account is
--   unlimited), the account's configured credit (the balance when the key is absent), the low-balance
--   threshold ("" = none), and last the m field
--   Credits "r<n>": reserved by the caller beforehand (Redis Cluster): only recorded in `cr`.
-- Credit: a message to queue or schedule is charged its segments from the balance, in the batch's order,
--   or not written at all when they do not fit (the caller refuses it INSUFFICIENT_CREDIT); the amount is
--   kept in the record's `cr` field, which lib-record's set_state gives back on a production error or a
--   cancel. The first charge that leaves the balance under the threshold sets the flag: the alert fires once.
-- Returns per message one string: "ok", "ok:<balance>:<1 when the low-balance alert fires, else 0>" when
--   charged, "credit:<balance>" when refused for lack of credit, or "dup:<first id>".
local now = tonumber(ARGV[1])
local retention = ARGV[2]
local maxlen = ARGV[3]
local refTtl = tonumber(ARGV[4])
local out = {}
for ai = 5, #ARGV do
  local r, e, fa, fc, t, cr, cd, lw, id, kind, due, state, code, msg, kf, vu, member, detail, ingressId,
    charge, initial, threshold, mf = item(ARGV[ai], 23)
  local rec, ev, figA, figC, target, cref, credit, low = KI(r), KI(e), KI(fa), KI(fc), KI(t), KI(cr), KI(cd), KI(lw)
  local first = nil
  if cref ~= rec then first = redis.call("GET", cref) end
  local reply = "ok"
  local refused = false
  -- "r<n>": n segments the caller already reserved (Redis Cluster, CreditStore.reserve): kept in `cr` only.
  local reserved = string.sub(charge, 1, 1) == "r"
  if reserved then charge = string.sub(charge, 2) end
  if not first and charge ~= "" and state ~= "error" and not reserved then
    local balance = tonumber(redis.call("GET", credit)) or tonumber(initial) or 0
    local need = tonumber(charge)
    if balance < need then
      refused = true
      reply = "credit:" .. balance
    else
      balance = balance - need
      redis.call("SET", credit, balance)
      local fired = 0
      if threshold ~= "" and balance < tonumber(threshold) and redis.call("SET", low, "1", "NX") then fired = 1 end
      reply = "ok:" .. balance .. ":" .. fired
    end
  end
  if first then
    out[#out + 1] = "dup:" .. first
  elseif refused then
    out[#out + 1] = reply
  else
    if cref ~= rec then redis.call("SET", cref, id, "EX", refTtl) end
    local k = parse_k(kf)
    local c = {rec = rec, ev = ev, figA = figA, figC = figC, now = now, maxlen = maxlen, retention = retention, notify = KEYS[1]}
    local line = state .. "\t" .. NOW_S .. "\t" .. code .. "\t" .. detail
    local args = {"st", state, "h", line, "k", kf, "m", mf}
    if vu ~= "" then args[#args + 1] = "vu"; args[#args + 1] = vu end
    if detail ~= "" then args[#args + 1] = "dt"; args[#args + 1] = detail end
    if reply ~= "ok" or (reserved and state ~= "error") then args[#args + 1] = "cr"; args[#args + 1] = charge end
    local err = nil
    if state == "error" then
      err = {stage = "policy", code = code, message = msg}
      args[#args + 1] = "er"; args[#args + 1] = "policy\t" .. code .. "\t" .. msg
    end
    redis.call("HSET", rec, unpack(args))
    -- A live message never expires (nothing may lose it); one refused at once is kept for `retention`.
    if err then redis.call("EXPIRE", rec, retention) end
    figures(c, k, "total", 1)
    if err then
      figures(c, k, "productionErrors", 1)
      figures(c, k, "error:" .. code, 1)
    elseif kind == "stream" then
      redis.call("XADD", target, "*", "r", member)
    elseif kind == "scheduled" then
      redis.call("ZADD", target, tonumber(due), member)
    end
    event(c, k, state, err, detail, ingressId)
    out[#out + 1] = reply
  end
end
fig_flush()
return out
