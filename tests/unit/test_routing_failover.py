"""Redis first, the database while Redis is down, Redis refilled once it answers (hand-written fakes)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter.domain.call_records import CallRouting
from callcenter.domain.presence import AgentState, PresenceStatus
from callcenter.services.clock import FixedClock
from callcenter.services.routing_failover import FailoverRoutingStore
from callcenter.services.routing_ports import Applied, RoutingStateUnavailable, Snapshot

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
MARIE = AgentState(7, PresenceStatus.AVAILABLE, NOW)
WAITING = CallRouting("c9", "fr", NOW)


class FakeStore:
    """A routing store that answers from a dict, or raises while ``down``."""

    def __init__(self, name: str, seeded: bool = True) -> None:
        self.name = name
        self.down = False
        self.seeded = seeded
        self.restored: list[tuple[list[AgentState], list[CallRouting], bool]] = []
        self.told: list[tuple[Snapshot | None, bool]] = []  # what each change was told the caller knows

    def _check(self) -> None:
        if self.down:
            raise RoutingStateUnavailable("ConnectionError: refused")

    def snapshot(self, stale_before: datetime, now: datetime) -> Snapshot:
        self._check()
        return Snapshot({}, {}, self.seeded)

    def agents(self, agent_ids: Sequence[int] | None, now: datetime) -> dict[int, AgentState]:
        self._check()
        return {}

    def change(self, call_id: str | None, agent_ids: Iterable[int], fn: Any, now: datetime, *,
               snapshot_stale_before: datetime | None = None, on: Snapshot | None = None,
               new_call: bool = False) -> Applied[Any]:
        self._check()
        self.told.append((on, new_call))
        snapshot = None
        if snapshot_stale_before is not None:  # its calls read when used, as Redis does
            snapshot = Snapshot({}, LaterRead(self, {f"{self.name}-call": WAITING}), self.seeded)
        return Applied(None, {}, {}, self.name, snapshot=snapshot)

    def snapshot_ahead(self, stale_before: datetime, now: datetime, call_id: str) -> Sent:
        self._check()
        return Sent(Snapshot({}, {f"{self.name}-call": WAITING}, self.seeded))

    def ping(self) -> None:
        self._check()

    def restore(self, agents: Sequence[AgentState], calls: Sequence[CallRouting], *, overwrite: bool) -> None:
        self._check()
        self.restored.append((list(agents), list(calls), overwrite))
        self.seeded = True

    def changed_since(self, at: datetime,
                      stale_before: datetime) -> tuple[list[AgentState], list[CallRouting]]:
        return [MARIE], []


class Sent:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot, self.discarded = snapshot, False

    def result(self) -> Snapshot:
        return self.snapshot

    def discard(self) -> None:
        self.discarded = True


class LaterRead(Mapping[str, CallRouting]):
    def __init__(self, store: FakeStore, calls: dict[str, CallRouting]) -> None:
        self._store, self._calls = store, calls

    def __getitem__(self, call_id: str) -> CallRouting:
        self._store._check()
        return self._calls[call_id]

    def __iter__(self) -> Iterator[str]:
        self._store._check()
        return iter(self._calls)

    def __len__(self) -> int:
        self._store._check()
        return len(self._calls)


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_while_redis_is_down_the_database_decides_and_redis_is_refilled_when_back() -> None:
    redis, database, ticks = FakeStore("redis"), FakeStore("database"), Ticks()
    store = FailoverRoutingStore(redis, database, FixedClock(NOW), retry_s=5, monotonic=ticks)  # type: ignore[arg-type]
    assert store.change("c1", [], None, NOW).result == "redis"
    redis.down = True
    assert store.change("c1", [], None, NOW).result == "database"
    health = store.health()
    assert (health["ok"], health["mode"], health["degraded_since"]) == (False, "database", NOW.isoformat())
    redis.down = False
    assert store.change("c1", [], None, NOW).result == "database"  # not tried again before retry_s
    ticks.now = 6
    assert store.change("c1", [], None, NOW).result == "redis"
    assert redis.restored == [([MARIE], [], True)]  # decided while Redis was down: newer
    assert store.health() == {"ok": True, "mode": "redis"}


def test_a_redis_that_lost_its_state_is_filled_from_the_database() -> None:
    redis = FakeStore("redis", seeded=False)
    store = FailoverRoutingStore(redis, FakeStore("database"), FixedClock(NOW))  # type: ignore[arg-type]
    assert store.snapshot(NOW, NOW).seeded
    assert redis.restored == [([MARIE], [], False)]  # only where Redis has nothing


def test_a_process_without_redis_runs_on_the_database() -> None:
    store = FailoverRoutingStore(None, FakeStore("database"), FixedClock(NOW))  # type: ignore[arg-type]
    assert store.change(None, [], None, NOW).result == "database"
    assert store.health()["mode"] == "database"


def test_queued_calls_read_after_the_change_come_from_the_database_if_redis_fails_meanwhile() -> None:
    redis, database = FakeStore("redis"), FakeStore("database")
    database.snapshot = lambda stale_before, now: Snapshot({}, {"database-call": WAITING})  # type: ignore[method-assign]
    store = FailoverRoutingStore(redis, database, FixedClock(NOW))  # type: ignore[arg-type]
    applied = store.change("c1", [], None, NOW, snapshot_stale_before=NOW - timedelta(minutes=1))
    assert applied.result == "redis" and applied.snapshot is not None
    redis.down = True  # between the change and the decision reading the other callers
    assert list(applied.snapshot.calls) == ["database-call"]
    assert store.health()["mode"] == "database"  # and the next steps run on the database
    redis.down = False
    known = Snapshot({}, {})
    # Until the retry delay has passed, on the database.
    assert store.change("c2", [], None, NOW, on=known).result == "database"
    assert database.told == [(known, False)] and redis.told == [(None, False)]  # passed on to the store used


def test_a_snapshot_is_read_ahead_from_redis_only_while_redis_is_up_and_holds_the_state() -> None:
    redis, database, ticks = FakeStore("redis"), FakeStore("database"), Ticks()
    store = FailoverRoutingStore(redis, database, FixedClock(NOW), retry_s=5, monotonic=ticks)  # type: ignore[arg-type]
    sent = store.snapshot_ahead(NOW, NOW, "c1")
    assert sent is not None and dict(sent.result().calls) == {"redis-call": WAITING}  # type: ignore[union-attr]
    redis.seeded = False  # restarted empty: no snapshot, so that the route's usual way fills it first
    emptied = store.snapshot_ahead(NOW, NOW, "c1")
    assert emptied is not None and emptied.result() is None
    redis.down = True
    assert store.snapshot_ahead(NOW, NOW, "c1") is None and store.health()["mode"] == "database"
    redis.down = False  # back, but not tried again before the retry delay: the database has no read ahead
    assert store.snapshot_ahead(NOW, NOW, "c1") is None
    ticks.now = 6
    assert store.snapshot_ahead(NOW, NOW, "c1") is not None and store.health()["mode"] == "redis"
    assert FailoverRoutingStore(None, database, FixedClock(NOW)).snapshot_ahead(NOW, NOW, "c1") is None  # type: ignore[arg-type]
