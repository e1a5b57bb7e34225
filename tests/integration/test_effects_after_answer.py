"""A new call's first ringing route pops and writes its effects after its answer, holding the call's row
(PostgreSQL, real Redis): the call's next event waits for them; a failure gives the lock and the request
id back; a screen-pop that cannot be built is left out (both databases)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from callcenter.bootstrap import Services
from callcenter.db.engine import make_engine
from callcenter.domain.call_events import CallEvent, CallEventKind, RouteRequest
from callcenter.domain.presence import AgentState, PresenceStatus
from callcenter.services.after_response import collecting, run_all
from callcenter.services.clock import FixedClock
from tests.integration.routing_support import (  # noqa: F401
    CITIZEN,
    OUR_NUMBER,
    T0,
    add_agent,
    count,
    routed_services,
    routing_services,
)

pytestmark = pytest.mark.redis
WAITED_S = 0.5  # how long the test keeps the effects back while the next event is sent


def _postgres_only(routed: Services) -> None:
    if routed.engine.dialect.name != "postgresql":
        pytest.skip("a call is recorded in one statement, and its route's effects wait, on PostgreSQL only")


def _route_leaving_effects(routed: Services) -> tuple[dict[str, Any], list[Any]]:
    with collecting() as pending:
        decided = routed.call_lifecycle.route(RouteRequest("c1", "r1", CITIZEN, OUR_NUMBER, 1))
    return decided, pending


@pytest.mark.parametrize("kind", [CallEventKind.ANSWER, CallEventKind.HANGUP])
def test_the_call_s_next_event_waits_for_the_effects_its_route_left_for_after_the_answer(
        routed: Services, kind: CallEventKind) -> None:
    _postgres_only(routed)
    marie, jan = add_agent(routed, "marie"), add_agent(routed, "jan")
    routed.live.agents.clear()
    decided, pending = _route_leaving_effects(routed)
    try:
        assert sorted(t["agent_id"] for t in decided["targets"]) == sorted([marie, jan])
        assert len(pending) == 2  # the effects, then the supervisors' snapshots
        assert count(routed, "call_legs") == 0 and routed.live.kinds(marie) == []
        done: list[float] = []
        event = CallEvent("e1", kind, "c1", agent="marie" if kind is CallEventKind.ANSWER else None,
                          cause="normalClearing")
        # Telephony's next event, at once, on another thread (another node would do the same).
        worker = threading.Thread(target=lambda: (routed.call_lifecycle.handle_event(event),
                                                  done.append(time.monotonic())))
        worker.start()
        time.sleep(WAITED_S)
        assert done == [], "the event went on before the route's effects were written"
        released = time.monotonic()
    finally:
        run_all(pending)  # what the server does once the route's answer is sent
    worker.join(10)
    assert not worker.is_alive() and done and done[0] >= released
    record = routed.call_lifecycle.record("c1")
    outcomes = {leg["agent_id"]: leg["outcome"] for leg in record["legs"]}
    ended = {leg["agent_id"] for leg in record["legs"] if leg["ended_at"] is not None}
    with routed.uow() as uow:
        presence = {a: s.status.value for a, s in uow.presence.current([marie, jan]).items()}
    if kind is CallEventKind.ANSWER:
        assert record["agent_id"] == marie
        assert outcomes == {marie: "answered", jan: "rang"} and ended == {jan}  # jan: another agent won
        assert presence == {marie: "on_call", jan: "available"}
    else:
        assert record["outcome"] == "abandoned"
        assert outcomes == {marie: "no_answer", jan: "no_answer"} and ended == {marie, jan}
        assert presence == {marie: "available", jan: "available"}
    # Each agent's panel was told in order: the caller, rung, then what the event made of them.
    assert routed.live.kinds(jan)[:2] == ["screen_pop", "presence"]
    assert [d["status"] for _, k, d in routed.live.agents if k == "presence" and _ == jan][-2:] == [
        "ringing", "available"]


def test_a_route_left_effects_only_under_a_server_that_sends_the_answer_first(routed: Services) -> None:
    _postgres_only(routed)
    add_agent(routed, "marie")
    decided = routed.call_lifecycle.route(RouteRequest("c1", "r1", CITIZEN, OUR_NUMBER, 1))
    assert decided["action"] == "ring"
    assert count(routed, "call_legs") == 1 and count(routed, "cti_requests", "response IS NOT NULL") == 1


def test_effects_that_fail_after_the_answer_give_the_call_and_the_request_id_back(
        routed: Services, monkeypatch: Any, caplog: pytest.LogCaptureFixture) -> None:
    _postgres_only(routed)
    marie = add_agent(routed, "marie")
    lifecycle = routed.call_lifecycle

    def failing(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(lifecycle, "_write_in", failing)
    decided, pending = _route_leaving_effects(routed)
    run_all(pending)
    monkeypatch.undo()
    assert [t["agent_id"] for t in decided["targets"]] == [marie]
    assert "were not written" in caplog.text
    assert count(routed, "calls") == 1 and count(routed, "call_legs") == 0
    assert count(routed, "cti_requests") == 0  # a repeat decides afresh rather than wait for an answer
    # The row is free: the call's answer is processed at once, and adds the leg it finds missing.
    answered = lifecycle.handle_event(CallEvent("e1", CallEventKind.ANSWER, "c1", agent="marie"))
    assert answered["answered_by"] == marie
    legs = lifecycle.record("c1")["legs"]
    assert [(leg["agent_id"], leg["outcome"]) for leg in legs] == [(marie, "answered")]


def test_a_route_decides_on_who_is_calling_and_builds_the_screen_pop_after_its_answer(
        routed: Services, monkeypatch: Any) -> None:
    _postgres_only(routed)
    marie = add_agent(routed, "marie")
    looked_up: list[str] = []
    original = routed.screen_pop.lookup
    monkeypatch.setattr(routed.screen_pop, "lookup",
                        lambda number: looked_up.append(number) or original(number))
    routed.live.agents.clear()
    decided, pending = _route_leaving_effects(routed)
    try:
        assert decided["action"] == "ring" and looked_up == []
    finally:
        run_all(pending)
    assert looked_up == [CITIZEN]
    [(_, _, pop)] = [entry for entry in routed.live.agents if entry[0] == marie and entry[1] == "screen_pop"]
    assert (pop["call_id"], pop["lookup"]["number"], pop["lookup"]["unknown"]) == ("c1", CITIZEN, True)


def test_a_screen_pop_that_cannot_be_built_is_left_out_and_the_call_rings_all_the_same(
        routed: Services, monkeypatch: Any, caplog: pytest.LogCaptureFixture) -> None:
    marie = add_agent(routed, "marie")

    def failing(number: str) -> dict[str, Any]:
        raise RuntimeError("the CRM went away")

    monkeypatch.setattr(routed.screen_pop, "lookup", failing)
    routed.live.agents.clear()
    decided, pending = _route_leaving_effects(routed)
    run_all(pending)
    assert [t["agent_id"] for t in decided["targets"]] == [marie]
    assert "screen-pop of 1 agents was not built" in caplog.text
    assert routed.live.kinds(marie) == ["presence"]
    assert count(routed, "call_legs") == 1 and count(routed, "cti_requests", "response IS NOT NULL") == 1


@pytest.mark.parametrize("after_answer", [True, False])
def test_the_rung_agents_get_the_screen_pop_and_their_presence_in_one_batch(
        routed: Services, after_answer: bool) -> None:
    """One round trip to Redis, and each rung panel's stream wakes once for both (pop first), whether
    the route's effects wait for its answer (PostgreSQL, the production server) or not."""
    marie, jan = add_agent(routed, "marie"), add_agent(routed, "jan")
    routed.live.batches.clear()
    routed.live.agents.clear()
    if after_answer:
        decided, pending = _route_leaving_effects(routed)
        run_all(pending)
    else:
        decided = routed.call_lifecycle.route(RouteRequest("c1", "r1", CITIZEN, OUR_NUMBER, 1))
    assert decided["action"] == "ring"
    [batch] = [b for b in routed.live.batches if (marie, "screen_pop") in b]
    rung = sorted([marie, jan])
    assert sorted(a for a, kind in batch if kind == "screen_pop") == rung
    assert sorted(a for a, kind in batch if kind == "presence") == rung
    assert batch.index((marie, "screen_pop")) < batch.index((marie, "presence"))
    assert (None, "agent_state") in batch
    # Their presence is not sent again with the step's other live updates.
    assert routed.live.kinds(marie) == ["screen_pop", "presence"]
    assert [d["status"] for who, kind, d in routed.live.agents if kind == "presence" and who == jan] == [
        "ringing"]
    assert count(routed, "call_legs") == 2


