"""Presence: what agents may choose, reservations, wrap-up that ends by itself, the log, time in states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.domain import presence
from callcenter.domain.errors import InvalidInput
from callcenter.domain.presence import AgentOnCall, AgentState
from callcenter.domain.presence import PresenceStatus as S

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
REASONS = ("lunch", "training")


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def test_agents_choose_available_paused_with_a_listed_reason_or_offline() -> None:
    state = presence.offline(7, NOW)
    available = presence.set_by_agent(state, "available", None, at(1), REASONS)
    assert (available.status, available.idle_since) == (S.AVAILABLE, at(1))
    paused = presence.set_by_agent(available, "paused", "lunch", at(2), REASONS)
    assert (paused.status, paused.reason) == (S.PAUSED, "lunch")
    with pytest.raises(InvalidInput, match="lunch, training") as err:
        presence.set_by_agent(available, "paused", "shopping", at(2), REASONS)
    assert err.value.fields == {"reason": "one of lunch, training"}
    with pytest.raises(InvalidInput, match="not 'on_call'"):
        presence.set_by_agent(available, "on_call", None, at(2), REASONS)


def test_an_agent_on_a_call_can_only_go_offline_and_a_ringing_one_stays_ringing_if_available() -> None:
    on_call = presence.answer(presence.offline(7, NOW), "c1", at(1))
    with pytest.raises(AgentOnCall):
        presence.set_by_agent(on_call, "available", None, at(2), REASONS)
    assert presence.set_by_agent(on_call, "offline", None, at(2), REASONS).status is S.OFFLINE
    ringing = presence.reserve(AgentState(7, S.AVAILABLE, NOW), "c1", at(1), at(31))
    assert ringing is not None
    assert presence.set_by_agent(ringing, "available", None, at(2), REASONS) == ringing
    assert presence.set_by_agent(ringing, "paused", "lunch", at(2), REASONS).status is S.PAUSED


def test_only_a_free_agent_is_reserved_and_an_expired_reservation_frees_them() -> None:
    free = AgentState(7, S.AVAILABLE, NOW, idle_since=NOW)
    ringing = presence.reserve(free, "c1", at(1), at(31))
    assert ringing == AgentState(7, S.RINGING, at(1), until=at(31), call_id="c1", idle_since=NOW)
    assert presence.reserve(ringing, "c2", at(2), at(32)) is None
    assert presence.reserve(ringing, "c1", at(2), at(40)).until == at(40)  # the same call: extended
    after = ringing.effective(at(31))
    assert (after.status, after.since, after.idle_since) == (S.AVAILABLE, at(31), NOW)
    assert presence.reserve(ringing, "c2", at(31), at(61)) is not None
    assert presence.reserve(AgentState(7, S.PAUSED, NOW, "lunch"), "c1", at(1), at(31)) is None


def test_after_a_call_the_agent_wraps_up_then_is_available_without_anyone_acting() -> None:
    on_call = presence.answer(presence.offline(7, NOW), "c1", at(1))
    wrap = presence.end_call(on_call, "c1", at(60), 30)
    assert (wrap.status, wrap.until, wrap.idle_since) == (S.WRAP_UP, at(90), at(90))
    assert not wrap.is_free(at(89)) and wrap.is_free(at(90))
    assert presence.end_call(on_call, "other-call", at(60), 30) == on_call
    assert presence.end_call(on_call, "c1", at(60), 0).status is S.AVAILABLE


def test_the_log_shows_an_expired_wrap_up_as_availability_from_its_end() -> None:
    wrap = AgentState(7, S.WRAP_UP, NOW, until=at(30), call_id="c1", idle_since=at(30))
    paused = AgentState(7, S.PAUSED, at(100), "lunch")
    entries = presence.log_entries(wrap, paused, at(100))
    assert [(e.status, e.since) for e in entries] == [(S.AVAILABLE, at(30)), (S.PAUSED, at(100))]
    longer = presence.reserve(AgentState(7, S.RINGING, NOW, until=at(30), call_id="c1"), "c1", at(5), at(60))
    assert longer is not None and presence.log_entries(AgentState(7, S.RINGING, NOW, until=at(30),
                                                                  call_id="c1"), longer, at(5)) == []


def test_time_in_states_sums_the_log_within_the_period() -> None:
    changes = [(at(-100), S.AVAILABLE), (at(10), S.RINGING), (at(15), S.ON_CALL), (at(75), S.WRAP_UP),
               (at(105), S.AVAILABLE), (at(500), S.OFFLINE)]
    totals = presence.time_in_states(changes, NOW, at(200))
    assert totals[S.AVAILABLE] == 10 + 95
    assert (totals[S.RINGING], totals[S.ON_CALL], totals[S.WRAP_UP]) == (5, 60, 30)
    assert totals[S.OFFLINE] == 0
    assert presence.time_in_states([], NOW, at(60))[S.OFFLINE] == 60


def test_pause_reasons_come_from_the_setting_and_have_labels() -> None:
    assert presence.parse_pause_reasons("Lunch, back_office") == ("lunch", "back_office")
    with pytest.raises(InvalidInput):
        presence.parse_pause_reasons("coffee break!")
    assert presence.pause_reason_label("lunch", "nl") == "Middagpauze"
    assert presence.pause_reason_label("yoga", "fr") == "yoga"
