-- lib-record: prepended to every script that changes a message's state (Redis has no include). It is the
-- one place where a state change is recorded: state, history line, error, detail, the event on the
-- account's stream, the figures, and the receipt deadline. Every key it touches is passed in by the caller.
--
-- Record fields (see src/store/record.ts, which reads them):
--   st  state                 h   history: lines "state<TAB>at<TAB>code<TAB>detail" joined by "\n"
--   k   context: id, account, clientRef, campaignId, notify flag ("1" own callbackUrl, "2" account
--       webhook, "" nobody), segments, to, class (TAB-separated)
--   m   the rest, JSON, never read here     vu  valid-until ms (absent: no validity)
--   at  submit attempts       ac  parts accepted      cf  parts confirmed by a receipt
--   a<n> SMSC id of part n    r<n> receipt of part n "stat<TAB>err<TAB>at"
--   er  error "stage<TAB>code<TAB>message"             dt  detail ("unconfirmed", "final", a reason)
--   cr  credits reserved at enqueue and not yet given back (absent: an unlimited account)
--
-- c (per message): {rec, ev, figA, figC, dl, now, maxlen, retention, notify, credit}; k: parse_k(record's k
-- field). c.credit: the account's credit balance, passed by the scripts whose moves can give credit back
-- (settle, take): the segments reserved at enqueue (field `cr`) return to it on a production error (stage
-- policy or submit) or a cancel, in the same call as the state change, once (the field is then removed).
-- c.ledger (settle, take: their global "ledger" argument): c.credit is then the shard's refund ledger
--   (Redis Cluster, where the balance sits on another slot): the refund is recorded there, by message id,
--   and MessageStore.applyRefunds moves it to the balance, once.
-- c.notify: the shard's notification stream, KEYS[1] of every script that changes a state.
-- A record has no TTL while its message is live: it expires `retention` seconds after a settled state.

-- States after which the record only waits for its retention (delivered: a receipt may still come).
local SETTLED = {delivered = true, confirmed = true, error = true, cancelled = true}

-- Every script that includes this file passes now (epoch ms) as ARGV[1]. Kept as that string for the history
-- lines and events: formatting a Lua number back to text costs more than the command it goes into.
local NOW_S = ARGV[1]

-- The batch scripts pass every distinct key once in KEYS and name them by index: KI for an index written in
-- a packed field (KEYS[0], from "0", is nil: no key), K for one passed as ARGV[i].
local function KI(s)
  return KEYS[tonumber(s)]
end

local function K(i)
  return KI(ARGV[i])
end

-- enqueue, take and accept get each item of their batch as one argument: its n fields joined by \031
-- (message-store.ts `pack`), split here by one string.match. One argument per field cost the daemon 5 to 6 µs
-- a message in ioredis for enqueue's 23 fields, against 1.3 packed. No field holds \031 except the last,
-- which is read to the end.
local ITEM_PATTERNS = {}

local function item_fields(n, s, first, ...)
  if first == nil then error("a batch item with fewer than " .. n .. " fields: " .. string.sub(s, 1, 80)) end
  return first, ...
end

local function item(s, n)
  local pattern = ITEM_PATTERNS[n]
  if not pattern then
    pattern = "^" .. string.rep("([^\031]*)\031", n - 1) .. "(.*)$"
    ITEM_PATTERNS[n] = pattern
  end
  return item_fields(n, s, string.match(s, pattern))
end

local FIG = {}

local function fig(key, field, by)
  local t = FIG[key]
  if not t then t = {}; FIG[key] = t end
  t[field] = (t[field] or 0) + by
end

-- Figures are summed over the whole batch and written once per key and field.
local function fig_flush()
  for key, t in pairs(FIG) do
    for field, n in pairs(t) do redis.call("HINCRBY", key, field, n) end
  end
end

-- Stream entries to acknowledge, collected over the batch: one XACK per stream (and per 1,000 ids)
-- instead of one per message. The script is atomic, so acknowledging at its end is the same as in place.
local ACKS = {}
local ACK_STREAMS = {}