POOL_TIMEOUT_S = 5.0


@pytest.mark.parametrize("own_pool", [True, pytest.param(False, marks=pytest.mark.xfail(
    strict=True, reason="on the main pool, the screen-pop waits for a connection the call's events hold"))])
def test_the_screen_pop_is_built_while_the_call_s_events_hold_every_pooled_connection(
        make_settings: Any, database_url: str, redis_url: str, own_pool: bool) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a route's effects wait on the call's row on PostgreSQL only")
    settings = make_settings(database_url=database_url, redis_url=redis_url, cti_secret="test-secret",
                             service_numbers=f"{OUR_NUMBER}=fr", max_wait_s=120)
    # Two connections: the route holding the call's row takes one, its answer event waiting on the row the
    # other, and the hang-up waits for one of them.
    engine = make_engine(database_url, pool_size=2, max_overflow=0, pool_timeout=POOL_TIMEOUT_S)
    shared = {} if own_pool else {"read_engine": engine}
    routed = routing_services(settings, FixedClock(T0), engine=engine, **shared)
    try:
        marie, jan = add_agent(routed, "marie"), add_agent(routed, "jan")
        routed.live.agents.clear()
        decided, pending = _route_leaving_effects(routed)
        assert decided["action"] == "ring"
        errors: list[BaseException] = []

        def send(event: CallEvent) -> None:
            try:
                routed.call_lifecycle.handle_event(event)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        events = [CallEvent("e1", CallEventKind.ANSWER, "c1", agent="marie"),
                  CallEvent("e2", CallEventKind.HANGUP, "c1", cause="normalClearing")]
        threads = [threading.Thread(target=send, args=(event,)) for event in events]
        for thread in threads:  # the answer first: it waits on the row, the hang-up for a connection
            thread.start()
            time.sleep(0.3)
        started = time.monotonic()
        run_all(pending)
        took = time.monotonic() - started
        for thread in threads:
            thread.join(3 * POOL_TIMEOUT_S)
        assert took < POOL_TIMEOUT_S / 2, f"the route's work after its answer took {took:.1f} s"
        assert errors == [] and not any(thread.is_alive() for thread in threads)
        assert routed.live.kinds(marie)[0] == "screen_pop" and routed.live.kinds(jan)[0] == "screen_pop"
        record = routed.call_lifecycle.record("c1")
        assert (record["agent_id"], record["outcome"]) == (marie, "answered")
    finally:
        routed.close()


