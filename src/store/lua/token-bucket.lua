-- token-bucket: the operator's throughput limit, shared by every daemon instance (counted in segments).
-- Each instance takes tokens in batches for its local waiters, so Redis sees one call per batch.
-- KEYS[1] bucket hash {tokens, ts}
-- ARGV[1] rate in tokens per second ; ARGV[2] burst (bucket size) ; ARGV[3] tokens wanted (at most)
-- ARGV[4] mode: "partial" (default: grant what exists) or "whole" (all or nothing; a request larger
--         than the bucket passes when the bucket is full and leaves it in debt, so the average holds)
-- Returns {granted, wait in ms until the next token (partial) or until the request fits (whole)}.
-- The server clock (TIME) is used so instances with skewed clocks still share one limit.
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local data = redis.call("HMGET", KEYS[1], "tokens", "ts")
local tokens = tonumber(data[1])
local ts = tonumber(data[2])
if not tokens or not ts then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
  ts = now
end
local granted = 0
local wait = 0
if ARGV[4] == "whole" then
  local needed = math.min(want, burst)
  if tokens >= needed then
    granted = want
    tokens = tokens - want
  else
    wait = math.ceil((needed - tokens) * 1000 / rate)
  end
else
  granted = math.max(0, math.min(want, math.floor(tokens)))
  tokens = tokens - granted
  if granted < want then wait = math.ceil((1 - (tokens - math.floor(tokens))) * 1000 / rate) end
end
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "ts", tostring(ts))
redis.call("PEXPIRE", KEYS[1], math.ceil(burst * 1000 / rate) + 60000)
return {granted, wait}