local function ack(stream, entry)
  local ids = ACKS[stream]
  if not ids then
    ids = {}
    ACKS[stream] = ids
    ACK_STREAMS[#ACK_STREAMS + 1] = stream
  end
  ids[#ids + 1] = entry
end

local function ack_flush(group)
  for _, stream in ipairs(ACK_STREAMS) do
    local ids = ACKS[stream]
    for i = 1, #ids, 1000 do
      redis.call("XACK", stream, group, unpack(ids, i, math.min(i + 999, #ids)))
    end
  end
end

-- One match for the eight fields of k (written by record.ts encodeContext, no TAB inside a value): a third
-- of what splitting with gmatch costs, and parse_k runs for every message in every script.
local K_FIELDS = "^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)"

local function parse_k(s)
  local id, account, clientRef, campaign, cb, segments, to, class = string.match(s, K_FIELDS)
  if not id then
    -- Fewer than eight fields: read what there is, the rest empty.
    local f = {}
    for v in string.gmatch(s .. "\t", "([^\t]*)\t") do f[#f + 1] = v end
    id, account, clientRef, campaign, cb, segments, to, class = f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]
  end
  return {id = id or "", account = account or "", clientRef = clientRef or "", campaign = campaign or "",
    cb = cb or "", segments = tonumber(segments) or 0, to = to or "", class = class or ""}
end

local function figures(c, k, field, by)
  fig(c.figA, field, by)
  if k.campaign ~= "" then fig(c.figC, field, by) end
end

-- The member naming a message in the scheduled and deadline sets: enough to rebuild its keys.
local function ref_of(k)
  return k.id .. "|" .. k.account .. "|" .. k.campaign
end

-- ingressId (optional, enqueue only): the Redis ingress entry the message came from, on its first event.
local function event(c, k, state, err, detail, ingressId)
  local ev = {"id", k.id, "state", state, "at", NOW_S, "account", k.account}
  if ingressId and ingressId ~= "" then ev[#ev + 1] = "ingressId"; ev[#ev + 1] = ingressId end
  if k.clientRef ~= "" then ev[#ev + 1] = "clientRef"; ev[#ev + 1] = k.clientRef end
  if k.campaign ~= "" then ev[#ev + 1] = "campaignId"; ev[#ev + 1] = k.campaign end
  if k.cb == "1" then ev[#ev + 1] = "callback"; ev[#ev + 1] = "1" end
  if err then
    ev[#ev + 1] = "errorStage"; ev[#ev + 1] = err.stage
    ev[#ev + 1] = "errorCode"; ev[#ev + 1] = err.code
  end
  if detail ~= "" then ev[#ev + 1] = "detail"; ev[#ev + 1] = detail end
  redis.call("XADD", c.ev, "MAXLEN", "~", c.maxlen, "*", unpack(ev))
  -- The webhook notifier's own copy, only for the messages someone is to be told about: without
  -- webhooks, nothing reads the events back.
  if k.cb ~= "" then redis.call("XADD", c.notify, "MAXLEN", "~", c.maxlen, "*", unpack(ev)) end
end

-- from -> to, already allowed by the caller. err = {stage, code, message} or nil; detail "" = none.
-- deadlineMs > 0: a delivered message waits that long for its receipt. extra: more field, value pairs
-- written by the same HSET (the part that made the change).
local function set_state(c, k, history, from, to, err, detail, deadlineMs, extra)
  local line = to .. "\t" .. NOW_S .. "\t" .. (err and err.code or "") .. "\t" .. detail
  local h = line
  if history and history ~= "" then h = history .. "\n" .. line end
  local args = {"st", to, "h", h}
  if err then args[#args + 1] = "er"; args[#args + 1] = err.stage .. "\t" .. err.code .. "\t" .. err.message end
  if detail ~= "" then args[#args + 1] = "dt"; args[#args + 1] = detail end
  if extra then for i = 1, #extra do args[#args + 1] = extra[i] end end
  redis.call("HSET", c.rec, unpack(args))
  if SETTLED[to] and not SETTLED[from] then redis.call("EXPIRE", c.rec, c.retention) end
  -- Credit back: nothing was produced (a production error, not a delivery error) or it was cancelled.
  if c.credit and from ~= "delivered" and (to == "cancelled" or (to == "error" and err and err.stage ~= "receipt")) then
    local cr = redis.call("HGET", c.rec, "cr")
    if cr then
      -- On a Cluster (c.ledger) the balance is on another slot: the refund waits on the shard's ledger.
      if c.ledger then redis.call("HSET", c.credit, k.id, k.account .. "|" .. cr)
      else redis.call("INCRBY", c.credit, tonumber(cr)) end
      redis.call("HDEL", c.rec, "cr")
    end
  end
  event(c, k, to, err, detail)

  -- Figures (SPEC §3 campaign statistics): production, delivery, confirmation, errors by code.
  local unconfirmed = (detail == "final" or detail == "unconfirmed")
  if to == "delivered" and from ~= "delivered" then figures(c, k, "produced", 1) end
  if to == "delivered" and unconfirmed then figures(c, k, "deliveredUnconfirmed", 1) end
  if to == "confirmed" then figures(c, k, "confirmed", 1) end
  if to == "cancelled" then figures(c, k, "cancelled", 1) end
  if to == "error" then
    if err and err.stage == "receipt" then figures(c, k, "deliveryErrors", 1)
    else figures(c, k, "productionErrors", 1) end
    figures(c, k, "error:" .. (err and err.code or "UNKNOWN"), 1)
  end

  if to == "delivered" and not unconfirmed and (deadlineMs or 0) > 0 then
    redis.call("ZADD", c.dl, c.now + deadlineMs, ref_of(k))
  elseif from == "delivered" then
    redis.call("ZREM", c.dl, ref_of(k))
  end
end

-- SPEC §2's state machine: which moves a settle may make.
local ALLOWED = {
  queued = {scheduled = true, sending = true, error = true, cancelled = true},
  scheduled = {queued = true, sending = true, error = true, cancelled = true, scheduled = true},
  sending = {queued = true, scheduled = true, error = true},
  delivered = {error = true, delivered = true},
}

local FINAL = {confirmed = true, error = true, cancelled = true}
