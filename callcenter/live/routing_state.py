"""The routing state in Redis: the queue of calls and the atomic changes of calls and agents together.

Keys: ``cc:routing:queue`` (sorted set of queued call ids by arrival), ``cc:routing:calls:<call id>``
(a string, the JSON array [field, value, …] of language, arrived, state, round, targets, ring_until,
last_seen, answered_by, caller; kept a day), ``cc:routing:filled`` (set once the state was filled from
the database: a Redis restarted empty lacks it) and the agents' states of RedisPresenceStore. (Until
2026-11-27 calls were hashes under ``cc:routing:call:<call id>`` and the marker ``cc:routing:seeded``:
those are not read, so a Redis that holds them is filled again from the database.)

A change reads the call and every agent it involves in one script, lets a pure function decide, and writes
the result with a second script that first checks that nothing it read has changed
(callcenter.live.routing_scripts): if another node changed any of it meanwhile, nothing is written and the
change is decided again on fresh state. That is what keeps an agent from being offered two callers, whatever
the number of nodes; it costs two round trips per change, and a snapshot of the whole state one (or none:
the write can return the state after it, which a route request plans on; a long queue is left out of it and
read when first used, which a decision does only when an agent is free). A change needs no read when the
caller knows the state: a call recorded just now is not in it yet, and a route request reserves its targets
on the snapshot its entering brought back. The write's fingerprint is then computed here over what the
caller knows; if the state differs, nothing is written and the change reads and decides again as above.
A snapshot can also be sent ahead (``snapshot_ahead``) on a connection of its own and read later, with the
state of one call: a new call's route sends it before the database records the call, and enters and
rings the call in one write decided on it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from redis import Redis, RedisError, ResponseError

from callcenter.domain.call_records import QUEUED, CallRouting, CallState
from callcenter.domain.errors import Conflict
from callcenter.domain.presence import AgentState, offline
from callcenter.domain.routing_moves import Move
from callcenter.live import routing_scripts as scripts
from callcenter.live.presence_store import (
    PREFIX,
    RedisPresenceStore,
    decode_state,
    encode_state,
    encode_states,
    iso,
    joined,
    text,
    time_or_none,
    unjoin,
)
from callcenter.services.routing_ports import (
    Applied,
    ChangeFn,
    ReadWhenUsed,
    RoutingStateUnavailable,
    Snapshot,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
CALL_TTL_S = 24 * 3600
MAX_ATTEMPTS = 100  # optimistic retries; contention on one agent resolves in a few
CALLS_SENT_ALONG = 20  # a change's snapshot brings the queued calls along when there are at most this many
DECODED_AGENTS = 20_000  # agents' states kept decoded (AgentState is immutable: safe to share)
_MISSING = object()
ABSENT = b"{}"  # a state that does not exist, as the scripts send it


class RedisRoutingStore:
    def __init__(self, redis: Redis, prefix: str = PREFIX) -> None:
        self._redis = redis
        self._prefix = prefix
        self.presence = RedisPresenceStore(redis, prefix)
        self._read = redis.register_script(scripts.READ)
        self._write = redis.register_script(scripts.WRITE_IF_UNCHANGED)
        self._snapshot = redis.register_script(scripts.SNAPSHOT)
        self._queued_calls = redis.register_script(scripts.QUEUED_CALLS)
        self._seed_script = redis.register_script(scripts.SEED)
        self._decoded: dict[tuple[int, bytes | str], AgentState | None] = {}

    @property
    def queue_key(self) -> str:
        return f"{self._prefix}routing:queue"

    @property
    def seeded_key(self) -> str:
        return f"{self._prefix}routing:filled"

    def call_key(self, call_id: str) -> str:
        return f"{self._prefix}routing:calls:{call_id}"

    def snapshot(self, stale_before: datetime, now: datetime) -> Snapshot:
        with _unavailable_on_error():
            raw_agents, raw_calls, seeded = self._snapshot(
                keys=[self.presence.index_key, self.queue_key, self.seeded_key],
                args=[self.presence.key(""), self.call_key("")])
            return self._snapshot_of(raw_agents, lambda: raw_calls, seeded, stale_before, now)

    def snapshot_ahead(self, stale_before: datetime, now: datetime, call_id: str) -> _SnapshotOnTheWay | None:
        """Send the snapshot script now, with the call's state, on a connection of its own; its reply is
        read by result() (or dropped by discard()) once the caller has done its other work (a new call's
        route: while the database records the call). None when it cannot even be sent."""
        keys = [self.presence.index_key, self.queue_key, self.seeded_key, self.call_key(call_id)]
        args = [self.presence.key(""), self.call_key("")]
        pool = self._redis.connection_pool
        try:
            connection = pool.get_connection()
        except (RedisError, OSError):
            return None
        try:
            connection.send_command("EVALSHA", self._snapshot.sha, len(keys), *keys, *args)
        except (RedisError, OSError):
            connection.disconnect()
            pool.release(connection)
            return None
        read = functools.partial(self._snapshot_of_reply, keys[3], stale_before, now)
        return _SnapshotOnTheWay(self._redis, connection, read)

    def _snapshot_of_reply(self, call_key: str, stale_before: datetime, now: datetime,
                           reply: Any) -> Snapshot:
        raw_agents, raw_calls, seeded, call = reply
        return self._snapshot_of(raw_agents, lambda: raw_calls, seeded, stale_before, now,
                                 _Basis(call_key, call, raw_agents))

    def _snapshot_of(self, raw_agents: list[Any], raw_calls: Callable[[], list[Any]], seeded: int,
                     stale_before: datetime, now: datetime, basis: _Basis | None = None) -> Snapshot:
        agents = {int(i): self._agent(int(i), raw) or offline(int(i), now)
                  for i, raw in zip(raw_agents[::2], raw_agents[1::2], strict=True) if raw}
        # With 100 callers waiting, decoding them is most of a snapshot's cost, and a caller's wait loop
        # while no agent is free never needs them: read (``raw_calls``) and decoded when first used.
        calls = ReadWhenUsed(functools.partial(self._decoded_queue, raw_calls, stale_before))
        return Snapshot(dict(sorted(agents.items())), calls, bool(seeded), basis)

    def _decoded_queue(self, raw_calls: Callable[[], list[Any]],
                       stale_before: datetime) -> dict[str, CallRouting]:
        calls, gone = _queued(raw_calls(), stale_before)
        if gone:
            self._drop_from_queue(gone)
        return calls

    def _read_queued_calls(self) -> list[Any]:
        """Read every queued call's state (a snapshot that came with a change reads them when first used)."""
        with _unavailable_on_error():
            return list(self._queued_calls(keys=[self.queue_key], args=[self.call_key("")]))

    def _drop_from_queue(self, call_ids: list[str]) -> None:
        try:
            self._redis.zrem(self.queue_key, *call_ids)
        except RedisError:  # the next snapshot that reads the queue tries again
            log.warning("could not drop %d ended calls from the routing queue", len(call_ids), exc_info=True)

    def _agent(self, agent_id: int, raw: bytes | str) -> AgentState | None:
        """Decode an agent's state as a script sent it; the same state as last time is not decoded again.

        A snapshot reads every agent and most of them have not changed since the previous one: with 300
        agents, decoding them all was a good part of a route decision's CPU.
        """
        key = (agent_id, raw)
        found = self._decoded.get(key, _MISSING)
        if found is _MISSING:
            found = decode_state(agent_id, unjoin(raw))
            if len(self._decoded) >= DECODED_AGENTS:
                self._decoded.clear()  # states of a day: cheap to decode again
            self._decoded[key] = found
        return found  # type: ignore[return-value]

    def agents(self, agent_ids: Sequence[int] | None, now: datetime) -> dict[int, AgentState]:
        with _unavailable_on_error():
            return self.presence.read(agent_ids, now)

    def change(self, call_id: str | None, agent_ids: Iterable[int], fn: ChangeFn[T],
               now: datetime, *, snapshot_stale_before: datetime | None = None,
               on: Snapshot | None = None, new_call: bool = False) -> Applied[T]:
        wanted = sorted(set(agent_ids))
        call_key = self.call_key(call_id) if call_id is not None else f"{self._prefix}routing:no-call"
        with _unavailable_on_error():
            for attempt in range(MAX_ATTEMPTS):
                # What the caller knows stands for the read once: if it is not the state any more, the
                # write finds out (the fingerprint differs), writes nothing, and the next attempt reads.
                known = _known(call_id, call_key, wanted, on, new_call) if attempt == 0 else None
                hashes, ids, fingerprint = known or self._read(keys=[call_key],
                                                               args=[self.presence.key(""), *wanted])
                call = decode_call(call_id, unjoin(hashes[0])) if call_id is not None else None
                states = {int(i): self._agent(int(i), raw) or offline(int(i), now)
                          for i, raw in zip(ids, hashes[1:], strict=True)}
                move = fn(call, states)
                if move.call is None and not move.agents:
                    return Applied(None, {}, {}, move.result)
                written = self._write_if_unchanged(call_key, [text(i) for i in ids], text(fingerprint), move,
                                                   with_snapshot=snapshot_stale_before is not None)
                if written:
                    snapshot = None
                    if snapshot_stale_before is not None:  # {1, agents, seeded, calls or 0, call}: after it
                        _, agents, seeded, sent, call_hash = written
                        calls = self._read_queued_calls if sent == 0 else functools.partial(list, sent)
                        snapshot = self._snapshot_of(agents, calls, seeded, snapshot_stale_before, now,
                                                     _Basis(call_key, call_hash, agents))
                    return Applied(move.call, dict(move.agents), {a: states[a] for a in move.agents},
                                   move.result, snapshot=snapshot)
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

    def _write_if_unchanged(self, call_key: str, read: list[str], fingerprint: str, move: Move[Any], *,
                            with_snapshot: bool = False) -> Any:
        """Write the move unless what was read changed: falsy when not written; when written, 1, or
        with ``with_snapshot`` the script's [1, agents, seeded, calls or 0, call]."""
        call = move.call
        queued = call is not None and call.state in QUEUED
        agents = {agent_id: joined(fields) for agent_id, fields in encode_states(move.agents).items()}
        spec = {"prefix": self.presence.key(""), "fingerprint": fingerprint, "read": read, "agents": agents,
                "call": joined(encode_call(call)) if call is not None else None,
                "call_id": call.call_id if call is not None else None,
                # A string: Lua would round a number to 14 digits, losing the order of close arrivals.
                "queued": repr(call.arrived.timestamp()) if call is not None and queued else None,
                "ttl": CALL_TTL_S, "snapshot": self.call_key("") if with_snapshot else None,
                "snapshot_calls": CALLS_SENT_ALONG}
        if call is not None and self.call_key(call.call_id) != call_key:
            raise ValueError(f"a change of {call_key} cannot write the call {call.call_id!r}")
        written = self._write(keys=[call_key, self.presence.index_key, self.queue_key, self.seeded_key],
                              args=[json.dumps(spec, separators=(",", ":"))])
        return written if isinstance(written, list) else bool(written)

    def _seed(self, agents: Sequence[AgentState], calls: Sequence[CallRouting]) -> None:
        """Write the states whose keys are missing, in one script: live changes made meanwhile stay."""
        keys = [self.presence.index_key, self.queue_key, self.seeded_key]
        specs: list[str] = []
        for state in agents:
            keys.append(self.presence.key(state.agent_id))
            specs.append(json.dumps({"value": joined(encode_state(state)), "member": str(state.agent_id)}))
        for call in calls:
            keys.append(self.call_key(call.call_id))
            score = call.arrived.timestamp() if call.state in QUEUED else None
            specs.append(json.dumps({"value": joined(encode_call(call)), "member": call.call_id,
                                     "score": score, "ttl": CALL_TTL_S}))
        with _unavailable_on_error():
            self._seed_script(keys=keys, args=[len(agents), *specs])

    def _write_call(self, pipe: Any, call: CallRouting) -> None:
        pipe.set(self.call_key(call.call_id), joined(encode_call(call)), ex=CALL_TTL_S)
        if call.state in QUEUED:
            pipe.zadd(self.queue_key, {call.call_id: call.arrived.timestamp()})
        else:
            pipe.zrem(self.queue_key, call.call_id)


