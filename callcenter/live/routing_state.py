"""The routing state in Redis: the queue of calls and the atomic changes of calls and agents together.

Keys: ``cc:routing:queue`` (sorted set of queued call ids by arrival), ``cc:routing:call:<call id>``
(hash: language, arrived, state, round, targets, ring_until, last_seen, answered_by, caller; kept a
day), ``cc:routing:seeded`` (set once the state was filled from the database: a Redis restarted empty
lacks it) and the agents' hashes of RedisPresenceStore. A change WATCHes the call and every agent it
involves, reads them (one script call), lets a pure function decide and writes the result in MULTI/EXEC:
if another node changed any of them meanwhile, EXEC fails and the change is decided again on fresh
state. That is what keeps an agent from being offered two callers, whatever the number of nodes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from redis import Redis, RedisError, WatchError

from callcenter.domain.call_records import QUEUED, CallRouting, CallState
from callcenter.domain.errors import Conflict
from callcenter.domain.presence import AgentState, offline
from callcenter.live.presence_store import (
    PREFIX,
    RedisPresenceStore,
    decode_state,
    encode_state,
    iso,
    pairs,
    text,
    time_or_none,
)
from callcenter.services.routing_ports import Applied, ChangeFn, RoutingStateUnavailable, Snapshot

log = logging.getLogger(__name__)

T = TypeVar("T")
CALL_TTL_S = 24 * 3600
MAX_ATTEMPTS = 100  # optimistic retries; contention on one agent resolves in a few
# KEYS: agents index, queue, seeded marker, then the agents' and calls' keys; ARGV: number of agents, then
# one JSON spec per key. A key that exists already is left alone.
_SEED = """
local agents = tonumber(ARGV[1])
for i = 4, #KEYS do
  local spec = cjson.decode(ARGV[i - 2])
  if redis.call('EXISTS', KEYS[i]) == 0 then
    for field, value in pairs(spec.fields) do redis.call('HSET', KEYS[i], field, value) end
    if i - 3 <= agents then
      redis.call('SADD', KEYS[1], spec.member)
    else
      redis.call('EXPIRE', KEYS[i], spec.ttl)
      if spec.score ~= cjson.null and spec.score ~= nil then
        redis.call('ZADD', KEYS[2], spec.score, spec.member)
      end
    end
  end
