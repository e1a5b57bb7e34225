"""How an agent's state is stored in Redis: every field survives the round trip, in a fixed order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.domain.presence import AgentState, PresenceStatus
from callcenter.live.presence_store import decode_state, encode_state, encode_states, joined, unjoin

NOW = datetime(2026, 11, 26, 9, 0, 0, 123456, tzinfo=UTC)


def test_each_kind_of_state_survives_the_round_trip_with_only_its_fields() -> None:
    states = [
        AgentState(1, PresenceStatus.RINGING, NOW, None, NOW + timedelta(seconds=20), "c1",
                   NOW - timedelta(hours=1)),
        AgentState(2, PresenceStatus.PAUSED, NOW, "lunch"),
        AgentState(3, PresenceStatus.WRAP_UP, NOW, None, NOW + timedelta(seconds=30), "c2"),
        AgentState(4, PresenceStatus.OFFLINE, NOW),
    ]
    for state in states:
        assert decode_state(state.agent_id, encode_state(state)) == state
    assert list(encode_state(states[0])) == ["status", "since", "until", "call_id", "idle_since"]
    assert encode_state(states[1]) == {"status": "paused", "since": NOW.isoformat(), "reason": "lunch"}


def test_a_ring_all_s_states_are_encoded_as_one_by_one() -> None:
    until = NOW + timedelta(seconds=20)
    ringing = {agent_id: AgentState(agent_id, PresenceStatus.RINGING, NOW, None, until, "c1",
                                    NOW - timedelta(minutes=agent_id)) for agent_id in range(1, 51)}
    encoded = encode_states(ringing)
    assert list(encoded) == [str(agent_id) for agent_id in range(1, 51)]
    assert all(encoded[str(a)] == encode_state(state) for a, state in ringing.items())
    assert encoded["7"]["idle_since"] == (NOW - timedelta(minutes=7)).isoformat()


def test_a_state_is_stored_as_one_json_array_of_its_fields_and_read_back() -> None:
    paused = AgentState(5, PresenceStatus.PAUSED, NOW, "réunion d'équipe")
    stored = joined(encode_state(paused))
    reason = "r\\u00e9union d'\\u00e9quipe"  # JSON's escapes: the stored string is ASCII
    assert stored == f'["status","paused","since","{NOW.isoformat()}","reason","{reason}"]'
    assert decode_state(5, unjoin(stored)) == paused
    assert decode_state(5, unjoin(stored.encode())) == paused  # as Redis sends it
    assert unjoin(b"{}") == {} and decode_state(5, unjoin(b"{}")) is None  # a missing state
