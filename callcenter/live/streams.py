"""Live updates as capped Redis streams: one per agent, one for supervisors, read back by SSE endpoints.

A stream entry holds ``kind`` and ``data`` (JSON); its stream id is the SSE event id, so a browser that
reconnects with Last-Event-ID is given exactly the entries it missed (XREAD after that id). Streams are
capped (MAXLEN ~) and expire a day after their last entry, so departed agents leave nothing behind.
Publishing never raises into call handling: when Redis is down it logs and returns None.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from callcenter.services.live_ports import LiveMessage
from callcenter.services.panel_ports import LiveEvent, LiveFeedUnavailable

log = logging.getLogger(__name__)

PREFIX = "callcenter:live:"
SUPERVISORS_STREAM = PREFIX + "supervisors"
STREAM_TTL_S = 24 * 3600
READ_BATCH = 100
CONNECT_TIMEOUT_S = 2.0
_ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
# KEYS: one stream per event (repeats allowed); ARGV: maxlen, ttl, then kind and data of each event.
# One script call instead of an XADD and an EXPIRE per event: a route that rings 50 agents tells them
# (and the supervisors) some 150 things, and packing as many commands costs more than the writes.
_APPEND_MANY = """
local expiring = {}
for i, key in ipairs(KEYS) do
  redis.call('XADD', key, 'MAXLEN', '~', ARGV[1], '*', 'kind', ARGV[2 * i + 1], 'data', ARGV[2 * i + 2])
  if not expiring[key] then
    redis.call('EXPIRE', key, ARGV[2])
    expiring[key] = true
  end
end
return #KEYS
"""


def agent_stream(agent_id: int) -> str:
    """Name the Redis stream of one agent's panel events."""
    return f"{PREFIX}agent:{int(agent_id)}"


class RedisStreamPublisher:
    """The LivePublisher port on Redis streams (XADD with an approximate MAXLEN)."""

    def __init__(self, client: redis.Redis | None, *, maxlen: int = 500) -> None:
        self._redis = client  # None: a process built without Redis, where every event is lost
        self._maxlen = maxlen
        self._append_many = client.register_script(_APPEND_MANY) if client is not None else None

    def to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> str | None:
        """Append an event to the agent's stream; return its id, or None when Redis is down."""
        return self._append(agent_stream(agent_id), kind, data)

    def to_supervisors(self, kind: str, data: dict[str, Any]) -> str | None:
        """Append an event to the supervisors' stream; return its id, or None when Redis is down."""
        return self._append(SUPERVISORS_STREAM, kind, data)

    def publish_many(self, messages: Sequence[LiveMessage]) -> None:
        """Append events to their streams in one script call (one round trip), in order; never raise."""
        if not messages:
            return
        if self._append_many is None:
            log.warning("%d live events lost: no Redis in this process", len(messages))
            return
        keys: list[str] = []
        args: list[Any] = [self._maxlen, STREAM_TTL_S]
        encoded: dict[int, str] = {}  # a screen-pop sent to every agent rung is encoded once
        for message in messages:
            keys.append(SUPERVISORS_STREAM if message.agent_id is None else agent_stream(message.agent_id))
            data = encoded.get(id(message.data))
            if data is None:
                data = encoded[id(message.data)] = _fields(message.kind, message.data)["data"]
            args += [message.kind, data]
        try:
            self._append_many(keys=keys, args=args)
        except (redis.RedisError, OSError) as exc:
            log.warning("%d live events lost: Redis unavailable (%s)", len(messages), exc)

    def _append(self, key: str, kind: str, data: dict[str, Any]) -> str | None:
        fields = _fields(kind, data)
        if self._redis is None:
            log.warning("live event %s to %s lost: no Redis in this process", kind, key)
            return None
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.xadd(key, fields, maxlen=self._maxlen, approximate=True)  # type: ignore[arg-type]
            pipe.expire(key, STREAM_TTL_S)
            entry_id = pipe.execute()[0]
        except (redis.RedisError, OSError) as exc:
            log.warning("live event %s to %s lost: Redis unavailable (%s)", kind, key, exc)
            return None
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


class RedisStreamReader:
    """One open live stream on a connection of its own (a blocking read holds its connection)."""

    def __init__(self, client: redis.Redis, key: str, after: str | None) -> None:
        self._redis = client
        self._key = key
        self._after = after if after and _ENTRY_ID.match(after) else None

    @property
    def position(self) -> str | None:
        return self._after

    def start(self) -> None:
        """Fix where reading begins: after the given id, else after the newest entry now."""
        if self._after is None:
            try:
                self._after = self._newest_id()
            except (redis.RedisError, OSError) as exc:
                raise LiveFeedUnavailable(str(exc)) from exc

    def read(self, timeout_s: float) -> list[LiveEvent]:
        """Return the entries after the last delivered one, blocking up to ``timeout_s`` for one."""
        self.start()
        try:
            block = max(1, int(timeout_s * 1000))
            reply = self._redis.xread({self._key: self._after or "0-0"}, count=READ_BATCH, block=block)
        except (redis.RedisError, OSError) as exc:
            raise LiveFeedUnavailable(str(exc)) from exc
        events = [_event(entry_id, fields) for _, entries in reply or [] for entry_id, fields in entries]
        if events:
            self._after = events[-1].id
        return events

    def close(self) -> None:
        self._redis.connection_pool.disconnect()

    def _newest_id(self) -> str:
        newest = self._redis.xrevrange(self._key, count=1)
        return _text(newest[0][0]) if newest else "0-0"


class RedisLiveFeed:
    """The LiveFeed port: each reader gets a client whose read timeout outlasts its longest block."""

    def __init__(self, client: redis.Redis | None, *, longest_wait_s: float) -> None:
        self._client = client
        # redis-py gives up a read after the socket timeout: it must exceed the XREAD BLOCK time.
        self._read_timeout_s = longest_wait_s + 10.0

    def agent(self, agent_id: int, after: str | None) -> RedisStreamReader:
        return RedisStreamReader(self._own_client(), agent_stream(agent_id), after)

    def supervisors(self, after: str | None) -> RedisStreamReader:
        return RedisStreamReader(self._own_client(), SUPERVISORS_STREAM, after)

    def _own_client(self) -> redis.Redis:
        if self._client is None:
            raise LiveFeedUnavailable("This process runs without Redis.")
        pool = self._client.connection_pool
        # No retry inside redis-py: a failed read ends the stream and the browser reconnects.
        kwargs: dict[str, Any] = {**pool.connection_kwargs, "socket_timeout": self._read_timeout_s,
                                  "socket_connect_timeout": CONNECT_TIMEOUT_S, "retry": Retry(NoBackoff(), 0)}
        return redis.Redis(connection_pool=redis.ConnectionPool(connection_class=pool.connection_class,
                                                                max_connections=1, **kwargs))


def _fields(kind: str, data: dict[str, Any]) -> dict[str, str]:
    return {"kind": kind, "data": json.dumps(data, default=str, separators=(",", ":"))}


def _event(entry_id: Any, fields: dict[Any, Any]) -> LiveEvent:
    values = {_text(k): _text(v) for k, v in fields.items()}
    return LiveEvent(_text(entry_id), values.get("kind", "message"), _object_text(values.get("data", "")))


def _object_text(data: str) -> str:
    """Return an entry's data as relayed: what our publisher wrote (one JSON object on one line, as
    json.dumps writes it), else ``{}`` — a line break would end the SSE field early."""
    if data.startswith("{") and data.endswith("}") and "\n" not in data and "\r" not in data:
        return data
    return "{}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
