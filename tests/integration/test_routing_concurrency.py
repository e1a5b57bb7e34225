"""Concurrent deciders on real Redis (threads, two processes, the full service): no agent is double-booked."""

from __future__ import annotations

import multiprocessing
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from callcenter.bootstrap import Services
from callcenter.domain import routing_moves as moves
from callcenter.domain.call_events import RouteRequest
from callcenter.domain.call_records import CallRouting, CallState
from callcenter.domain.presence import AgentState, PresenceStatus
from callcenter.live.routing_state import RedisRoutingStore
from tests.integration.routing_support import CITIZEN, OUR_NUMBER, add_agent, routed_services  # noqa: F401

pytestmark = pytest.mark.redis

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
AGENTS = list(range(1, 13))


def _decide_many(url: str, worker: str, calls: int, seed: int) -> list[tuple[str, tuple[int, ...]]]:
    """Try to reserve random groups of agents for ``calls`` calls; return the reservations that held."""
    store = RedisRoutingStore(redis.Redis.from_url(url))
    rng = random.Random(seed)
    won = []
    for n in range(calls):
        call_id = f"{worker}-{n}"
        fresh = CallRouting(call_id, "fr", NOW)
        store.change(call_id, [], lambda c, a, f=fresh: moves.enter(c, f, 1, a, NOW), NOW)
        targets = tuple(rng.sample(AGENTS, rng.randint(1, 3)))
        applied = store.change(call_id, targets, lambda c, a, t=targets: moves.reserve(
            c, a, t, 1, NOW, NOW + timedelta(seconds=30)), NOW)
        if applied.result:
            won.append((call_id, targets))
    return won


def _in_process(url: str, worker: str, calls: int, seed: int, out: Any) -> None:
    out.put(_decide_many(url, worker, calls, seed))


def _seed(url: str) -> RedisRoutingStore:
    store = RedisRoutingStore(redis.Redis.from_url(url))
    store.restore([AgentState(a, PresenceStatus.AVAILABLE, NOW) for a in AGENTS], [], overwrite=True)
    return store


def _check_disjoint(store: RedisRoutingStore, won: list[tuple[str, tuple[int, ...]]]) -> None:
    booked = [agent for _, targets in won for agent in targets]
    assert len(booked) == len(set(booked)), "an agent was offered two callers"
    states = store.agents(AGENTS, NOW)
    assert {a for a, s in states.items() if s.status is PresenceStatus.RINGING} == set(booked)
    for call_id, targets in won:
        assert all(states[a].call_id == call_id for a in targets)


def test_threads_deciding_at_once_never_double_book(redis_url: str) -> None:
    store = _seed(redis_url)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: _decide_many(redis_url, f"t{n}", 10, n), range(8)))
    won = [w for result in results for w in result]
    assert won, "some reservations hold"
    _check_disjoint(store, won)


@pytest.mark.slow
def test_two_processes_deciding_at_once_never_double_book(redis_url: str) -> None:
    store = _seed(redis_url)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    workers = [context.Process(target=_in_process, args=(redis_url, f"p{n}", 40, n, out)) for n in range(2)]
    for worker in workers:
        worker.start()
    won = [w for _ in workers for w in out.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    _check_disjoint(store, won)


def test_concurrent_route_requests_ring_each_agent_for_one_caller_only(routed: Services) -> None:
    agents = [add_agent(routed, f"agent{n}") for n in range(4)]
    start = threading.Barrier(10)

    def call(n: int) -> dict[str, Any]:
        start.wait(timeout=10)
        return routed.call_lifecycle.route(RouteRequest(f"c{n}", f"r{n}", CITIZEN, OUR_NUMBER, 1))

    with ThreadPoolExecutor(max_workers=10) as pool:
        decisions = list(pool.map(call, range(10)))
    rung = [t["agent_id"] for d in decisions if d["action"] == "ring" for t in d["targets"]]
    assert sorted(rung) == sorted(agents)  # every free agent rings, and each for one caller
    assert sum(d["action"] == "ring" for d in decisions) >= 1


def test_seeding_an_empty_redis_leaves_live_states_alone(redis_url: str) -> None:
    store = RedisRoutingStore(redis.Redis.from_url(redis_url))
    ringing = AgentState(1, PresenceStatus.RINGING, NOW, until=NOW + timedelta(seconds=30), call_id="live")
    store.restore([ringing], [], overwrite=True)
    waiting = CallRouting("queued", "nl", NOW, CallState.WAITING, last_seen=NOW, caller=CITIZEN)
    paused = AgentState(2, PresenceStatus.PAUSED, NOW, "lunch")
    store.restore([AgentState(1, PresenceStatus.AVAILABLE, NOW), paused], [waiting], overwrite=False)
    assert store.agents([1, 2], NOW) == {1: ringing, 2: paused}
    snapshot = store.snapshot(NOW - timedelta(minutes=1), NOW)
    assert snapshot.seeded and snapshot.calls == {"queued": waiting}
