-- Tollgate token buckets, many decisions per call: refill, check and consume atomically, in order, on one clock.
-- Mirrors io.tollgate.core.bucket.TokenBucket exactly (and InMemoryBucketStore's all-or-nothing rule for groups);
-- groups run as if one after the other.
--
-- KEYS[d]   bucket key of decision d = 1..D (a key may repeat: a later decision sees the earlier one's result)
-- ARGV[1]   now in micros; 0 = use the server's TIME, read once per call (a non-zero value is for tests only)
-- ARGV[2]   S, the number of distinct specs in this call
--           then S spec entries, each: n (number of limits), then capacityUnits, unitsPerMicro, unitsPerToken for
--           limit i = 1..n
--           then R, the number of reservations, and R pairs: decision index d, its longest wait in micros
--           then per decision d = 1..D: spec index (1..S), cost in whole tokens (>= 0; 0 = check only), group
--           (a number; a group is a run of consecutive decisions with the same number, one request of
--           BucketStore.tryConsumeAll; a single decision is a group of one)
-- Groups    all or nothing: every decision of a group is checked before any is applied; the group is applied only
--           when every one is allowed, and then each takes its cost; otherwise none takes anything. Within a group a
--           repeated key sees the earlier decisions' costs taken, whether or not the group is then applied. A cost
--           of 0 is always allowed and never writes its key.
-- Reserve   a reservation (a lone decision, never in a group of several) takes its cost at the least whole number of
--           micros w after the key's state time (0 when the tokens are there) at which every limit holds it, if the
--           state time's lead over now plus w is within its longest wait: the key's state is refilled by w more, the
--           cost taken there, and its time moved to that point, so later decisions queue behind it (what is left is
--           below one micro of refill). It is then allowed, and its ahead is its caller's wait. Otherwise it is denied
--           and takes nothing, like a decision. Mirrors TokenBucket.tryReserve.
-- Returns   a flat integer array: now, then per decision d: allowed (1/0), ahead, level_1 .. level_n.
--           allowed says whether d's own bucket holds its cost (its group was applied iff every d of it has 1);
--           levels are after refill (and after the group's earlier costs on the same key), and after d's own cost
--           too when its group was applied; ahead is how far (micros) the stored time is ahead of now when the
--           server clock went backwards (then no time passed and the decision is taken at now + ahead); normally 0.
--
-- Key       <prefix>:{<bucketKey>}:2<fp>, layout tag "2" then 5 base64url characters of the spec fingerprint: the
--           tag keeps this layout's keys apart from the previous layout's <prefix>:{<bucketKey>}:<8 hex digits>.
-- Value     fixed-width binary, big-endian (struct.pack '>I7I<w_1>..I<w_n>'): t (micros of the levels) in 7 bytes,
--           then level i (internal units) in w_i bytes, the fewest that hold capacityUnits_i, e.g. 10 bytes for
--           20 @ 5/s; expires (SET ... PX) when every limit would be full again. A missing key is a full bucket, and
--           so is a value of the wrong length. Every value stays an exact integer below 2^53 (Limit guarantees it),
--           so Lua doubles and 7 bytes hold them exactly.
-- Previous  layout: a hash at <prefix>:{<bucketKey>}:<8 hex digits> (tollgate.lua), a different key, never read or
--           written here. It is not carried over: reading it for every missing key cost a quarter of the call's
--           Redis time when keys had expired (measured), and a missing key is the usual case for a light client.
--
-- Variant   on Redis 7+ Cluster the store loads this text behind "#!lua flags=allow-cross-slot-keys" and a prologue
--           that takes the keys from ARGV (ARGV[1] = D, ARGV[2..D+1] the keys, then the arguments above), so one call
--           can carry keys of several slots of one node: declared KEYS of different slots are refused with CROSSSLOT
--           even with that flag. A key that is not on the node fails the whole call before its first write. That
--           variant reads key by key (ONE_SLOT = false), since even there one command must stay within one slot.
--
-- Order     every read and check of the whole call runs before its first write, so an error cannot leave a
--           half-written bucket; per decision all limits are consumed or none, per group all decisions or none; a
--           denial (of a decision or of its group) and a check write nothing; each written key is written once, with
--           its final state and TTL.
-- Cost      one MGET of the call's distinct keys and one SET per key that an applied decision changed; no table is
--           made per decision except a key's state when first read (and, in a group of several, its key's state as
--           the group sees it), so the work per decision stays small; a lone decision (a group of one that is not
--           a reservation, the usual case) is checked and applied in one pass.
-- State     of one key while the call runs: {t, level_1, .., level_n}; t == false for a missing key (a full bucket).
local ONE_SLOT = true -- false in the Cluster variant (see Variant): one command must not span slots
local unpack, tonumber, floor = unpack, tonumber, math.floor
local call, pack, unpk = redis.call, struct.pack, struct.unpack

local function decode(v, spec)
  if not v or #v ~= spec.size then return {false} end
  local st = {unpk(spec.fmt, v)}
  st[spec.n + 2] = nil -- unpack's trailing next position
  return st
end

local now = tonumber(ARGV[1])
if now == 0 then
  local tm = call('TIME')
  now = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
end

local specs = {}
local p = 3
for s = 1, tonumber(ARGV[2]) do
  local n = tonumber(ARGV[p])
  local spec = {n = n, cap = {}, inc = {}, upt = {}, fmt = '>I7', size = 7}
  for i = 1, n do
    spec.cap[i] = tonumber(ARGV[p + 3 * i - 2])
    spec.inc[i] = tonumber(ARGV[p + 3 * i - 1])
    spec.upt[i] = tonumber(ARGV[p + 3 * i])
    local w = 1
    while spec.cap[i] >= 256 ^ w do w = w + 1 end
    spec.fmt = spec.fmt .. 'I' .. w
    spec.size = spec.size + w
  end
  specs[s] = spec
  p = p + 1 + 3 * n
end

local waits = {} -- decision index -> longest wait, for reservations
for r = 1, tonumber(ARGV[p]) do
  waits[tonumber(ARGV[p + 2 * r - 1])] = tonumber(ARGV[p + 2 * r])
end
p = p + 1 + 2 * tonumber(ARGV[p])

local states = {} -- key -> state read or written in this call
local specOf = {} -- key -> spec of its last consuming decision, for keys to write
local written = {} -- keys to write, in order of their first consuming decision
local nw = 0
local out = {now}
local o = 1 -- values in out so far
local scratch = {} -- the one decision of a group of one: its key's refilled state (no table made per decision)
-- One MGET reads every distinct key of the call (cheaper than a GET each); values[slot[key]] is the key's value.
local slot, distinct = {}, {}
for d = 1, #KEYS do
  local key = KEYS[d]
  if slot[key] == nil then
    distinct[#distinct + 1] = key
    slot[key] = #distinct
  end
end
local values
if ONE_SLOT then
  values = call('MGET', unpack(distinct))
else
  values = {}
  for i = 1, #distinct do values[i] = call('GET', distinct[i]) end
end

-- dst = {at, level_1 .. level_n}: state st refilled to now (at = the stored time if the clock went backwards)
local function refilled(st, spec, dst)
  local n, cap, inc = spec.n, spec.cap, spec.inc
  local t = st[1]
  local at = now
  local elapsed = 0
  if t then
    if t > now then at = t end -- clock went backwards: no time passed
    elapsed = at - t
  end
  dst[1] = at
  for i = 1, n do
    local c = cap[i]
    local level = t and st[i + 1] or c
    local missing = c - level
    if missing <= 0 then
      level = c
    elseif elapsed > 0 then
      -- elapsed >= ceil(missing/inc) <=> elapsed*inc >= missing; the product form avoids an inexact division
      -- and rounds monotonically, so the comparison stays exact even when the product passes 2^53.
      if elapsed * inc[i] >= missing then level = c else level = level + elapsed * inc[i] end
    end
    dst[i + 1] = level
  end
  return dst
end

local D = #KEYS
local q = p - 3 -- ARGV[q + 3d], [q + 3d + 1], [q + 3d + 2]: spec index, cost and group of decision d
local d = 1
while d <= D do
  -- the group: decisions d .. e, the run with decision d's group number
  local g = ARGV[q + 3 * d + 2]
  local e = d
  while e < D and ARGV[q + 3 * e + 5] == g do e = e + 1 end
  if e == d and not waits[d] then
    -- a lone decision (the usual case): checked and applied in one pass, as the general path below would. Its
    -- state lookup and write marking are inline copies of the group path's: as local functions they cost 0.1 us
    -- of Redis CPU per decision (measured, 4% of throughput), so keep the two in step.
    local key = KEYS[d]
    local spec = specs[tonumber(ARGV[q + 3 * d])]
    local cost = tonumber(ARGV[q + 3 * d + 1])
    local st = states[key]
    if st == nil then
      st = decode(values[slot[key]], spec)
      states[key] = st
    end
    local cur = refilled(st, spec, scratch)
    local n, upt = spec.n, spec.upt
    local allowed = 1
    for i = 1, n do
      if cur[i + 1] < cost * upt[i] then allowed = 0 end
    end
    out[o + 1] = allowed
    out[o + 2] = cur[1] - now
    if allowed == 1 and cost > 0 then
      st[1] = cur[1]
      for i = 1, n do
        local level = cur[i + 1] - cost * upt[i]
        st[i + 1] = level
        out[o + 2 + i] = level
      end
      if specOf[key] == nil then
        nw = nw + 1
        written[nw] = key
      end
      specOf[key] = spec
    else
      for i = 1, n do out[o + 2 + i] = cur[i + 1] end -- a denial or a check takes nothing
    end
    o = o + 2 + n
    d = e + 1
  else
    -- a group's keys seen so far, each with its state as this group sees it (refilled, earlier costs taken)
    local seen = e > d and {} or nil
    local admitted = true
    local o0 = o
    for k = d, e do
      local key = KEYS[k]
      local spec = specs[tonumber(ARGV[q + 3 * k])]
      local cost = tonumber(ARGV[q + 3 * k + 1])
      local st = states[key]
      if st == nil then
        st = decode(values[slot[key]], spec)
        states[key] = st
      end
      local cur
      if seen then
        cur = seen[key]
        if cur == nil then
          cur = refilled(st, spec, {})
          seen[key] = cur
        end
      else
        cur = refilled(st, spec, scratch)
      end
      local n, upt = spec.n, spec.upt
      local allowed = 1
      for i = 1, n do
        if cur[i + 1] < cost * upt[i] then allowed = 0 end
      end
      local maxWait = waits[k]
      if maxWait then -- a reservation: even tokens that are there wait for the state's time (cur[1])
        local cap, inc = spec.cap, spec.inc
        local w, fits = 0, true
        for i = 1, n do
          local need = cost * upt[i]
          if need > cap[i] then fits = false end
          local deficit = need - cur[i + 1]
          if deficit > 0 then
            -- the least wi with wi * inc >= deficit, by integer steps (a division alone may round across)
            local wi = floor(deficit / inc[i])
            while wi * inc[i] < deficit do wi = wi + 1 end
            while wi > 0 and (wi - 1) * inc[i] >= deficit do wi = wi - 1 end
            if wi > w then w = wi end
          end
        end
        if fits and cur[1] - now + w <= maxWait then
          cur[1] = cur[1] + w
          for i = 1, n do
            if w * inc[i] >= cap[i] - cur[i + 1] then cur[i + 1] = cap[i] else cur[i + 1] = cur[i + 1] + w * inc[i] end
          end
          allowed = 1
        else
          allowed = 0
        end
      end
      out[o + 1] = allowed
      out[o + 2] = cur[1] - now
      for i = 1, n do out[o + 2 + i] = cur[i + 1] end -- refilled, before this cost: a denied group takes nothing
      o = o + 2 + n
      if allowed == 1 then
        for i = 1, n do cur[i + 1] = cur[i + 1] - cost * upt[i] end
      else
        admitted = false
      end
    end
    if admitted then
      -- apply the whole group: each consuming key's state becomes what the group saw, each reply shows its cost taken
      local r = o0
      for k = d, e do
        local key = KEYS[k]
        local spec = specs[tonumber(ARGV[q + 3 * k])]
        local cost = tonumber(ARGV[q + 3 * k + 1])
        local n, upt = spec.n, spec.upt
        for i = 1, n do out[r + 2 + i] = out[r + 2 + i] - cost * upt[i] end
        r = r + 2 + n
        if cost > 0 then -- a check (cost 0) writes nothing
          local st = states[key]
          local cur = seen and seen[key] or scratch
          for i = 1, n + 1 do st[i] = cur[i] end
          if specOf[key] == nil then
            nw = nw + 1
            written[nw] = key
          end
          specOf[key] = spec
        end
      end
    end
    d = e + 1
  end
end

for w = 1, nw do
  local key = written[w]
  local st, spec = states[key], specOf[key]
  local t = st[1]
  local untilFull = t - now -- the levels are true at t, ahead of now if the clock went backwards
  for i = 1, spec.n do
    local inc = spec.inc[i]
    local u = t - now + floor((spec.cap[i] - st[i + 1] + inc - 1) / inc)
    if u > untilFull then untilFull = u end
  end
  -- only a decision with a cost above 0 writes, taking at least one unit, so untilFull >= 1: every written key expires
  call('SET', key, pack(spec.fmt, unpack(st, 1, spec.n + 1)), 'PX', math.ceil(untilFull / 1000) + 1)
end
return out
