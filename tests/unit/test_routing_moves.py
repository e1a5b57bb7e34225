"""Changes of a call and its agents together: queue, reserve, answer (one winner), hang up, idempotence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.domain import routing_moves as moves
from callcenter.domain.call_records import CallRouting, CallState
from callcenter.domain.presence import AgentState
from callcenter.domain.presence import PresenceStatus as S

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
FRESH = CallRouting("c1", "fr", NOW, caller="+32471123456")


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def free(*ids: int) -> dict[int, AgentState]:
    return {i: AgentState(i, S.AVAILABLE, NOW, idle_since=NOW) for i in ids}


def ringing(agents: dict[int, AgentState], *ids: int) -> tuple[CallRouting, dict[int, AgentState]]:
    entered = moves.enter(None, FRESH, 1, {}, NOW)
    assert entered.call is not None and entered.call.state is CallState.WAITING
    reserved = moves.reserve(entered.call, agents, ids, 1, NOW, at(30))
    assert reserved.result and reserved.call is not None
    return reserved.call, {**agents, **reserved.agents}


def test_a_reservation_takes_every_target_or_none() -> None:
    agents = free(1, 2)
    agents[2] = AgentState(2, S.PAUSED, NOW, "lunch")
    call = moves.enter(None, FRESH, 1, {}, NOW).call
    refused = moves.reserve(call, agents, (1, 2), 1, NOW, at(30))
    assert (refused.result, refused.call, refused.agents) == (False, None, {})
    call, agents = ringing(free(1, 2), 1, 2)
    assert call.targets == (1, 2) and call.ring_until == at(30)
    assert {s.status for s in agents.values()} == {S.RINGING}


def test_entering_and_reserving_in_one_change_is_both_moves_one_after_the_other() -> None:
    agents = free(1, 2, 3)
    both = moves.enter_and_reserve(None, FRESH, 1, agents, (1, 2), NOW, at(30))
    call, rung = ringing(free(1, 2, 3), 1, 2)
    entered, reserved = both.result
    assert reserved and entered.joined and entered.call.state is CallState.WAITING
    assert both.call == call and both.agents == {1: rung[1], 2: rung[2]}
    again = moves.enter_and_reserve(both.call, FRESH, 1, {**agents, **both.agents}, (1, 2), at(1), at(31))
    assert again.result[0].ringing == (1, 2) and not again.result[1] and again.agents == {}  # kept ringing


def test_entering_and_reserving_enters_only_when_a_target_is_no_longer_free() -> None:
    agents = free(1, 2)
    agents[2] = AgentState(2, S.PAUSED, NOW, "lunch")
    only = moves.enter_and_reserve(None, FRESH, 1, agents, (1, 2), NOW, at(30))
    assert only.result[1] is False and only.agents == {}
    assert only.call == moves.enter(None, FRESH, 1, agents, NOW).call  # queued, to plan again
    over = moves.enter_and_reserve(CallRouting("c1", "fr", NOW, CallState.ENDED), FRESH, 1, free(1), (1,),
                                   NOW, at(30))
    assert (over.call, over.agents, over.result[0].over, over.result[1]) == (None, {}, True, False)


def test_the_same_round_asked_again_keeps_ringing_and_the_next_round_releases_it() -> None:
    call, agents = ringing(free(1, 2), 1, 2)
    again = moves.enter(call, FRESH, 1, agents, at(5))
    assert again.result.ringing == (1, 2) and again.agents == {}
    next_round = moves.enter(call, FRESH, 2, agents, at(21))
    assert next_round.result.released == (1, 2)
    assert next_round.call is not None and next_round.call.state is CallState.WAITING
    assert {s.status for s in next_round.agents.values()} == {S.AVAILABLE}


def test_exactly_one_agent_wins_and_the_others_are_free_again() -> None:
    call, agents = ringing(free(1, 2, 3), 1, 2, 3)
    won = moves.answer(call, FRESH, agents, 2, at(4))
    assert won.result.winner == 2 and set(won.result.released) == {1, 3}
    assert won.agents[2].status is S.ON_CALL and won.agents[1].status is S.AVAILABLE
    assert won.call is not None and won.call.answered_by == 2
    late = moves.answer(won.call, FRESH, {**agents, **won.agents}, 2, at(5))
    assert late.agents == {} and late.call is None and late.result.winner == 2


def test_hanging_up_wraps_the_agent_up_once() -> None:
    call, agents = ringing(free(1, 2), 1, 2)
    won = moves.answer(call, FRESH, agents, 1, at(4))
    agents = {**agents, **won.agents}
    ended = moves.hang_up(won.call, FRESH, agents, at(64), 30)
    assert ended.result.wrap_up == AgentState(1, S.WRAP_UP, at(64), until=at(94), call_id="c1",
                                              idle_since=at(94))
    assert ended.call is not None and ended.call.state is CallState.ENDED
    repeated = moves.hang_up(ended.call, FRESH, {**agents, **ended.agents}, at(65), 30)
    assert repeated.result.repeated and repeated.agents == {}


def test_a_caller_hanging_up_while_ringing_frees_the_agents() -> None:
    call, agents = ringing(free(1, 2), 1, 2)
    ended = moves.hang_up(call, FRESH, agents, at(8), 30)
    assert ended.result.wrap_up is None and set(ended.result.released) == {1, 2}
    assert moves.answer(ended.call, FRESH, {**agents, **ended.agents}, 1, at(9)).result.late


def test_telephony_ringing_an_agent_itself_offers_them_the_call_once() -> None:
    call = moves.enter(None, FRESH, 1, {}, NOW).call
    first = moves.ring(call, FRESH, free(5), 5, at(1), at(31))
    assert first.result and first.agents[5].status is S.RINGING and first.call.targets == (5,)
    again = moves.ring(first.call, FRESH, {**free(5), **first.agents}, 5, at(2), at(32))
    assert not again.result and again.agents == {}


def test_an_agent_declining_ends_only_their_ringing() -> None:
    call, agents = ringing(free(1, 2), 1, 2)
    leg = moves.end_leg(call, agents, 1, at(3))
    assert leg.result and leg.agents[1].status is S.AVAILABLE and 2 not in leg.agents
