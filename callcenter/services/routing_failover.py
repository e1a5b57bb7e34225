"""Redis first, the database's last known state when Redis is unreachable, and back again.

While Redis fails, every change goes to the database (DatabaseRoutingStore) and Redis is tried again
every ``retry_s`` seconds. When it answers again, the agents changed meanwhile and the calls still
queued are written back into it before it is used. A Redis that comes back empty (restarted without
its data) is filled from the database the same way. ``health()`` says which one routing runs on.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from callcenter.domain.call_records import CallRouting
from callcenter.domain.presence import AgentState
from callcenter.services.db_routing_store import DatabaseRoutingStore
from callcenter.services.ports import Clock
from callcenter.services.routing_ports import (
    Applied,
    ChangeFn,
    ReadWhenUsed,
    RestorableStore,
    RoutingStateUnavailable,
    RoutingStore,
    Snapshot,
    SnapshotOnTheWay,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_S = 5.0
QUEUE_MEMORY = timedelta(hours=1)  # calls older than this are not put back into Redis
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class FailoverRoutingStore:
    def __init__(self, primary: RestorableStore | None, fallback: DatabaseRoutingStore, clock: Clock, *,
                 retry_s: float = RETRY_S, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._primary = primary
        self._fallback = fallback
        self._clock = clock
        self._retry_s = retry_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._down_since: datetime | None = None if primary is not None else clock.now()
        self._error: str | None = None if primary is not None else "this process runs without Redis"
        self._retry_at = 0.0
        self._recovering = False

    def snapshot(self, stale_before: datetime, now: datetime) -> Snapshot:
        snapshot = self._run(lambda store: store.snapshot(stale_before, now))
        if snapshot.seeded or self._primary is None:
            return snapshot
        log.warning("Redis holds no routing state: filling it from the database")
        try:
            self._refill(self._primary, EPOCH, overwrite=False)
        except RoutingStateUnavailable as exc:
            self._failed(str(exc))
        return self._run(lambda store: store.snapshot(stale_before, now))

    def snapshot_ahead(self, stale_before: datetime, now: datetime, call_id: str) -> SnapshotOnTheWay | None:
        """Send Redis's snapshot ahead while Redis is up; None otherwise. Its result is None when Redis
        holds no state (snapshot() then fills it first) or failed meanwhile (the next change finds out)."""
        primary = self._usable_primary()
        if primary is None:
            return None
        try:
            sent = primary.snapshot_ahead(stale_before, now, call_id)
        except RoutingStateUnavailable as exc:
            self._failed(str(exc))
            return None
        return None if sent is None else _FilledOnly(sent)

    def agents(self, agent_ids: Sequence[int] | None, now: datetime) -> dict[int, AgentState]:
        return self._run(lambda store: store.agents(agent_ids, now))

    def change(self, call_id: str | None, agent_ids: Iterable[int], fn: ChangeFn[T],
               now: datetime, *, snapshot_stale_before: datetime | None = None,
               on: Snapshot | None = None, new_call: bool = False) -> Applied[T]:
        wanted = list(agent_ids)
        applied = self._run(lambda store: store.change(call_id, wanted, fn, now,
                                                        snapshot_stale_before=snapshot_stale_before,
                                                        on=on, new_call=new_call))
        if applied.snapshot is None:
            return applied
        if not applied.snapshot.seeded:
            return replace(applied, snapshot=None)  # snapshot() fills a Redis restarted empty first
        # Its queued calls may be read from Redis only when first used: from the database if Redis
        # fails by then (and routing falls back to it, as for any other failure).
        queued = ReadWhenUsed(functools.partial(self._queued_calls, applied.snapshot.calls,
                                                snapshot_stale_before or now, now))
        return replace(applied, snapshot=replace(applied.snapshot, calls=queued))

    def _queued_calls(self, calls: Mapping[str, CallRouting], stale_before: datetime,
                      now: datetime) -> Mapping[str, CallRouting]:
        try:
            return dict(calls)
        except RoutingStateUnavailable as exc:
            self._failed(str(exc))
            return self._fallback.snapshot(stale_before, now).calls

    def ping(self) -> None:
        self._run(lambda store: store.ping())

    @property
    def on_shared_state(self) -> bool:
        """Tell whether Redis answered the last time it was used (no round trip to find out)."""
        with self._lock:
            return self._primary is not None and self._down_since is None

    def health(self) -> dict[str, Any]:
        """Say where routing decisions come from: Redis, or the database while Redis is unreachable."""
        primary = self._usable_primary()
        if primary is not None:
            try:
                primary.ping()
            except RoutingStateUnavailable as exc:
                self._failed(str(exc))
        with self._lock:
            if self._down_since is None:
                return {"ok": True, "mode": "redis"}
            return {"ok": False, "mode": "database", "degraded_since": self._down_since.isoformat(),
                    "error": self._error,
                    "detail": "calls are routed from the database's last known presence"}

    def _run(self, op: Callable[[RoutingStore], T]) -> T:
        primary = self._usable_primary()
        if primary is not None:
            try:
                return op(primary)
            except RoutingStateUnavailable as exc:
                self._failed(str(exc))
        return op(self._fallback)

    def _usable_primary(self) -> RestorableStore | None:
        """Return Redis when it is up, trying it again (and refilling it) once the retry delay passed."""
        if self._primary is None:
            return None
        with self._lock:
            down_since = self._down_since
            if down_since is None:
                return self._primary
            if self._recovering or self._monotonic() < self._retry_at:
                return None  # one thread refills Redis; the others stay on the database meanwhile
            self._recovering = True
        try:
            self._refill(self._primary, down_since, overwrite=True)
        except RoutingStateUnavailable as exc:
            self._failed(str(exc))
            return None
        finally:
            with self._lock:
                self._recovering = False
        with self._lock:
            self._down_since, self._error = None, None
        log.warning("Redis answers again: routing runs on the shared state again")
        return self._primary

    def _refill(self, primary: RestorableStore, since: datetime, *, overwrite: bool) -> None:
        primary.ping()
        agents, calls = self._fallback.changed_since(since, self._clock.now() - QUEUE_MEMORY)
        primary.restore(agents, calls, overwrite=overwrite)

    def _failed(self, error: str) -> None:
        with self._lock:
            if self._down_since is None:
                log.error("Redis unreachable (%s): routing falls back to the database", error)
                self._down_since = self._clock.now()
            self._error = error
            self._retry_at = self._monotonic() + self._retry_s


class _FilledOnly:
    """A snapshot on its way from Redis, given only if Redis holds the routing state."""

    def __init__(self, sent: SnapshotOnTheWay) -> None:
        self._sent = sent

    def result(self) -> Snapshot | None:
        snapshot = self._sent.result()
        return snapshot if snapshot is not None and snapshot.seeded else None

    def discard(self) -> None:
        self._sent.discard()
