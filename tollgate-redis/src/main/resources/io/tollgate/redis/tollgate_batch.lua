-- Tollgate token buckets, many decisions per call: refill, check and consume atomically, in order, on one clock.
-- Mirrors io.tollgate.core.bucket.TokenBucket exactly; decisions run as if one after the other.
--
-- KEYS[d]   bucket key of decision d = 1..D (a key may repeat: a later decision sees the earlier one's result)
-- ARGV[1]   now in micros; 0 = use the server's TIME, read once per call (a non-zero value is for tests only)
-- ARGV[2]   S, the number of distinct specs in this call
--           then S spec entries, each: n (number of limits), then capacityUnits, unitsPerMicro, unitsPerToken
--           for limit i = 1..n
--           then per decision d = 1..D: spec index (1..S), cost in whole tokens (>= 1)
-- Returns   a flat integer array: now, then per decision d: allowed (1/0), ahead, level_1 .. level_n.
--           levels are after refill, and after consumption when allowed; ahead is how far (micros) the stored time
--           is ahead of now when the server clock went backwards (then no time passed and the decision is taken at
--           now + ahead); normally 0.
--
-- Value     a string "t:l_1:...:l_n" with t (micros of the levels) and the levels (internal units) in base 36
--           (digits 0-9a-z), e.g. "ojtkd1e3bk:2ffo0"; expires (SET ... PX) when every limit would be full again.
--           A missing key is a full bucket. Every value stays an exact integer below 2^53 (Limit guarantees it),
--           so Lua doubles are exact here and tonumber(s, 36) parses them exactly.
-- Migration a hash from the single-decision script (fields t, 1..n; GET fails with WRONGTYPE) is read as its fields;
--           the first allowed decision replaces it with the string form, a denial leaves it as it is.
--
-- Order     every read and check of the whole call runs before its first write, so an error cannot leave a
--           half-written bucket; per decision all limits are consumed or none; a denial writes nothing; each
--           written key is written once, with its final state and TTL.
local DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz'

local function b36(n)
  if n == 0 then return '0' end
  local s = {}
  while n > 0 do
    local d = n % 36
    s[#s + 1] = string.sub(DIGITS, d + 1, d + 1)
    n = (n - d) / 36
  end
  return string.reverse(table.concat(s))
end

local function encode(st)
  local parts = {b36(st.t)}
  for i = 1, st.spec.n do parts[i + 1] = b36(st.levels[i]) end
  return table.concat(parts, ':')
end

-- State of one key: t (nil = missing, full) and levels (nil entries = full).
local function read(key, spec)
  local v = redis.pcall('GET', key)
  if type(v) == 'table' and v.err then
    if string.find(v.err, 'WRONGTYPE', 1, true) == nil then return redis.error_reply(v.err) end
    local fields = {'t'}
    for i = 1, spec.n do fields[i + 1] = i end
    local h = redis.call('HMGET', key, unpack(fields))
    local levels = {}
    for i = 1, spec.n do levels[i] = tonumber(h[i + 1]) end
    return {t = tonumber(h[1]), levels = levels}
  end
  if not v then return {levels = {}} end
  local t, levels, i = nil, {}, 0
  for part in string.gmatch(v, '[^:]+') do
    if i == 0 then t = tonumber(part, 36) else levels[i] = tonumber(part, 36) end
    i = i + 1
  end
  return {t = t, levels = levels}
end

local now = tonumber(ARGV[1])
if now == 0 then
  local tm = redis.call('TIME')
  now = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
end

local specs = {}
local p = 3
for s = 1, tonumber(ARGV[2]) do
  local n = tonumber(ARGV[p])
  local spec = {n = n, cap = {}, inc = {}, upt = {}}
  for i = 1, n do
    spec.cap[i] = tonumber(ARGV[p + 3 * i - 2])
    spec.inc[i] = tonumber(ARGV[p + 3 * i - 1])
    spec.upt[i] = tonumber(ARGV[p + 3 * i])
  end
  specs[s] = spec
  p = p + 1 + 3 * n
end

local states = {} -- key -> state read or written in this call
local written = {} -- keys to write, in order of their first allowed decision
local out = {now}
for d = 1, #KEYS do
  local key = KEYS[d]
  local spec = specs[tonumber(ARGV[p])]
  local cost = tonumber(ARGV[p + 1])
  p = p + 2
  local st = states[key]
  if st == nil then
    st = read(key, spec)
    if st.err then return st end
    states[key] = st
  end
  local t = st.t
  local at = now
  if t ~= nil and t > now then at = t end -- clock went backwards: no time passed
  local elapsed = 0
  if t ~= nil then elapsed = at - t end
  local levels = {}
  local allowed = 1
  for i = 1, spec.n do
    local cap = spec.cap[i]
    local inc = spec.inc[i]
    local level = st.levels[i] or cap
    local missing = cap - level
    if missing <= 0 then
      level = cap
    elseif elapsed > 0 then
      -- elapsed >= ceil(missing/inc) <=> elapsed*inc >= missing; the product form avoids an inexact division
      -- and rounds monotonically, so the comparison stays exact even when the product passes 2^53.
      if elapsed * inc >= missing then level = cap else level = level + elapsed * inc end
    end
    levels[i] = level
    if level < cost * spec.upt[i] then allowed = 0 end
  end
  if allowed == 1 then
    for i = 1, spec.n do levels[i] = levels[i] - cost * spec.upt[i] end
    if not st.dirty then
      st.dirty = true
      written[#written + 1] = key
    end
    st.t = at
    st.levels = levels
    st.spec = spec
  end
  out[#out + 1] = allowed
  out[#out + 1] = at - now
  for i = 1, spec.n do out[#out + 1] = levels[i] end
end

for _, key in ipairs(written) do
  local st = states[key]
  local untilFull = st.t - now -- the levels are true at st.t, ahead of now if the clock went backwards
  for i = 1, st.spec.n do
    local inc = st.spec.inc[i]
    local w = math.floor((st.spec.cap[i] - st.levels[i] + inc - 1) / inc)
    if st.t - now + w > untilFull then untilFull = st.t - now + w end
  end
  -- allowed decisions take at least one unit, so untilFull >= 1: every written key expires
  redis.call('SET', key, encode(st), 'PX', math.ceil(untilFull / 1000) + 1)
end
return out