def _queued(raw: list[Any], stale_before: datetime) -> tuple[dict[str, CallRouting], list[str]]:
    """Decode the queued calls of a snapshot; also return those to drop from the queue."""
    calls: dict[str, CallRouting] = {}
    gone = []
    for raw_id, stored in zip(raw[::2], raw[1::2], strict=True):
        call_id = text(raw_id)
        call = decode_call(call_id, unjoin(stored))
        if call is None or call.state not in QUEUED or (call.last_seen or call.arrived) < stale_before:
            gone.append(call_id)  # hung up unseen, or its state expired
        else:
            calls[call_id] = call
    return calls, gone


class _SnapshotOnTheWay:
    """A snapshot script sent on a connection taken from the pool (RoutingStore.snapshot_ahead): the
    connection goes back to the pool once its reply is read, by result() or, unused, by discard()."""

    def __init__(self, redis: Redis, connection: Any, read: Callable[[Any], Snapshot]) -> None:
        self._redis = redis
        self._connection: Any | None = connection
        self._read = read

    def result(self) -> Snapshot | None:
        """Return the snapshot; None if the reply is an error (the script not loaded since Redis started,
        Redis gone), for the caller to read one the usual way, which reports a failure."""
        reply = self._reply()
        if reply is None:
            return None
        return self._read(reply)

    def discard(self) -> None:
        self._reply()

    def _reply(self) -> Any:
        connection, self._connection = self._connection, None
        if connection is None:
            return None
        try:
            return self._redis.parse_response(connection, "EVALSHA")
        except (RedisError, OSError) as exc:
            if not isinstance(exc, ResponseError):  # an error reply leaves the connection usable
                connection.disconnect()
            log.info("a snapshot read ahead failed (%s): read again when needed", type(exc).__name__)
            return None
        finally:
            self._redis.connection_pool.release(connection)