end
redis.call('SET', KEYS[3], '1')
return 1
"""
_READ_HASHES = ("local out = {} for i, key in ipairs(KEYS) do out[i] = redis.call('HGETALL', key) end "
                "return out")


class RedisRoutingStore:
    def __init__(self, redis: Redis, prefix: str = PREFIX) -> None:
        self._redis = redis
        self._prefix = prefix
        self.presence = RedisPresenceStore(redis, prefix)

    @property
    def queue_key(self) -> str:
        return f"{self._prefix}routing:queue"

    @property
    def seeded_key(self) -> str:
        return f"{self._prefix}routing:seeded"

    def call_key(self, call_id: str) -> str:
        return f"{self._prefix}routing:call:{call_id}"

    def snapshot(self, stale_before: datetime, now: datetime) -> Snapshot:
        with _unavailable_on_error():
            agents = self.presence.read(None, now)
            ids = [text(i) for i in self._redis.zrange(self.queue_key, 0, -1)]
            calls, gone = self._queued(ids, stale_before)
            if gone:
                self._redis.zrem(self.queue_key, *gone)
            seeded = bool(self._redis.exists(self.seeded_key))
        return Snapshot(agents, calls, seeded)

    def agents(self, agent_ids: Sequence[int] | None, now: datetime) -> dict[int, AgentState]:
        with _unavailable_on_error():
            return self.presence.read(agent_ids, now)

    def change(self, call_id: str | None, agent_ids: Iterable[int], fn: ChangeFn[T],
               now: datetime) -> Applied[T]:
        wanted = list(agent_ids)
        with _unavailable_on_error():
            for _ in range(MAX_ATTEMPTS):
                with self._redis.pipeline() as pipe:
                    try:
                        return self._attempt(pipe, call_id, wanted, fn, now)
                    except WatchError:
                        continue
        raise Conflict("The routing state kept changing under this request; send it again.")

    def ping(self) -> None:
        with _unavailable_on_error():
            self._redis.ping()

    def restore(self, agents: Sequence[AgentState], calls: Sequence[CallRouting], *, overwrite: bool) -> None:
        if not overwrite:
            self._seed(agents, calls)
            return
        with _unavailable_on_error(), self._redis.pipeline() as pipe:
            for state in agents:
                self.presence.write(pipe, state)
            for call in calls:
                self._write_call(pipe, call)
            pipe.set(self.seeded_key, "1")
            pipe.execute()

    def _seed(self, agents: Sequence[AgentState], calls: Sequence[CallRouting]) -> None:
        """Write the states whose keys are missing, in one script: live changes made meanwhile stay."""
        keys = [self.presence.index_key, self.queue_key, self.seeded_key]
        specs: list[str] = []
        for state in agents:
            keys.append(self.presence.key(state.agent_id))
            specs.append(json.dumps({"fields": encode_state(state), "member": str(state.agent_id)}))
        for call in calls:
            keys.append(self.call_key(call.call_id))
            score = call.arrived.timestamp() if call.state in QUEUED else None
            specs.append(json.dumps({"fields": encode_call(call), "member": call.call_id, "score": score,
                                     "ttl": CALL_TTL_S}))
        with _unavailable_on_error():
            self._redis.eval(_SEED, len(keys), *keys, len(agents), *specs)

    def _attempt(self, pipe: Any, call_id: str | None, agent_ids: list[int], fn: ChangeFn[T],
                 now: datetime) -> Applied[T]:
        call = None
        if call_id is not None:
            pipe.watch(self.call_key(call_id))
            call = decode_call(call_id, pipe.hgetall(self.call_key(call_id)))
        ids = sorted(set(agent_ids) | (call.involved() if call else set()))
        states = self._watch_agents(pipe, ids, now)
        move = fn(call, states)
        if move.call is None and not move.agents:
            pipe.unwatch()
            return Applied(None, {}, {}, move.result)
        pipe.multi()
        for state in move.agents.values():
            self.presence.write(pipe, state)
        if move.call is not None:
            self._write_call(pipe, move.call)
        pipe.execute()
        return Applied(move.call, dict(move.agents), {a: states[a] for a in move.agents}, move.result)

    def _watch_agents(self, pipe: Any, ids: list[int], now: datetime) -> dict[int, AgentState]:
        if not ids:
            return {}
        keys = [self.presence.key(i) for i in ids]
        pipe.watch(*keys)
        raws = pipe.eval(_READ_HASHES, len(keys), *keys)
        return {i: decode_state(i, pairs(raw)) or offline(i, now) for i, raw in zip(ids, raws, strict=True)}

    def _write_call(self, pipe: Any, call: CallRouting) -> None:
        key = self.call_key(call.call_id)
        pipe.delete(key)
        pipe.hset(key, mapping=encode_call(call))
        pipe.expire(key, CALL_TTL_S)
        if call.state in QUEUED:
            pipe.zadd(self.queue_key, {call.call_id: call.arrived.timestamp()})
        else:
            pipe.zrem(self.queue_key, call.call_id)

    def _queued(self, ids: list[str], stale_before: datetime) -> tuple[dict[str, CallRouting], list[str]]:
        if not ids:
            return {}, []
        with self._redis.pipeline(transaction=False) as pipe:
            for call_id in ids:
                pipe.hgetall(self.call_key(call_id))
            raws = pipe.execute()
        calls: dict[str, CallRouting] = {}
        gone = []
        for call_id, raw in zip(ids, raws, strict=True):
            call = decode_call(call_id, raw)
            if call is None or call.state not in QUEUED or (call.last_seen or call.arrived) < stale_before:
                gone.append(call_id)  # hung up unseen, or its hash expired
            else:
                calls[call_id] = call
        return calls, gone


def encode_call(call: CallRouting) -> dict[str, str]:
    fields = {"arrived": call.arrived.isoformat(), "state": call.state.value, "round": str(call.round),
              "targets": " ".join(str(a) for a in call.targets), "caller": call.caller}
    optional = {"language": call.language, "ring_until": iso(call.ring_until),
                "last_seen": iso(call.last_seen),
                "answered_by": str(call.answered_by) if call.answered_by is not None else None}
    return fields | {name: value for name, value in optional.items() if value is not None}


def decode_call(call_id: str, raw: Mapping[Any, Any]) -> CallRouting | None:
    fields = {text(k): text(v) for k, v in raw.items()}
    if "state" not in fields:
        return None
    answered_by = fields.get("answered_by")
    return CallRouting(call_id, fields.get("language"), datetime.fromisoformat(fields["arrived"]),
                       CallState(fields["state"]), int(fields["round"]),
                       tuple(int(a) for a in fields["targets"].split()),
                       time_or_none(fields.get("ring_until")), time_or_none(fields.get("last_seen")),
                       int(answered_by) if answered_by else None,
                       fields.get("caller", ""))


class _unavailable_on_error:
    """Turn a Redis failure into RoutingStateUnavailable for the services (they fall back to the database)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, (RedisError, OSError)) and not isinstance(exc, WatchError):
            text = str(exc).strip().splitlines()
            detail = text[0] if text else "no detail"
            raise RoutingStateUnavailable(f"{type(exc).__name__}: {detail}") from exc
