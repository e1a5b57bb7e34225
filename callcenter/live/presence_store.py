"""Agents' presence in Redis, shared by every service node: one string per agent and an index of agents.

Keys (``prefix`` defaults to "cc:"): ``cc:agent:<agent id>`` holds the agent's state as the JSON array
[field, value, …] of status, since, reason, until, call_id and idle_since (times in ISO 8601, UTC; absent
fields left out); ``cc:agents`` is the set of agent ids with a state. Only callcenter.live.routing_state
writes them, inside its atomic changes; reads are plain. (Until 2026-11-27 each state was a hash under
``cc:presence:<agent id>``, indexed by ``cc:presence:agents``: a node of this version does not read
those, and fills its keys from the database's last known presence, as for a Redis restarted empty.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from redis import Redis

from callcenter.domain.presence import AgentState, PresenceStatus, offline

PREFIX = "cc:"


class RedisPresenceStore:
    def __init__(self, redis: Redis, prefix: str = PREFIX) -> None:
        self._redis = redis
        self._prefix = prefix

    @property
    def index_key(self) -> str:
        return f"{self._prefix}agents"

    def key(self, agent_id: int | str) -> str:
        return f"{self._prefix}agent:{agent_id}"

    def read(self, agent_ids: Iterable[int] | None, now: datetime) -> dict[int, AgentState]:
        """Return the stored states of these agents (None: of every agent in the index)."""
        if agent_ids is None:
            ids = sorted(int(i) for i in self._redis.smembers(self.index_key))
        else:
            ids = list(agent_ids)
        if not ids:
            return {}
        raws = self._redis.mget([self.key(agent_id) for agent_id in ids])
        return {agent_id: decode_state(agent_id, unjoin(raw) if raw else {}) or offline(agent_id, now)
                for agent_id, raw in zip(ids, raws, strict=True)
                if raw or agent_ids is not None}

    def write(self, pipe: Any, state: AgentState) -> None:
        """Queue the writes that make ``state`` the agent's stored state on a pipeline."""
        pipe.set(self.key(state.agent_id), joined(encode_state(state)))
        pipe.sadd(self.index_key, state.agent_id)


def encode_state(state: AgentState, iso_of: Callable[[datetime], str] = datetime.isoformat) -> dict[str, str]:
    """Return the fields of ``state`` (in this order; absent ones left out)."""
    fields = {"status": _STATUS_TEXT[state.status], "since": iso_of(state.since)}
    if state.reason is not None:
        fields["reason"] = state.reason
    if state.until is not None:
        fields["until"] = iso_of(state.until)
    if state.call_id is not None:
        fields["call_id"] = state.call_id
    if state.idle_since is not None:
        fields["idle_since"] = iso_of(state.idle_since)
    return fields


def encode_states(states: Mapping[int, AgentState]) -> dict[str, dict[str, str]]:
    """Return the fields of ``states`` by agent id (as text). The instants they share (a ring-all's
    start and end for fifty agents) are formatted once: a third of the time it took."""
    texts: dict[datetime, str] = {}

    def iso_of(value: datetime) -> str:
        text = texts.get(value)
        if text is None:
            text = texts[value] = value.isoformat()
        return text

    return {str(agent_id): encode_state(state, iso_of) for agent_id, state in states.items()}


_STATUS_TEXT = {status: status.value for status in PresenceStatus}


def decode_state(agent_id: int, raw: Mapping[Any, Any]) -> AgentState | None:
    """Read a state's fields (bytes or str keys); None when there are none."""
    fields = {text(k): text(v) for k, v in raw.items()}
    if "status" not in fields:
        return None
    return AgentState(agent_id, PresenceStatus(fields["status"]), datetime.fromisoformat(fields["since"]),
                      fields.get("reason"), time_or_none(fields.get("until")), fields.get("call_id"),
                      time_or_none(fields.get("idle_since")))


def joined(fields: Mapping[str, str]) -> str:
    """Return a state's fields as stored: the JSON array [field, value, …] (routing_scripts)."""
    return _COMPACT.encode([part for pair in fields.items() for part in pair])


_COMPACT = json.JSONEncoder(separators=(",", ":"))  # json.dumps() with options builds an encoder per call


def unjoin(stored: bytes | str) -> dict[str, str]:
    """Read a stored state, [field, value, …], or {} for a missing one as a script sends it."""
    flat = json.loads(stored)
    return dict(zip(flat[::2], flat[1::2], strict=True)) if flat else {}


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def time_or_none(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
