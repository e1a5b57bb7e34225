"""The routing rules: ring-all, longest idle first, sharing free agents, languages, widening, busy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.domain.errors import InvalidInput
from callcenter.domain.routing import (
    BUSY,
    Announce,
    Candidate,
    Ring,
    RoutingPolicy,
    Wait,
    caller_language,
    decide,
    parse_service_numbers,
    plan_round,
    waiting,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
POLICY = RoutingPolicy(round_timeout_s=20, max_wait_s=180, retry_after_s=2)


def agent(agent_id: int, *languages: str, idle_min: int | None = None) -> Candidate:
    idle = NOW - timedelta(minutes=idle_min) if idle_min is not None else None
    return Candidate(agent_id, frozenset(languages or ("fr",)), idle)


def caller(call_id: str, language: str = "fr", waited_s: int = 0, round_: int = 1,
           policy: RoutingPolicy = POLICY):
    return waiting(call_id, language, NOW - timedelta(seconds=waited_s), round_, NOW, policy)


def test_a_lone_caller_rings_every_free_agent_of_its_language_longest_idle_first() -> None:
    free = [agent(1, idle_min=2), agent(2, "nl"), agent(3, idle_min=10), agent(4, "fr", "nl", idle_min=5)]
    decision = decide(caller("c1"), [], free, 1, NOW, POLICY)
    assert decision == Ring((3, 4, 1), 20, 1)  # agent 2 speaks no French


def test_agents_never_idle_come_last_and_without_the_setting_agents_ring_by_id() -> None:
    free = [agent(5), agent(2, idle_min=1), agent(9, idle_min=30)]
    assert decide(caller("c1"), [], free, 1, NOW, POLICY) == Ring((9, 2, 5), 20, 1)
    plain = RoutingPolicy(longest_idle_first=False)
    assert decide(caller("c1", policy=plain), [], free, 1, NOW, plain) == Ring((2, 5, 9), 20, 1)


def test_ring_max_targets_rings_only_the_longest_idle_agents() -> None:
    one = RoutingPolicy(max_targets=1)
    free = [agent(1, idle_min=1), agent(2, idle_min=8), agent(3, idle_min=4)]
    assert decide(caller("c1", policy=one), [], free, 1, NOW, one) == Ring((2,), 20, 1)


def test_free_agents_are_shared_disjointly_earliest_caller_first() -> None:
    free = [agent(1, idle_min=9), agent(2, idle_min=5), agent(3, idle_min=1)]
    queue = [caller("late", waited_s=5), caller("early", waited_s=15)]
    plan = plan_round(queue, free, POLICY)
    assert plan == {"early": [1, 3], "late": [2]}  # one each, the one left over goes to the earliest


def test_as_many_callers_ring_as_there_are_free_agents_and_the_others_wait() -> None:
    free = [agent(1), agent(2)]
    first, second, third = caller("a", waited_s=9), caller("b", waited_s=8), caller("c", waited_s=7)
    assert isinstance(decide(first, [second, third], free, 1, NOW, POLICY), Ring)
    assert isinstance(decide(second, [first, third], free, 1, NOW, POLICY), Ring)
    assert decide(third, [first, second], free, 1, NOW, POLICY) == Wait(2)


def test_sharing_keeps_languages_and_finds_a_group_for_each_caller_it_can() -> None:
    # Giving the bilingual agent to the French caller would leave the Dutch one without anyone.
    free = [agent(1, "fr", "nl", idle_min=10), agent(2, "fr", idle_min=1)]
    plan = plan_round([caller("fr-call", "fr", waited_s=20 - 1), caller("nl-call", "nl", waited_s=5)], free,
                      POLICY)
    assert plan == {"fr-call": [2], "nl-call": [1]}


def test_a_caller_whose_language_nobody_free_speaks_waits_then_widens() -> None:
    free = [agent(1, "fr"), agent(2, "fr")]
    assert decide(caller("de-call", "de", waited_s=5), [], free, 1, NOW, POLICY) == Wait(2)
    # Round 2 (the telephony's next round) or a whole round of waiting widens to every free agent.
    second_round = caller("de-call", "de", waited_s=5, round_=2)
    assert decide(second_round, [], free, 2, NOW, POLICY) == Ring((1, 2), 20, 2)
    assert decide(caller("de-call", "de", waited_s=21), [], free, 1, NOW, POLICY) == Ring((1, 2), 20, 1)


def test_a_widened_earlier_caller_still_comes_first() -> None:
    free = [agent(1, "fr")]
    widened = caller("de-call", "de", waited_s=40)
    assert decide(caller("fr-call", "fr", waited_s=3), [widened], free, 1, NOW, POLICY) == Wait(2)
    assert decide(widened, [caller("fr-call", "fr", waited_s=3)], free, 1, NOW, POLICY) == Ring((1,), 20, 1)


def test_after_the_maximum_wait_the_caller_hears_busy() -> None:
    free = [agent(1)]
    assert decide(caller("c1", "nl", waited_s=180), [], free, 4, NOW, POLICY) == Announce(BUSY, "nl")


def test_the_retry_delay_never_passes_the_maximum_wait() -> None:
    assert decide(caller("c1", waited_s=179), [], [], 1, NOW, POLICY) == Wait(1)


def test_the_callers_language_comes_from_the_crm_else_the_number_dialled_else_the_default() -> None:
    numbers = {"+3225088587": "nl"}
    assert caller_language(["de"], "+3225088587", numbers, "fr") == "de"
    assert caller_language(["nl", "nl"], "+3225088586", numbers, "fr") == "nl"  # shared number, one language
    assert caller_language(["nl", "fr"], "+3225088587", numbers, "fr") == "nl"  # they disagree: the number
    assert caller_language([], "+3225088586", numbers, "fr") == "fr"


def test_service_numbers_are_read_from_the_setting() -> None:
    assert parse_service_numbers("02 508 85 86=fr, +3225088587=NL") == {"+3225088586": "fr",
                                                                         "+3225088587": "nl"}
    assert parse_service_numbers("") == {}
    with pytest.raises(InvalidInput, match="NUMBER=LANGUAGE"):
        parse_service_numbers("+3225088586=es")
    with pytest.raises(InvalidInput):
        parse_service_numbers("not-a-number=fr")
