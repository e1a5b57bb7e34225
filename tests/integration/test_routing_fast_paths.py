"""The route path's fast ways, on real Redis, SQLite and PostgreSQL: one-script changes, one-call publishing,
bulk writes, bookkeeping after the response, pings of idle connections only."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import redis
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, StatementError

from callcenter.bootstrap import Services
from callcenter.db.engine import make_engine, make_session_factory
from callcenter.db.queries import call_records as call_records_queries
from callcenter.db.uow import SqlAlchemyUnitOfWork
from callcenter.domain.call_events import CallEvent, CallEventKind, LegOutcome, RouteRequest
from callcenter.domain.call_records import UNKNOWN, CallRecord, CallRouting, CallState, Leg
from callcenter.domain.calls import Direction
from callcenter.domain.errors import Conflict
from callcenter.domain.presence import AgentState, PresenceStatus
from callcenter.domain.routing_moves import Move
from callcenter.live import routing_state
from callcenter.live.routing_state import RedisRoutingStore
from callcenter.live.streams import SUPERVISORS_STREAM, RedisStreamPublisher, agent_stream
from callcenter.services.after_response import collecting, run_all
from callcenter.services.call_effects import Effects
from callcenter.services.live_ports import LiveMessage
from callcenter.web.after_response import AfterResponseMiddleware
from callcenter.web.app import create_app
from tests.conftest import PG_URL
from tests.integration.routing_support import (  # noqa: F401
    CITIZEN,
    OUR_NUMBER,
    add_agent,
    count,
    routed_services,
    signed_post,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def available(agent_id: int) -> AgentState:
    return AgentState(agent_id, PresenceStatus.AVAILABLE, NOW)


@pytest.mark.redis
def test_a_change_decided_on_state_another_node_changed_meanwhile_is_decided_again(redis_url: str) -> None:
    store, other = (RedisRoutingStore(redis.Redis.from_url(redis_url)) for _ in range(2))
    store.restore([available(1), available(2)], [], overwrite=True)
    seen: list[PresenceStatus] = []

    def ring_agent_1(call: CallRouting | None, agents: Any) -> Move[PresenceStatus]:
        seen.append(agents[1].status)
        if len(seen) == 1:  # another node pauses agent 1 between our read and our write
            other.change(None, [1], lambda c, a: Move(None, {1: AgentState(1, PresenceStatus.PAUSED, NOW,
                                                                                 "lunch")}), NOW)
        ringing = AgentState(1, PresenceStatus.RINGING, NOW, until=NOW + timedelta(seconds=20), call_id="c1")
        return Move(None, {1: ringing} if agents[1].status is PresenceStatus.AVAILABLE else {},
                    agents[1].status)

    applied = store.change(None, [1], ring_agent_1, NOW)
    assert seen == [PresenceStatus.AVAILABLE, PresenceStatus.PAUSED]
    assert applied.result is PresenceStatus.PAUSED and applied.agents == {}
    paused = AgentState(1, PresenceStatus.PAUSED, NOW, "lunch")
    assert store.agents([1, 2], NOW) == {1: paused, 2: available(2)}


@pytest.mark.redis
def test_a_change_reads_the_agents_a_call_rings_and_keeps_the_queue_in_arrival_order(redis_url: str) -> None:
    store = RedisRoutingStore(redis.Redis.from_url(redis_url))
    store.restore([available(1), available(2)], [], overwrite=True)
    early, late = (CallRouting(call_id, "fr", NOW + timedelta(microseconds=micros), CallState.WAITING,
                               last_seen=NOW) for call_id, micros in (("late", 300), ("early", 100)))
    for call in (early, late):
        store.change(call.call_id, [], lambda c, a, call=call: Move(call), NOW)
    ringing = CallRouting("early", "fr", early.arrived, CallState.RINGING, 1, (2,),
                          NOW + timedelta(seconds=20), NOW)
    store.change("early", [2], lambda c, a: Move(ringing, {2: AgentState(
        2, PresenceStatus.RINGING, NOW, until=ringing.ring_until, call_id="early")}), NOW)
    read: dict[int, AgentState] = {}

    def look(call: CallRouting | None, agents: Any) -> Move[None]:
        read.update(agents)
        return Move(None)

    store.change("early", [], look, NOW)
    assert list(read) == [2] and read[2].call_id == "early"  # the agent the call rings, though not asked for
    snapshot = store.snapshot(NOW - timedelta(minutes=1), NOW)
    assert list(snapshot.calls) == ["early", "late"] and snapshot.calls["early"] == ringing


@pytest.mark.redis
def test_a_change_can_bring_back_the_state_after_it_in_the_same_round_trip(redis_url: str) -> None:
    store = RedisRoutingStore(redis.Redis.from_url(redis_url))
    store.restore([available(1), available(2)], [], overwrite=True)
    waiting = CallRouting("c1", "fr", NOW, CallState.WAITING, 1, (), None, NOW)
    ringing = AgentState(2, PresenceStatus.RINGING, NOW, until=NOW + timedelta(seconds=20), call_id="c0")
    applied = store.change("c1", [2], lambda c, a: Move(waiting, {2: ringing}), NOW,
                           snapshot_stale_before=NOW - timedelta(minutes=1))
    assert applied.snapshot is not None and applied.snapshot.seeded
    separate = store.snapshot(NOW - timedelta(minutes=1), NOW)
    assert applied.snapshot.agents == separate.agents == {1: available(1), 2: ringing}
    assert dict(applied.snapshot.calls) == dict(separate.calls) == {"c1": waiting}
    assert store.change("c1", [], lambda c, a: Move(None), NOW).snapshot is None  # not asked, not read


def _count_scripts(client: redis.Redis, monkeypatch: Any) -> list[str]:
    """Record the SHA-1 of every script the client runs from now on."""
    ran: list[str] = []
    original = client.evalsha

    def recorded(sha: str, *args: Any) -> Any:
        ran.append(sha)
        return original(sha, *args)

    monkeypatch.setattr(client, "evalsha", recorded)
    return ran


@pytest.mark.redis
def test_a_change_on_what_the_caller_knows_writes_without_reading_while_that_is_the_state(
        redis_url: str, monkeypatch: Any) -> None:
    client = redis.Redis.from_url(redis_url)
    store = RedisRoutingStore(client)
    store.restore([available(1), available(2)], [], overwrite=True)
    ran = _count_scripts(client, monkeypatch)
    waiting = CallRouting("c1", "fr", NOW, CallState.WAITING, 1, (), None, NOW)
    given: list[Any] = []

    def enter(call: CallRouting | None, agents: Any) -> Move[None]:
        given.append(call)
        return Move(waiting)

    entered = store.change("c1", [], enter, NOW, snapshot_stale_before=NOW - timedelta(minutes=1),
                           new_call=True)
    assert given == [None] and ran == [store._write.sha]  # a call never routed: written without a read
    assert entered.snapshot is not None and entered.snapshot.agents == {1: available(1), 2: available(2)}

    ran.clear()
    ringing = replace(waiting, state=CallState.RINGING, targets=(2,), ring_until=NOW + timedelta(seconds=20))
    rung = AgentState(2, PresenceStatus.RINGING, NOW, until=ringing.ring_until, call_id="c1")
    seen: list[tuple[CallRouting | None, dict[int, AgentState]]] = []

    def reserve(call: CallRouting | None, agents: Any) -> Move[bool]:
        seen.append((call, dict(agents)))
        return Move(ringing, {2: rung}, True)

    reserved = store.change("c1", [2], reserve, NOW, on=entered.snapshot)
    assert reserved.result and ran == [store._write.sha]  # decided on the snapshot, not read again
    assert seen == [(waiting, {2: available(2)})]
    after = store.snapshot(NOW - timedelta(minutes=1), NOW)
    assert after.agents[2] == rung and dict(after.calls) == {"c1": ringing}

    ran.clear()  # a snapshot taken apart (no call's hash with it) or of another call: read as usual
    assert store.change("c1", [], lambda c, a: Move(None), NOW, on=after).result is None
    assert store.change("c2", [], lambda c, a: Move(None), NOW, on=entered.snapshot).result is None
    assert ran == [store._read.sha, store._read.sha]


@pytest.mark.redis
def test_a_change_on_what_the_caller_knows_reads_and_decides_again_when_the_state_changed(
        redis_url: str, monkeypatch: Any) -> None:
    client = redis.Redis.from_url(redis_url)
    store, other = RedisRoutingStore(client), RedisRoutingStore(redis.Redis.from_url(redis_url))
    store.restore([available(1), available(2)], [], overwrite=True)
    waiting = CallRouting("c1", "fr", NOW, CallState.WAITING, 1, (), None, NOW)
    entered = store.change("c1", [], lambda c, a: Move(waiting), NOW,
                           snapshot_stale_before=NOW - timedelta(minutes=1), new_call=True)
    paused = AgentState(2, PresenceStatus.PAUSED, NOW, "lunch")
    other.change(None, [2], lambda c, a: Move(None, {2: paused}), NOW)  # another node, after the snapshot
    ran = _count_scripts(client, monkeypatch)
    seen: list[PresenceStatus] = []

    def reserve(call: CallRouting | None, agents: Any) -> Move[bool]:
        seen.append(agents[2].status)
        if agents[2].status is not PresenceStatus.AVAILABLE:
            return Move(None, {}, False)
        rung = AgentState(2, PresenceStatus.RINGING, NOW, until=NOW + timedelta(seconds=20), call_id="c1")
        return Move(replace(waiting, state=CallState.RINGING, targets=(2,)), {2: rung}, True)

    reserved = store.change("c1", [2], reserve, NOW, on=entered.snapshot)
    assert seen == [PresenceStatus.AVAILABLE, PresenceStatus.PAUSED] and not reserved.result
    assert ran == [store._write.sha, store._read.sha]  # refused (the agent changed), then read
    assert store.agents([2], NOW) == {2: paused}  # never offered the call

    ran.clear()  # "never routed", but another node put the call in the state meanwhile
    given: list[CallRouting | None] = []

    def enter(call: CallRouting | None, agents: Any) -> Move[None]:
        given.append(call)
        return Move(replace(waiting, last_seen=NOW + timedelta(seconds=1)))

    store.change("c1", [], enter, NOW, new_call=True)
    assert given == [None, waiting] and ran == [store._write.sha, store._read.sha, store._write.sha]


@pytest.mark.redis
def test_a_long_queue_is_left_out_of_a_change_s_snapshot_and_read_only_when_used(redis_url: str,
                                                                                  monkeypatch: Any) -> None:
    # A caller waiting while no agent is free never reads the other callers: with more than
    # CALLS_SENT_ALONG of them the write's reply brings the agents only, and the queue costs a round trip
    # of its own when a decision reads it; a short queue comes along in the same reply.
    client = redis.Redis.from_url(redis_url)
    store = RedisRoutingStore(client)
    store.restore([available(1)], [], overwrite=True)
    first = CallRouting("c0", "nl", NOW - timedelta(seconds=5), CallState.WAITING, 1, (), None, NOW)
    store.change("c0", [], lambda c, a: Move(first), NOW)
    replies: list[Any] = []
    original = client.evalsha

    def recorded(*args: Any) -> Any:
        replies.append(original(*args))
        return replies[-1]

    monkeypatch.setattr(client, "evalsha", recorded)
    waiting = CallRouting("c1", "fr", NOW, CallState.WAITING, 1, (), None, NOW)
    short = store.change("c1", [], lambda c, a: Move(waiting), NOW,
                         snapshot_stale_before=NOW - timedelta(minutes=1))
    assert short.snapshot is not None and dict(short.snapshot.calls) == {"c0": first, "c1": waiting}
    assert len(replies) == 2  # read, then written with the state after it, the queue included

    replies.clear()
    monkeypatch.setattr(routing_state, "CALLS_SENT_ALONG", 1)
    applied = store.change("c1", [], lambda c, a: Move(waiting), NOW,
                           snapshot_stale_before=NOW - timedelta(minutes=1))
    assert applied.snapshot is not None and applied.snapshot.agents == {1: available(1)}
    assert len(replies) == 2 and replies[1][3] == 0  # the queue left out
    assert dict(applied.snapshot.calls) == {"c0": first, "c1": waiting}
    assert len(replies) == 3  # read when first used, then kept
    assert list(applied.snapshot.calls) == ["c0", "c1"] and len(replies) == 3


@pytest.mark.redis
def test_a_route_decision_reads_the_state_once(routed: Services, monkeypatch: Any) -> None:
    # Entering the queue brings back the state the plan needs: no separate snapshot while Redis answers
    # (the supervisors' queue, sent after the response, reads its own).
    store = routed.call_lifecycle._store._primary
    routed.call_lifecycle.waiting()  # the first snapshot fills the empty Redis from the database
    separate: list[datetime] = []
    original = store.snapshot
    monkeypatch.setattr(store, "snapshot", lambda stale_before, now: separate.append(now) or original(
        stale_before, now))
    reads = _count_scripts(store._redis, monkeypatch)
    with collecting():
        waited = routed.call_lifecycle.route(RouteRequest("c1", "r1", CITIZEN, OUR_NUMBER, 1))
        assert waited["action"] == "wait"
        assert store._read.sha not in reads  # a call never routed enters without a read
        agent = add_agent(routed, "marie")
        reads.clear()
        rung = routed.call_lifecycle.route(RouteRequest("c1", "r2", CITIZEN, OUR_NUMBER, 1))
    assert [t["agent_id"] for t in rung["targets"]] == [agent]
    assert separate == []
    # The waiting caller's call is read as it enters again, not as its target is reserved on that state.
    assert reads.count(store._read.sha) == 1 and reads.count(store._write.sha) == 2


def _record_reads_ahead(store: RedisRoutingStore, monkeypatch: Any) -> list[str]:
    """Record the call id of every snapshot the store is asked to send ahead from now on."""
    ahead: list[str] = []
    original = store.snapshot_ahead
    monkeypatch.setattr(store, "snapshot_ahead", lambda stale_before, now, call_id: ahead.append(
        call_id) or original(stale_before, now, call_id))
    return ahead


@pytest.mark.redis
def test_a_snapshot_read_ahead_carries_the_call_s_state_and_gives_its_connection_back(
        redis_url: str, monkeypatch: Any) -> None:
    client = redis.Redis.from_url(redis_url)
    store = RedisRoutingStore(client)
    store.restore([available(1), available(2)], [], overwrite=True)
    first = CallRouting("c0", "nl", NOW - timedelta(seconds=5), CallState.WAITING, 1, (), None, NOW)
    store.change("c0", [], lambda c, a: Move(first), NOW)
    store.snapshot(NOW - timedelta(minutes=1), NOW)  # the scripts are loaded
    sent = store.snapshot_ahead(NOW - timedelta(minutes=1), NOW, "c1")
    assert sent is not None
    client.set("meanwhile", "1")  # the client goes on with other work on another connection
    snapshot = sent.result()
    assert snapshot is not None and snapshot.agents == {1: available(1), 2: available(2)}
    assert dict(snapshot.calls) == {"c0": first}
    assert sent.result() is None  # read once
    assert client.get("meanwhile") == b"1"  # the connection went back with nothing left to read on it

    ran = _count_scripts(client, monkeypatch)
    ringing = CallRouting("c1", "fr", NOW, CallState.RINGING, 1, (2,), NOW + timedelta(seconds=20), NOW)
    rung = AgentState(2, PresenceStatus.RINGING, NOW, until=ringing.ring_until, call_id="c1")
    given: list[Any] = []

    def ring(call: CallRouting | None, agents: Any) -> Move[bool]:
        given.append((call, dict(agents)))
        return Move(ringing, {2: rung}, True)

    assert store.change("c1", [2], ring, NOW, on=snapshot, new_call=True).result
    assert ran == [store._write.sha] and given == [(None, {2: available(2)})]  # written without a read

    dropped = store.snapshot_ahead(NOW - timedelta(minutes=1), NOW, "c2")
    assert dropped is not None
    dropped.discard()  # its reply is read and dropped: the next command on the connection gets its own
    assert client.get("meanwhile") == b"1" and dropped.result() is None
    # A script Redis does not know (as after a restart): an error reply, and the snapshot is read the usual
    # way, which loads the script again.
    monkeypatch.setattr(store._snapshot, "sha", "0" * 40)
    unloaded = store.snapshot_ahead(NOW - timedelta(minutes=1), NOW, "c3")
    assert unloaded is not None and unloaded.result() is None
    assert client.get("meanwhile") == b"1"


@pytest.mark.redis
def test_a_new_call_is_planned_on_the_state_read_while_it_is_recorded_and_rung_in_one_write(
        routed: Services, monkeypatch: Any) -> None:
    store = routed.call_lifecycle._store._primary
    routed.call_lifecycle.waiting()  # the first snapshot fills the empty Redis from the database
    marie, jan = add_agent(routed, "marie"), add_agent(routed, "jan")
    ahead = _record_reads_ahead(store, monkeypatch)
    ran = _count_scripts(store._redis, monkeypatch)
    with collecting() as after:
        rung = routed.call_lifecycle.route(RouteRequest("c1", "r1", CITIZEN, OUR_NUMBER, 1))
    decided = list(ran)  # the scripts run before the answer
    run_all(after)  # the legs and screen-pops, written once the answer is sent
    assert sorted(t["agent_id"] for t in rung["targets"]) == sorted([marie, jan])
    if routed.engine.dialect.name == "postgresql":
        # One statement claims the request and records the call; the state travels meanwhile, and the
        # call enters the queue and rings its targets in one write, without reading them again.
        assert ahead == ["c1"] and decided == [store._write.sha]
    else:  # the call is recorded in a transaction: enters, then rings its targets
        assert ahead == [] and decided == [store._write.sha, store._write.sha]
    state = store.snapshot(NOW - timedelta(minutes=1), NOW)
    assert {state.agents[a].status for a in (marie, jan)} == {PresenceStatus.RINGING}
    assert state.calls["c1"].state is CallState.RINGING and set(state.calls["c1"].targets) == {marie, jan}
    assert count(routed, "call_legs", "call_id = 'c1'") == 2
    ran.clear()
    with collecting():
        assert routed.call_lifecycle.route(RouteRequest("c1", "r1", CITIZEN, OUR_NUMBER, 1)) == rung  # repeat
    assert ran == [] and store._redis.ping()  # answered from the database


@pytest.mark.redis
def test_a_caller_told_to_wait_asks_again_without_reading_ahead(routed: Services, monkeypatch: Any) -> None:
    store = routed.call_lifecycle._store._primary
    routed.call_lifecycle.waiting()
    ahead = _record_reads_ahead(store, monkeypatch)
    for request_id in ("r1", "r2", "r3"):  # nobody free: told to wait, then asking again in the same round
        with collecting():
            assert routed.call_lifecycle.route(RouteRequest("c1", request_id, CITIZEN, OUR_NUMBER, 1))[
                "action"] == "wait"
    assert ahead == (["c1"] if routed.engine.dialect.name == "postgresql" else [])
    assert routed.call_lifecycle.waiting()[0]["call_id"] == "c1"


@pytest.mark.redis
@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)  # the read ahead goes with PostgreSQL's one-statement claim
def test_an_agent_another_node_rings_after_the_read_ahead_is_not_offered_the_new_call(
        routed: Services, redis_url: str, monkeypatch: Any) -> None:
    store = routed.call_lifecycle._store._primary
    routed.call_lifecycle.waiting()
    marie, jan = add_agent(routed, "marie"), add_agent(routed, "jan")
    other = RedisRoutingStore(redis.Redis.from_url(redis_url))
    elsewhere = AgentState(marie, PresenceStatus.RINGING, NOW, until=NOW + timedelta(seconds=20),
                           call_id="elsewhere")
    original = store.snapshot_ahead

    class ReadThenTaken:
        """The state as read ahead; then, before the call is rung, another node rings Marie."""

        def __init__(self, sent: Any) -> None:
            self.sent = sent

        def result(self) -> Any:
            snapshot = self.sent.result()
            other.change(None, [marie], lambda c, a: Move(None, {marie: elsewhere}), NOW)
            return snapshot

        def discard(self) -> None:
            self.sent.discard()

    monkeypatch.setattr(store, "snapshot_ahead", lambda *args: ReadThenTaken(original(*args)))
    with collecting() as after:
        rung = routed.call_lifecycle.route(RouteRequest("c1", "r1", CITIZEN, OUR_NUMBER, 1))
    run_all(after)
    assert [t["agent_id"] for t in rung["targets"]] == [jan]  # planned again on the state after entering
    assert store.agents([marie, jan], NOW)[marie] == elsewhere  # never offered two callers
    assert store.agents([jan], NOW)[jan].call_id == "c1"
    assert count(routed, "call_legs", "call_id = 'c1'") == 1


@pytest.mark.redis
def test_a_waiting_step_is_two_statements_without_a_transaction_and_a_ringing_one_writes_in_one(
        routed: Services) -> None:
    steps: list[list[tuple[str, str | None]]] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        mode = conn.get_execution_options().get("isolation_level")
        steps[-1].append((" ".join(statement.split()), mode))

    event.listen(routed.engine, "before_cursor_execute", record)
    try:
        with collecting():
            for request_id, agent in (("r1", None), ("r2", None), ("r3", "marie")):
                if agent:
                    steps.append([])  # not a step
                    add_agent(routed, agent)
                steps.append([])
                routed.call_lifecycle.route(RouteRequest("c1", request_id, CITIZEN, OUR_NUMBER, 1))
    finally:
        event.remove(routed.engine, "before_cursor_execute", record)
    new_call, waits_on, _, rings = steps
    # A new call: claimed and recorded with its routing row in one statement that stands alone where the
    # database allows, else its claim alone and the call recorded in a transaction.
    assert new_call[0][1] == "AUTOCOMMIT"
    if routed.engine.dialect.name == "postgresql":
        assert [(s.split()[:2], mode) for s, mode in new_call if "INSERT INTO calls" in s] == [
            (["WITH", "claimed"], "AUTOCOMMIT")]
        assert "INSERT INTO call_routing" in new_call[0][0]
        assert not any(s.startswith("INSERT INTO call_routing") for s, _ in new_call)
    else:
        assert [mode for s, mode in new_call if s.startswith("INSERT INTO calls")] == [None]
    # A waiting caller's next step: the claim with the call read, then its routing row with the answer.
    assert all(mode == "AUTOCOMMIT" for _, mode in waits_on), "\n".join(map(str, waits_on))
    if routed.engine.dialect.name == "postgresql":  # each pair in one statement
        assert [s.split()[:2] for s, _ in waits_on] == [["WITH", "claimed"], ["WITH", "routing_row"]]
    else:
        assert [s.split()[:2] for s, _ in waits_on] == [["INSERT", "INTO"], ["SELECT", "calls.id,"],
                                                        ["UPDATE", "call_routing"],
                                                        ["UPDATE", "cti_requests"]]
    # A ringing step: its claim alone, then its writes and its answer in one transaction.
    modes = [mode for _, mode in rings]
    claimed = modes.index(None)
    assert set(modes[:claimed]) == {"AUTOCOMMIT"}, "\n".join(map(str, rings))
    assert set(modes[claimed:]) == {None}, "\n".join(map(str, rings))
    assert [s for s, _ in rings[claimed:] if s.startswith("UPDATE cti_requests")] != []
    with collecting():  # a repeat still gets the answer stored
        repeat = routed.call_lifecycle.route(RouteRequest("c1", "r2", CITIZEN, OUR_NUMBER, 1))
    assert repeat["action"] == "wait"
    record_ = routed.call_lifecycle.record("c1")
    assert record_["agent_id"] is None and [leg["outcome"] for leg in record_["legs"]] == ["rang"]


@pytest.mark.redis
def test_a_new_call_recorded_by_its_new_call_event_between_the_claim_and_the_record_is_recorded_once(
        routed: Services, monkeypatch: Any) -> None:
    if routed.engine.dialect.name == "postgresql":
        pytest.skip("claimed and recorded in one statement: see the test of a newCall recorded meanwhile")
    # The route's claim read no call, so it records the call without reading it again: its newCall,
    # processed meanwhile (another node), makes that INSERT find the row, which is then read and used.
    router = routed.call_lifecycle._router
    original = router.warm
    meanwhile: list[str] = []

    def new_call_meanwhile(number: str) -> None:
        monkeypatch.setattr(router, "warm", original)  # once
        routed.call_lifecycle.handle_event(CallEvent("e1", CallEventKind.NEW_CALL, "c1", CITIZEN, OUR_NUMBER))
        meanwhile.append(number)
        original(number)

    monkeypatch.setattr(router, "warm", new_call_meanwhile)
    with collecting():
        decided = routed.call_lifecycle.route(RouteRequest("c1", "r1", CITIZEN, OUR_NUMBER, 1))
    assert decided["action"] == "wait" and meanwhile == [CITIZEN]
    assert count(routed, "calls") == 1
    record = routed.call_lifecycle.record("c1")
    assert (record["from"], record["to"], record["language"]) == (CITIZEN, OUR_NUMBER, "fr")


@pytest.mark.redis
def test_a_new_call_whose_new_call_event_is_being_recorded_meanwhile_is_read_once_that_is_committed(
        routed: Services) -> None:
    if routed.engine.dialect.name != "postgresql":
        pytest.skip("a route claims and records a new call in one statement on PostgreSQL only")
    # Another node's newCall has inserted the call and not committed yet when the route claims the
    # request and records the call: the route's INSERT waits for it, finds the call taken, and reads it.
    other = routed.uow()
    other.__enter__()
    try:
        other.call_records.add(CallRecord("c1", UNKNOWN, UNKNOWN, Direction.INBOUND, NOW))
        decided: list[dict[str, Any]] = []
        route = threading.Thread(target=lambda: decided.append(routed.call_lifecycle.route(
            RouteRequest("c1", "r1", CITIZEN, OUR_NUMBER, 1))))
        with collecting():
            route.start()
            time.sleep(0.3)
            assert route.is_alive(), "the route did not wait for the call being recorded"
            other.commit()
            route.join(10)
    finally:
        other.__exit__(None, None, None)
    assert [d["action"] for d in decided] == ["wait"]
    assert count(routed, "calls") == 1 and count(routed, "call_routing") == 1
    record = routed.call_lifecycle.record("c1")
    assert (record["from"], record["to"], record["language"]) == (CITIZEN, OUR_NUMBER, "fr")


@pytest.mark.redis
def test_a_route_request_that_fails_before_deciding_can_be_sent_again(routed: Services,
                                                                       monkeypatch: Any) -> None:
    router = routed.call_lifecycle._router
    original = router._new_record  # recording the call, in a transaction or in one statement alone

    def failing(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(router, "_new_record", original)  # once
        raise RuntimeError("the database went away")

    monkeypatch.setattr(router, "_new_record", failing)
    with collecting(), pytest.raises(RuntimeError):
        routed.call_lifecycle.route(RouteRequest("c1", "r1", CITIZEN, OUR_NUMBER, 1))
    with collecting():  # its claim was given back: processed afresh, not "in progress"
        again = routed.call_lifecycle.route(RouteRequest("c1", "r1", CITIZEN, OUR_NUMBER, 1))
    assert again["action"] == "wait"


@pytest.mark.redis
def test_a_batch_of_live_events_lands_in_each_stream_in_order(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    pop = {"call_id": "c1", "lookup": {"display": "0471 12 34 56"}}
    RedisStreamPublisher(client).publish_many([
        LiveMessage(7, "screen_pop", pop), LiveMessage(8, "screen_pop", pop),
        LiveMessage(7, "presence", {"status": "ringing"}), LiveMessage(None, "queue", {"waiting": []})])
    entries = {key: [(f[b"kind"].decode(), json.loads(f[b"data"])) for _, f in client.xrange(key)]
               for key in (agent_stream(7), agent_stream(8), SUPERVISORS_STREAM)}
    assert entries == {agent_stream(7): [("screen_pop", pop), ("presence", {"status": "ringing"})],
                       agent_stream(8): [("screen_pop", pop)],
                       SUPERVISORS_STREAM: [("queue", {"waiting": []})]}
    assert 0 < client.ttl(agent_stream(7)) <= 24 * 3600
    RedisStreamPublisher(redis.Redis(port=1, socket_connect_timeout=0.5)).publish_many(
        [LiveMessage(7, "presence", {})])  # Redis down: logged, never raised


def _uow(database_url: str) -> tuple[Any, Any]:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    return engine, lambda: SqlAlchemyUnitOfWork(factory)


def test_bulk_rows_are_stored_in_the_order_given_in_utc_and_naive_times_refused(database_url: str) -> None:
    # On PostgreSQL these rows travel as arrays (callcenter.db.bulk_rows), around UtcDateTime: the same
    # rules must hold as on SQLite, where executemany goes through it.
    engine, uow = _uow(database_url)
    brussels = timezone(timedelta(hours=1))
    steps = [AgentState(3, status, (NOW + timedelta(seconds=n)).astimezone(brussels), call_id=f"c{n}")
             for n, status in enumerate((PresenceStatus.AVAILABLE, PresenceStatus.RINGING,
                                         PresenceStatus.ON_CALL))]
    try:
        with uow() as w:
            w.presence.save(steps, NOW)  # the last state given for an agent wins
            w.presence.log(steps)
            w.commit()
        with uow() as w:
            stored = w.presence.current()[3]
            assert (stored.status, stored.since, stored.since.utcoffset()) == (
                PresenceStatus.ON_CALL, NOW + timedelta(seconds=2), timedelta(0))
            assert w.presence.changes(3, NOW, NOW + timedelta(minutes=1)) == [
                (NOW + timedelta(seconds=n), step.status) for n, step in enumerate(steps)]
            with pytest.raises((ValueError, StatementError), match="naive datetimes are not stored"):
                w.presence.save([AgentState(4, PresenceStatus.AVAILABLE, NOW.replace(tzinfo=None))], NOW)
    finally:
        engine.dispose()


def test_bulk_writes_insert_or_update_presence_and_leave_legs_and_request_ids_recorded_once(
        database_url: str) -> None:
    engine, uow = _uow(database_url)
    ringing = AgentState(1, PresenceStatus.RINGING, NOW, until=NOW + timedelta(seconds=20), call_id="c1")
    record = CallRecord("c1", CITIZEN, OUR_NUMBER, Direction.INBOUND, NOW, language="fr", last_seen=NOW)
    try:
        with uow() as w:
            w.presence.save([available(1), available(2)], NOW)
            w.presence.save([ringing], NOW)  # the same agent again: updated
            w.call_records.add(record)
            with pytest.raises(Conflict):
                w.call_records.add(record)
            legs = [Leg("c1", 1, 1, NOW), Leg("c1", 2, 1, NOW)]
            w.call_records.add_legs(legs)
            w.call_records.add_legs(legs[:1] + [Leg("c1", 1, 2, NOW)])
            assert w.cti_requests.claim("route", "r1", NOW).new
            assert not w.cti_requests.claim("route", "r1", NOW).new
            w.commit()
        with uow() as w:
            assert w.presence.current() == {1: ringing, 2: available(2)}
            assert [(leg.agent_id, leg.round, leg.outcome) for leg in w.call_records.legs("c1")] == [
                (1, 1, LegOutcome.RANG), (2, 1, LegOutcome.RANG), (1, 2, LegOutcome.RANG)]
            w.call_records.save_routing(CallRouting("c1", "nl", NOW, CallState.RINGING, 1, (1, 2),
                                                    NOW + timedelta(seconds=20), None))
            w.commit()
        with uow() as w:
            found = w.call_records.get("c1")
            assert found is not None and (found.state, found.targets, found.language, found.last_seen) == (
                CallState.RINGING, (1, 2), "fr", NOW)  # the language is kept, a missing last_seen too
    finally:
        engine.dispose()


def test_a_batch_of_writes_goes_out_together_ends_legs_of_an_ended_call_and_fails_as_a_whole(
        database_url: str) -> None:
    engine, uow = _uow(database_url)
    record = CallRecord("c1", CITIZEN, OUR_NUMBER, Direction.INBOUND, NOW, language="fr", last_seen=NOW)
    ringing = AgentState(1, PresenceStatus.RINGING, NOW, call_id="c1")
    pipelined: list[bool] = []

    def ring(w: Any, round_: int) -> None:
        with w.batched():
            driver = w.session.connection().connection.driver_connection
            pipelined.append(bool(getattr(getattr(driver, "pgconn", None), "pipeline_status", 0)))
            w.presence.save([ringing], NOW)
            w.call_records.add_legs([Leg("c1", 1, round_, NOW), Leg("c1", 2, round_, NOW)])
            w.call_records.end_legs_if_call_ended("c1", LegOutcome.NO_ANSWER)

    try:
        with uow() as w:
            w.call_records.add(record)
            w.commit()
        with uow() as w:
            ring(w, 1)  # the call goes on: its legs ring
            w.commit()
        with uow() as w:
            assert {leg.outcome for leg in w.call_records.legs("c1")} == {LegOutcome.RANG}
        with uow() as w:  # the caller hangs up; the legs of a round decided meanwhile end at its end
            w.call_records.save(replace(record, ended_at=NOW + timedelta(seconds=5)))
            w.commit()
        with uow() as w:
            ring(w, 2)
            w.commit()
        with uow() as w:
            # (this hang-up ended no leg: an ended call has none ringing, of any round)
            assert [(leg.round, leg.outcome, leg.ended_at) for leg in w.call_records.legs("c1")] == [
                (round_, LegOutcome.NO_ANSWER, NOW + timedelta(seconds=5)) for round_ in (1, 1, 2, 2)]
            # A failing statement in a batch fails the block (on PostgreSQL when it ends) and the step.
            with pytest.raises(IntegrityError), w.batched():
                w.presence.save([available(1)], NOW)
                w.session.connection().execute(text("INSERT INTO call_legs (call_id) VALUES ('c1')"))
        with uow() as w:
            assert w.presence.current()[1] == ringing and len(w.call_records.legs("c1")) == 4
        assert pipelined == [engine.dialect.name == "postgresql"] * 2
    finally:
        engine.dispose()


@pytest.mark.redis
def test_behind_the_production_middleware_the_supervisors_snapshots_wait_for_the_response(
        routed: Services) -> None:
    marie = add_agent(routed, "marie")
    app = create_app(routed, {"TESTING": True})
    app.wsgi_app = AfterResponseMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    routed.live.agents.clear()
    routed.live.supervisors.clear()
    body = {"call_id": "c1", "request_id": "r1", "from": CITIZEN, "to": OUR_NUMBER, "round": 1}
    response = signed_post(app.test_client(), routed, "/cti/v1/route", body)
    try:
        assert [t["agent_id"] for t in response.get_json()["targets"]] == [marie]
        assert count(routed, "calls") == 1  # the CRM has the call before telephony has the answer
        if routed.engine.dialect.name == "postgresql":
            # A new call recorded in one statement: its screen-pops, legs, presence and live updates follow
            # the answer, written while its row is locked (its next event waits for them:
            # test_effects_after_answer).
            assert count(routed, "call_legs") == 0
            assert count(routed, "cti_requests", "response IS NOT NULL") == 0
            assert routed.live.kinds(marie) == [] and routed.live.supervisors == []
        else:  # the step itself is done before the answer: the next event of the call may come at once
            assert count(routed, "call_legs") == 1
            assert count(routed, "cti_requests", "response IS NOT NULL") == 1
            assert routed.live.kinds(marie) == ["screen_pop", "presence"]
            assert [kind for kind, _ in routed.live.supervisors] == ["agent_state"]
    finally:
        response.close()  # what the server does once the response is sent
    assert count(routed, "call_legs") == 1 and count(routed, "cti_requests", "response IS NOT NULL") == 1
    assert routed.live.kinds(marie) == ["screen_pop", "presence"]
    assert [kind for kind, _ in routed.live.supervisors] == ["agent_state", "queue"]


@pytest.mark.redis
def test_agents_decoded_once_are_decoded_again_when_another_node_changes_them(redis_url: str) -> None:
    store, other = (RedisRoutingStore(redis.Redis.from_url(redis_url)) for _ in range(2))
    store.restore([available(1), available(2)], [], overwrite=True)
    first = store.snapshot(NOW, NOW).agents
    assert store.snapshot(NOW, NOW).agents[2] is first[2]  # the same hash: the same decoded state
    paused = AgentState(2, PresenceStatus.PAUSED, NOW, "lunch")
    other.change(None, [2], lambda c, a: Move(None, {2: paused}), NOW)
    again = store.snapshot(NOW, NOW).agents
    assert again[2] == paused and again[1] is first[1]


@pytest.mark.redis
def test_a_snapshot_decodes_the_queue_only_when_read_then_drops_calls_gone_stale(redis_url: str) -> None:
    store = RedisRoutingStore(redis.Redis.from_url(redis_url))
    fresh = CallRouting("fresh", "fr", NOW, CallState.WAITING, 1, (), None, NOW)
    stale = CallRouting("stale", "fr", NOW - timedelta(hours=2), CallState.WAITING, 1, (), None,
                        NOW - timedelta(hours=2))
    store.restore([available(1)], [fresh, stale], overwrite=True)
    snapshot = store.snapshot(NOW - timedelta(minutes=5), NOW)
    assert list(snapshot.agents) == [1]
    queued = [m.decode() for m in store._redis.zrange(store.queue_key, 0, -1)]
    assert sorted(queued) == ["fresh", "stale"]  # nothing decoded yet, nothing dropped
    assert list(snapshot.calls) == ["fresh"] and snapshot.calls["fresh"].language == "fr"
    assert [m.decode() for m in store._redis.zrange(store.queue_key, 0, -1)] == ["fresh"]


@pytest.mark.redis
def test_steps_ending_while_the_snapshots_are_sent_are_sent_together_once_more(routed: Services) -> None:
    lifecycle = routed.call_lifecycle
    reading, release = threading.Event(), threading.Event()
    reads: list[str] = []
    today = lifecycle._stats.today

    def slow_today() -> Any:  # the first read of the day's figures takes a while
        reads.append("stats")
        if len(reads) == 1:
            reading.set()
            assert release.wait(10)
        return today()

    lifecycle._stats.today = slow_today  # type: ignore[method-assign]
    routed.live.supervisors.clear()
    first = threading.Thread(target=lifecycle._tell_supervisors, args=(Effects(stats_changed=True),))
    first.start()
    assert reading.wait(10)
    # Two more steps end meanwhile: they only leave word and return at once.
    lifecycle._tell_supervisors(Effects(queue_changed=True))
    lifecycle._tell_supervisors(Effects(stats_changed=True))
    assert routed.live.supervisors == []
    release.set()
    first.join(10)
    # One more round for both, read after their changes: the figures read twice, not three times.
    assert reads == ["stats", "stats"]
    assert [kind for kind, _ in routed.live.supervisors] == ["call_stats", "queue", "call_stats"]
    lifecycle._tell_supervisors(Effects(queue_changed=True))  # nobody sending: sent at once
    assert [kind for kind, _ in routed.live.supervisors][-1] == "queue"


@pytest.mark.postgres
def test_an_idle_connection_whose_server_side_died_is_replaced_at_checkout(monkeypatch: Any) -> None:
    from callcenter.db import engine as engines

    engine, admin = make_engine(PG_URL, pool_size=1), make_engine(PG_URL, pool_size=1)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(engines, "PING_IDLE_S", 0.0)  # every pooled connection counts as idle
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the backend takes a moment to go
            with admin.connect() as conn:
                if not conn.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"),
                                    {"pid": first}).first():
                    break
            time.sleep(0.05)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != first
    finally:
        engine.dispose()
        admin.dispose()


@pytest.mark.postgres
def test_the_connection_given_back_last_is_the_next_one_out() -> None:
    # Steps one after another stay on one warm server process, even after another thread used the pool.
    engine = make_engine(PG_URL)
    try:
        first, second = engine.connect(), engine.connect()  # two at once, as with the snapshots' thread
        pids = [conn.execute(text("SELECT pg_backend_pid()")).scalar_one() for conn in (first, second)]
        second.close()
        first.close()  # given back last
        for _ in range(3):
            with engine.connect() as conn:
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == pids[0]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_unit_of_work_that_only_read_keeps_the_connection_s_prepared_statements() -> None:
    # psycopg discards every prepared statement of a connection at a ROLLBACK: a read-only unit of work
    # (the supervisors' figures, twice a second) left the next call step's statements unprepared.
    engine = make_engine(PG_URL, pool_size=1)
    uow = SqlAlchemyUnitOfWork(make_session_factory(engine))
    prepared = text("SELECT count(*) FROM pg_prepared_statements")
    try:
        with uow:
            for _ in range(6):  # psycopg prepares a statement at its fifth run on a connection
                uow.session.execute(text("SELECT CAST(:n AS integer) + 1"), {"n": 1}).scalar_one()
        with uow:  # the same connection (a pool of one): its statement is still prepared
            assert uow.session.execute(prepared).scalar_one() >= 1
        with pytest.raises(RuntimeError), uow:  # a failure still rolls back, as it must
            uow.session.execute(prepared).scalar_one()
            raise RuntimeError("a read that failed")
        with uow:  # (which is what discards them)
            assert uow.session.execute(prepared).scalar_one() == 0
    finally:
        engine.dispose()


def test_a_unit_of_work_that_wrote_without_committing_is_rolled_back(database_url: str) -> None:
    engine, uow = _uow(database_url)
    try:
        with uow() as w:
            w.cti_requests.claim("route", "never-committed", NOW)  # written, then left without commit
        with uow() as w:
            assert w.cti_requests.find("route", "never-committed") is None
            w.cti_requests.claim("route", "committed", NOW)
            w.commit()
        with uow() as w:
            found = w.cti_requests.find("route", "committed")
            assert found is not None and found.response is None
    finally:
        engine.dispose()


def test_request_ids_of_different_kinds_do_not_collide(database_url: str) -> None:
    engine, uow = _uow(database_url)
    key = uuid.uuid4().hex
    try:
        with uow() as w:
            assert w.cti_requests.claim("route", key, NOW).new and w.cti_requests.claim("event", key, NOW).new
            w.commit()
    finally:
        engine.dispose()


def test_the_day_s_figures_are_counted_in_the_database(database_url: str) -> None:
    engine, uow = _uow(database_url)

    def call(call_id: str, *, after_s: float | None = None, outcome: str | None = None,
             direction: Direction = Direction.INBOUND, **routing: Any) -> CallRecord:
        answered = NOW + timedelta(seconds=after_s) if after_s is not None else None
        return CallRecord(call_id, CITIZEN, OUR_NUMBER, direction, NOW, answered_at=answered, outcome=outcome,
                          last_seen=NOW, **routing)

    try:
        with uow() as w:
            for record in (call("in-time", after_s=19.5, outcome="answered"),
                           call("late", after_s=20.5, outcome="answered"),
                           call("gone", outcome="abandoned"), call("full", outcome="busy"),
                           call("night", outcome="out_of_hours", out_of_hours=True),
                           call("drill", after_s=1, outcome="answered", test=True),
                           call("out", after_s=1, outcome="answered", direction=Direction.OUTBOUND)):
                w.call_records.add(record)
            w.commit()
        with uow() as w:
            counts = w.call_records.counts(NOW - timedelta(hours=1), NOW + timedelta(hours=1), 20)
            assert (counts.answered, counts.answered_in_time, counts.abandoned, counts.busy,
                    counts.out_of_hours) == (2, 1, 1, 1, 1)
            assert w.call_records.counts(NOW + timedelta(hours=1), NOW + timedelta(hours=2), 20).answered == 0
    finally:
        engine.dispose()


def test_the_day_s_figures_read_the_day_s_calls_by_index_not_every_call(database_url: str) -> None:
    # Sent twice a second while calls come in: without the index, a scan of every call ever recorded
    # (24 ms on 500,000 calls, docs/benchmarks.md). The plan is asked with sequential scans made dear,
    # so that the answer does not depend on how few rows the test's table holds.
    engine = make_engine(database_url)
    try:
        stmt = call_records_queries._call_counts(engine.dialect.name, 20)
        compiled = stmt.compile(dialect=engine.dialect)
        params = compiled.construct_params({"start": NOW, "end": NOW + timedelta(days=1)})
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = conn.exec_driver_sql(f"EXPLAIN {compiled}", params).scalars().all()
            else:
                positional = tuple(params[name] for name in compiled.positiontup or ())
                plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", positional)]
        assert any("ix_calls_started_at" in line for line in plan), plan
    finally:
        engine.dispose()
