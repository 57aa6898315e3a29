-- enqueue: write a batch of new messages, each with its record, its place in the queue (stream entry or
-- scheduled-set member), its first event and its figures, atomically; the caller answers only after.
-- Globals: ARGV[1] now ms ; ARGV[2] record retention s ; ARGV[3] events MAXLEN ; ARGV[4] clientRef TTL s
-- KEYS[1] the shard's notification stream (webhook notifier)
-- Per message, 6 key indexes into KEYS (every distinct key is passed once): record, account events stream, account figures, campaign figures (= account
--   figures when none), target (operator stream, scheduled set, or the record when refused),
--   clientRef key (= the record when none)
-- Per message, 12 ARGV: id, target kind ("stream" | "scheduled" | "none"), due ms, state, error code,
--   error message, k field, m field, valid-until ms ("" = none), queue member (stream ref or set member),
--   detail ("" = none; the reason of a policy deferral, e.g. QUIET_HOURS), ingress entry id ("" = none;
--   written on the first event only, never in the record)
-- Returns per message one string: "ok" or "dup:<first id>".
local now = tonumber(ARGV[1])
local retention = tonumber(ARGV[2])
local maxlen = tonumber(ARGV[3])
local refTtl = tonumber(ARGV[4])
local out = {}
local ai = 5
while ai <= #ARGV do
  local rec, ev, figA, figC, target, cref = K(ai), K(ai + 1), K(ai + 2), K(ai + 3), K(ai + 4), K(ai + 5)
  ai = ai + 6
  local id, kind, due, state = ARGV[ai], ARGV[ai + 1], ARGV[ai + 2], ARGV[ai + 3]
  local code, msg, kf, mf, vu, member = ARGV[ai + 4], ARGV[ai + 5], ARGV[ai + 6], ARGV[ai + 7], ARGV[ai + 8], ARGV[ai + 9]
  local detail, ingressId = ARGV[ai + 10], ARGV[ai + 11]
  ai = ai + 12
  local first = nil
  if cref ~= rec then
    first = redis.call("GET", cref)
    if not first then redis.call("SET", cref, id, "EX", refTtl) end
  end
  if first then
    out[#out + 1] = "dup:" .. first
  else
    local k = parse_k(kf)
    local c = {rec = rec, ev = ev, figA = figA, figC = figC, now = now, maxlen = maxlen, retention = retention, notify = KEYS[1]}
    local line = state .. "\t" .. now .. "\t" .. code .. "\t" .. detail
    local args = {"st", state, "h", line, "k", kf, "m", mf}
    if vu ~= "" then args[#args + 1] = "vu"; args[#args + 1] = vu end
    if detail ~= "" then args[#args + 1] = "dt"; args[#args + 1] = detail end
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
    out[#out + 1] = "ok"
  end
end
fig_flush()
return out
