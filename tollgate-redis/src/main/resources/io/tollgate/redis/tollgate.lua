-- Tollgate token bucket: refill, check and consume atomically. Mirrors io.tollgate.core.bucket.TokenBucket.
-- KEYS[1]  bucket hash; fields: t = micros of the stored levels, 1..n = level of limit i in internal units.
--          A missing key is a full bucket.
-- ARGV[1]  now in micros; 0 = use the server's TIME (a non-zero value is for tests only)
-- ARGV[2]  cost in whole tokens (>= 1)
-- ARGV[3i] capacityUnits, ARGV[3i+1] unitsPerMicro, ARGV[3i+2] unitsPerToken, for limit i = 1..n
-- Returns  {allowed (1/0), now, level_1, ..., level_n}: levels after refill, and after consumption when allowed.
-- Every value stays below 2^53 (Limit guarantees it), so Lua doubles are exact integers here.
local n = (#ARGV - 2) / 3
local fields = {'t'}
for i = 1, n do fields[i + 1] = i end
local st = redis.call('HMGET', KEYS[1], unpack(fields))
local now = tonumber(ARGV[1])
if now == 0 then
  local tm = redis.call('TIME')
  now = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
end
local cost = tonumber(ARGV[2])
local t = tonumber(st[1])
if t ~= nil and t > now then now = t end -- clock went backwards: no time passed
local elapsed = 0
if t ~= nil then elapsed = now - t end
local levels = {}
local allowed = 1
for i = 1, n do
  local cap = tonumber(ARGV[3 * i])
  local inc = tonumber(ARGV[3 * i + 1])
  local level = tonumber(st[i + 1]) or cap
  local missing = cap - level
  if missing <= 0 then
    level = cap
  elseif elapsed > 0 then
    -- elapsed >= ceil(missing/inc) <=> elapsed*inc >= missing; the product form avoids an inexact division
    -- and rounds monotonically, so the comparison stays exact even when the product passes 2^53.
    if elapsed * inc >= missing then level = cap else level = level + elapsed * inc end
  end
  levels[i] = level
  if level < cost * tonumber(ARGV[3 * i + 2]) then allowed = 0 end
end
if allowed == 1 then
  local args = {'t', now}
  local untilFull = 0
  for i = 1, n do
    local cap = tonumber(ARGV[3 * i])
    local inc = tonumber(ARGV[3 * i + 1])
    local level = levels[i] - cost * tonumber(ARGV[3 * i + 2])
    levels[i] = level
    args[2 * i + 1] = i
    args[2 * i + 2] = level
    local w = math.floor((cap - level + inc - 1) / inc)
    if w > untilFull then untilFull = w end
  end
  if untilFull > 0 then -- a full bucket equals a missing key, so it need not be stored
    redis.call('HSET', KEYS[1], unpack(args))
    redis.call('PEXPIRE', KEYS[1], math.ceil(untilFull / 1000) + 1)
  end
end
local out = {allowed, now}
for i = 1, n do out[i + 2] = levels[i] end
return out
