-- lib-state: shared by the scripts that change a message's state (prepended to them at load time).
-- One function moves a record to a state: history, error fields, the event on the event stream, the
-- account and campaign figures, and the receipt deadline — so every path records a change the same way.
-- ctx = {prefix, now (ms), maxlen (events), deadlineMs (0 = no receipt expected), deadlineKey}

local function figures(msg, ctx, field, by)
  local account = redis.call("HGET", msg, "account")
  if not account then return end
  redis.call("HINCRBY", ctx.prefix .. ":figures:account:" .. account, field, by)
  local campaign = redis.call("HGET", msg, "campaignId")
  if campaign then
    redis.call("HINCRBY", ctx.prefix .. ":figures:campaign:" .. account .. ":" .. campaign, field, by)
  end
end

-- The fields every state event carries: what aggregators reading the stream, and the webhook notifier,
-- need without reading the record again.
local function event_head(msg, state, now)
  local f = redis.call("HMGET", msg, "id", "account", "clientRef", "campaignId", "callbackUrl")
  local event = {"id", f[1] or "", "state", state, "at", tostring(now), "account", f[2] or ""}
  if f[3] then event[#event + 1] = "clientRef"; event[#event + 1] = f[3] end
  if f[4] then event[#event + 1] = "campaignId"; event[#event + 1] = f[4] end
  if f[5] then event[#event + 1] = "callback"; event[#event + 1] = "1" end
  return event
end

-- from -> to, already validated by the caller. err = {stage, code, message} or nil; detail string or "".
local function set_state(msg, events, ctx, from, to, err, detail)
  local history = cjson.decode(redis.call("HGET", msg, "history") or "[]")
  local entry = {state = to, at = ctx.now}
  if err then entry.code = err.code end
  if detail ~= "" then entry.detail = detail end
  history[#history + 1] = entry
  redis.call("HSET", msg, "state", to, "updatedAt", ctx.now, "history", cjson.encode(history))
  if err then
    redis.call("HSET", msg, "errorStage", err.stage, "errorCode", err.code, "errorMessage", err.message)
  end
  if detail ~= "" then redis.call("HSET", msg, "detail", detail) end
  local event = event_head(msg, to, ctx.now)
  if err then
    event[#event + 1] = "errorStage"; event[#event + 1] = err.stage
    event[#event + 1] = "errorCode"; event[#event + 1] = err.code
  end
  if detail ~= "" then event[#event + 1] = "detail"; event[#event + 1] = detail end
  redis.call("XADD", events, "MAXLEN", "~", ctx.maxlen, "*", unpack(event))

  -- Figures (SPEC §3 campaign statistics): production, delivery, confirmation, errors by code.
  local unconfirmed = (detail == "final" or detail == "unconfirmed")
  if to == "delivered" and from ~= "delivered" then figures(msg, ctx, "produced", 1) end
  if to == "delivered" and unconfirmed then figures(msg, ctx, "deliveredUnconfirmed", 1) end
  if to == "confirmed" then figures(msg, ctx, "confirmed", 1) end
  if to == "cancelled" then figures(msg, ctx, "cancelled", 1) end
  if to == "error" then
    if err and err.stage == "receipt" then figures(msg, ctx, "deliveryErrors", 1)
    else figures(msg, ctx, "productionErrors", 1) end
    figures(msg, ctx, "error:" .. (err and err.code or "UNKNOWN"), 1)
  end

  -- A delivered message waits for its receipt until a deadline, then is final as "delivered, unconfirmed".
  local id = redis.call("HGET", msg, "id") or ""
  if to == "delivered" and not unconfirmed and ctx.deadlineMs > 0 then
    redis.call("ZADD", ctx.deadlineKey, ctx.now + ctx.deadlineMs, id)
  elseif from == "delivered" and ctx.deadlineKey ~= "" then
    redis.call("ZREM", ctx.deadlineKey, id)
  end
end

local FINAL = {confirmed = true, error = true, cancelled = true}