class _Basis:
    """The states a write's snapshot was decoded from, as the script sent them (Snapshot.basis): a change
    decided on that snapshot fingerprints them instead of reading them again."""

    def __init__(self, call_key: str, call: bytes | str, raw_agents: list[Any]) -> None:
        self.call_key = call_key
        self.call = call
        self._raw_agents = raw_agents
        self._agents: dict[int, bytes | str] | None = None

    def agents(self) -> dict[int, bytes | str]:
        if self._agents is None:
            pairs = zip(self._raw_agents[::2], self._raw_agents[1::2], strict=True)
            self._agents = {int(i): raw for i, raw in pairs}
        return self._agents


def _known(call_id: str | None, call_key: str, wanted: list[int], on: Snapshot | None,
           new_call: bool) -> tuple[list[Any], list[str], str] | None:
    """Return what READ would (hashes, agent ids, fingerprint) if the state is what the caller knows it
    to be, or None when it knows too little (then the change reads).

    ``new_call``: the call is not in the state yet and no agent is asked for. ``on``: a snapshot that
    came with a change of the same call; the agents are those asked for and those the call involves,
    as READ chooses them (every one of them must be in the snapshot).
    """
    if new_call and not wanted:
        hashes: list[Any] = [ABSENT]
        ids: list[int] = []
    elif on is not None and isinstance(on.basis, _Basis) and on.basis.call_key == call_key:
        call = decode_call(call_id, unjoin(on.basis.call)) if call_id is not None else None
        ids = sorted(set(wanted) | (call.involved() if call is not None else set()))
        agents = on.basis.agents()
        if any(agent_id not in agents for agent_id in ids):
            return None
        hashes = [on.basis.call, *(agents[agent_id] for agent_id in ids)]
    else:
        return None
    together = b"\x01".join(h if isinstance(h, bytes) else h.encode() for h in hashes)
    return hashes, [str(agent_id) for agent_id in ids], hashlib.sha1(together).hexdigest()  # noqa: S324


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
        if isinstance(exc, (RedisError, OSError)):
            text = str(exc).strip().splitlines()
            detail = text[0] if text else "no detail"
            raise RoutingStateUnavailable(f"{type(exc).__name__}: {detail}") from exc
