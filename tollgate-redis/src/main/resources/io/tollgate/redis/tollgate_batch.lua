-- Tollgate token buckets, many decisions per call: refill, check and consume atomically, in order, on one clock.
-- Mirrors io.tollgate.core.bucket.TokenBucket exactly; decisions run as if one after the other.
--
-- KEYS[d]   bucket key of decision d = 1..D (a key may repeat: a later decision sees the earlier one's result)
-- ARGV[1]   now in micros; 0 = use the server's TIME, read once per call (a non-zero value is for tests only)
-- ARGV[2]   S, the number of distinct specs in this call
--           then S spec entries, each: the spec's previous-layout key suffix (its 8-hex-digit fingerprint), n (number
--           of limits), then capacityUnits, unitsPerMicro, unitsPerToken for limit i = 1..n
--           then per decision d = 1..D: spec index (1..S), cost in whole tokens (>= 1)
-- Returns   a flat integer array: now, then per decision d: allowed (1/0), ahead, level_1 .. level_n.
--           levels are after refill, and after consumption when allowed; ahead is how far (micros) the stored time
--           is ahead of now when the server clock went backwards (then no time passed and the decision is taken at
--           now + ahead); normally 0.
--
-- Key       <prefix>:{<bucketKey>}:2<fp>, layout tag "2" then 5 base64url characters of the spec fingerprint: the
--           tag keeps this layout's keys apart from the previous layout's <prefix>:{<bucketKey>}:<8 hex digits>.
-- Value     fixed-width binary, big-endian (struct.pack '>I7I<w_1>..I<w_n>'): t (micros of the levels) in 7 bytes,
--           then level i (internal units) in w_i bytes, the fewest that hold capacityUnits_i, e.g. 10 bytes for
--           20 @ 5/s; expires (SET ... PX) when every limit would be full again. A missing key is a full bucket, and
--           so is a value of the wrong length. Every value stays an exact integer below 2^53 (Limit guarantees it),
--           so Lua doubles and 7 bytes hold them exactly.
-- Upgrading when the key is missing, the previous layout's hash (same hash tag, so same slot; fields t, 1..n, as
--           tollgate.lua writes it) is read as the starting state, so a bucket carries over a rolling deploy. That
--           key is derived here (not declared in KEYS) and never written: instances still on the previous script keep
--           deciding on it without errors. Trade-off: while old and new instances both run, they enforce separately
--           (up to a limit each, after the one carry-over), until the old ones are gone and their hashes expire.
--
-- Variant   on Redis 7+ Cluster the store loads this text behind "#!lua flags=allow-cross-slot-keys" and a prologue
--           that takes the keys from ARGV (ARGV[1] = D, ARGV[2..D+1] the keys, then the arguments above), so one call
--           can carry keys of several slots of one node: declared KEYS of different slots are refused with CROSSSLOT
--           even with that flag. A key that is not on the node fails the whole call before its first write.
--
-- Order     every read and check of the whole call runs before its first write, so an error cannot leave a
--           half-written bucket; per decision all limits are consumed or none; a denial writes nothing; each
--           written key is written once, with its final state and TTL.
-- State of one key: t (nil = missing, full) and levels (nil entries = full).
local function readHash(key, spec)
  local fields = {'t'}
  for i = 1, spec.n do fields[i + 1] = i end
  local h = redis.pcall('HMGET', key, unpack(fields))
  if type(h) == 'table' and h.err then return {levels = {}} end -- not a hash: not ours, start full
  local levels = {}
  for i = 1, spec.n do levels[i] = tonumber(h[i + 1]) end
  return {t = tonumber(h[1]), levels = levels}
end

local function read(key, spec)
  local v = redis.call('GET', key)
  if not v then
    return readHash(string.match(key, '^(.*:)[^:]*$') .. spec.old, spec)
  end
  if #v ~= spec.size then return {levels = {}} end
  local r = {struct.unpack(spec.fmt, v)}
  local levels = {}
  for i = 1, spec.n do levels[i] = r[i + 1] end
  return {t = r[1], levels = levels}
end

local function encode(st)
  return struct.pack(st.spec.fmt, st.t, unpack(st.levels, 1, st.spec.n))
end

local now = tonumber(ARGV[1])
if now == 0 then
  local tm = redis.call('TIME')
  now = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
end

local specs = {}
local p = 3
for s = 1, tonumber(ARGV[2]) do
  local n = tonumber(ARGV[p + 1])
  local spec = {old = ARGV[p], n = n, cap = {}, inc = {}, upt = {}, fmt = '>I7', size = 7}
  for i = 1, n do
    spec.cap[i] = tonumber(ARGV[p + 1 + 3 * i - 2])
    spec.inc[i] = tonumber(ARGV[p + 1 + 3 * i - 1])
    spec.upt[i] = tonumber(ARGV[p + 1 + 3 * i])
    local w = 1
    while spec.cap[i] >= 256 ^ w do w = w + 1 end
    spec.fmt = spec.fmt .. 'I' .. w
    spec.size = spec.size + w
  end
  specs[s] = spec
  p = p + 2 + 3 * n
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
