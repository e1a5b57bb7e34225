"""The Lua scripts of the Redis routing state (callcenter.live.routing_state): each is one round trip.

A change reads the call and its agents with READ, which also returns a fingerprint of everything it
read (SHA-1 over the stored states, in order); the move is decided in Python; WRITE_IF_UNCHANGED then
recomputes the fingerprint over the same keys and writes only if it is the same, atomically (a script
runs alone). If another node changed the call or one of the agents meanwhile, nothing is written and
the change is decided again on fresh state. Comparing contents rather than watching keys also accepts
a concurrent write that left a state as it was, which cannot invalidate the decision.

Each agent's and each call's state is one string (routing_state: the JSON array [field, value, …]),
not a hash: a script reads fifty agents with one MGET and sends them on as they are, where it ran fifty
HGETALL and encoded each reply to JSON (that took most of a ring-all's script time), and writes each
with one SET instead of DEL and HSET.
"""

from __future__ import annotations

# Shared by every script. A state is stored as one string, the JSON array [field, value, …], and travels
# as stored (the client decodes one string far faster than a nested reply; a missing one travels as
# '{}'); the fingerprint is the SHA-1 of the states read (the call's, then the agents' in ascending id
# order) joined by '\1', which JSON escapes. Many keys are read with one MGET (a thousand at a time:
# unpack() has a limit).
_FINGERPRINT = """
local function joined(key)
  return redis.call('GET', key) or '{}'
end
local function mget(keys)
  local values = {}
  for first = 1, #keys, 1000 do
    local got = redis.call('MGET', unpack(keys, first, math.min(first + 999, #keys)))
    for i = 1, #got do values[#values + 1] = got[i] or '{}' end
  end
  return values
end
local function prefixed(prefix, ids)
  local keys = {}
  for i, id in ipairs(ids) do keys[i] = prefix .. id end
  return keys
end
local function read_all(call_key, prefix, ids)
  local hashes = {joined(call_key)}
  for _, value in ipairs(mget(prefixed(prefix, ids))) do hashes[#hashes + 1] = value end
  return hashes
end
local function fingerprint(hashes)
  return redis.sha1hex(table.concat(hashes, '\\1'))
end
"""

# Shared by SNAPSHOT and WRITE_IF_UNCHANGED: {agent id, state, …} of every agent with a state.
_AGENTS_OF = """
local function agents_of(agents_index, agent_prefix)
  local ids = redis.call('SMEMBERS', agents_index)
  local values = mget(prefixed(agent_prefix, ids))
  local agents = {}
  for i, id in ipairs(ids) do
    agents[#agents + 1] = id
    agents[#agents + 1] = values[i]
  end
  return agents
end
"""

# Shared by SNAPSHOT and QUEUED_CALLS: {call id, state, …} of every queued call.
_CALLS_OF = """
local function calls_of(queue, call_prefix)
  local ids = redis.call('ZRANGE', queue, 0, -1)
  local values = mget(prefixed(call_prefix, ids))
  local calls = {}
  for i, call_id in ipairs(ids) do
    calls[#calls + 1] = call_id
    calls[#calls + 1] = values[i]
  end
  return calls
end
"""

# KEYS[1]: the call's key (a key that never exists when the change is about no call).
# ARGV[1]: the agents' key prefix; ARGV[2..]: the agents asked for.
# Returns {{call state, agent states…}, agent ids read, fingerprint}: the agents asked for and those
# the call rings or rang and its answerer, in ascending id order.
READ = _FINGERPRINT + """
local call = cjson.decode(joined(KEYS[1]))
local wanted = {}
for i = 2, #ARGV do wanted[tonumber(ARGV[i])] = true end
for i = 1, #call, 2 do
  if call[i] == 'targets' then
    for id in string.gmatch(call[i + 1], '%d+') do wanted[tonumber(id)] = true end
  elseif call[i] == 'answered_by' then
    wanted[tonumber(call[i + 1])] = true
  end
end
local ids = {}
for id in pairs(wanted) do ids[#ids + 1] = id end
table.sort(ids)
for i, id in ipairs(ids) do ids[i] = tostring(id) end
local hashes = read_all(KEYS[1], ARGV[1], ids)
return {hashes, ids, fingerprint(hashes)}
"""