def test_an_agent_who_pauses_while_rung_keeps_the_pause_in_the_copy_written_after_the_answer(
        routed: Services) -> None:
    _postgres_only(routed)
    marie = add_agent(routed, "marie")
    decided, pending = _route_leaving_effects(routed)
    assert [t["agent_id"] for t in decided["targets"]] == [marie]
    # The phone rings as she clicks "pause": her change reaches the database before the route's copy
    # of "ringing", which was decided before it.
    routed.clock.set(T0 + timedelta(seconds=1))
    routed.presence.set_status(marie, "paused", "lunch")
    run_all(pending)
    with routed.uow() as uow:
        copy = uow.presence.current([marie])[marie]
    assert (copy.status.value, copy.reason) == ("paused", "lunch")
    assert routed.presence.get(marie).status.value == "paused"  # the shared state
    # Both changes are in the log, in the order they were made.
    with routed.engine.connect() as conn:
        logged = [row[0] for row in conn.exec_driver_sql(
            f"SELECT status FROM presence_changes WHERE agent_id = {marie} ORDER BY at, id")]
    assert logged[-2:] == ["ringing", "paused"]


def test_the_presence_copy_keeps_the_newest_state_whatever_order_it_is_written_in(routed: Services) -> None:
    marie = add_agent(routed, "marie", available=False)
    newer = AgentState(marie, PresenceStatus.PAUSED, T0 + timedelta(seconds=2), reason="lunch")
    older = AgentState(marie, PresenceStatus.RINGING, T0 + timedelta(seconds=1), call_id="c1",
                       until=T0 + timedelta(seconds=21))
    for written in ([newer], [older]):
        with routed.uow() as uow:
            uow.presence.save(written, T0)
            uow.commit()
    with routed.uow() as uow:
        assert uow.presence.current([marie])[marie] == newer
        uow.presence.save([replace(newer, status=PresenceStatus.AVAILABLE, reason=None)], T0)  # same instant
        uow.commit()
    with routed.uow() as uow:
        assert uow.presence.current([marie])[marie].status is PresenceStatus.AVAILABLE