# KEYS[1]: the call's key, KEYS[2]: the agents index, KEYS[3]: the queue, KEYS[4]: the seeded marker.
# ARGV[1]: JSON {prefix, fingerprint, read: [agent ids], agents: {id: state}, call: state | null,
#                call_id, queued: score | null, ttl, snapshot: calls' key prefix | null,
#                snapshot_calls: the most queued calls sent along}.
# Returns 1 when written, 0 when the state changed; with ``snapshot``, {1, agents, seeded, calls, call}
# when written: the state after the write as SNAPSHOT returns it, and the call's state, in the same round
# trip (a change decided on that state fingerprints it rather than reading it again) — the queued calls
# only when there are at most ``snapshot_calls`` of them (else 0): a hundred waiting callers' states were
# most of the script's time (measured when each was a hash, encoded one by one), and a decision needs
# them only when an agent is free (then QUEUED_CALLS reads them); a short queue costs less than the round
# trip it would take later.
WRITE_IF_UNCHANGED = _FINGERPRINT + _AGENTS_OF + _CALLS_OF + """
local spec = cjson.decode(ARGV[1])
if fingerprint(read_all(KEYS[1], spec.prefix, spec.read)) ~= spec.fingerprint then return 0 end
local written = {}
for id, value in pairs(spec.agents) do
  redis.call('SET', spec.prefix .. id, value)
  written[#written + 1] = id
end
for first = 1, #written, 1000 do
  redis.call('SADD', KEYS[2], unpack(written, first, math.min(first + 999, #written)))
end
if spec.call ~= cjson.null then
  redis.call('SET', KEYS[1], spec.call, 'EX', spec.ttl)
  if spec.queued ~= cjson.null then
    redis.call('ZADD', KEYS[3], spec.queued, spec.call_id)
  else
    redis.call('ZREM', KEYS[3], spec.call_id)
  end
end
if spec.snapshot == nil or spec.snapshot == cjson.null then return 1 end
local calls = 0
if redis.call('ZCARD', KEYS[3]) <= spec.snapshot_calls then calls = calls_of(KEYS[3], spec.snapshot) end
return {1, agents_of(KEYS[2], spec.prefix), redis.call('EXISTS', KEYS[4]), calls, joined(KEYS[1])}
"""

# KEYS[1]: the agents index, KEYS[2]: the queue, KEYS[3]: the seeded marker, KEYS[4] (optional): a call.
# ARGV[1]: the agents' key prefix, ARGV[2]: the calls' key prefix.
# Returns {{agent id, state, …}, {call id, state, …}, seeded (0/1)}: every agent with a state, every
# queued call; with KEYS[4], that call's state too (as stored, '{}' when missing), as a change returns it.
SNAPSHOT = _FINGERPRINT + _AGENTS_OF + _CALLS_OF + """
local found = {agents_of(KEYS[1], ARGV[1]), calls_of(KEYS[2], ARGV[2]), redis.call('EXISTS', KEYS[3])}
if KEYS[4] then found[4] = joined(KEYS[4]) end
return found
"""

# KEYS[1]: the queue. ARGV[1]: the calls' key prefix. Returns {call id, state, …} of every queued call.
QUEUED_CALLS = _FINGERPRINT + _CALLS_OF + """
return calls_of(KEYS[1], ARGV[1])
"""

# KEYS: agents index, queue, seeded marker, then the agents' and calls' keys; ARGV: number of agents, then
# one JSON spec per key ({value, member}, a call's also {score, ttl}). A key that exists already is left
# alone.
SEED = """
local agents = tonumber(ARGV[1])
for i = 4, #KEYS do
  local spec = cjson.decode(ARGV[i - 2])
  if i - 3 <= agents then
    if redis.call('SET', KEYS[i], spec.value, 'NX') then redis.call('SADD', KEYS[1], spec.member) end
  elseif redis.call('SET', KEYS[i], spec.value, 'NX', 'EX', spec.ttl) then
    if spec.score ~= cjson.null and spec.score ~= nil then
      redis.call('ZADD', KEYS[2], spec.score, spec.member)
    end
  end
end
redis.call('SET', KEYS[3], '1')
return 1
"""
