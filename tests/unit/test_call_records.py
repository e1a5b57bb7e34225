"""Call records from events in any order: first sight, answer before newCall, hangup before answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.domain.call_events import CallEvent, CallEventKind, LegOutcome, leg_end_outcome
from callcenter.domain.call_records import UNKNOWN, announced, apply_event, ends_leg_only, first_sight

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def event(kind: CallEventKind, **fields: object) -> CallEvent:
    return CallEvent(f"e-{kind}", kind, "c1", **fields)  # type: ignore[arg-type]


def test_an_answer_before_its_new_call_records_the_call_and_the_new_call_completes_it() -> None:
    record = first_sight(event(CallEventKind.ANSWER, agent="marie"), at(5))
    assert (record.from_number, record.started_at) == (UNKNOWN, at(5))
    record = apply_event(record, event(CallEventKind.ANSWER, agent="marie"), 7, at(5))
    record = apply_event(record, event(CallEventKind.NEW_CALL, from_number="+32471123456",
                                       to_number="+3225088586"), None, at(0))
    assert (record.from_number, record.to_number, record.started_at) == ("+32471123456", "+3225088586", at(0))
    assert (record.answered_at, record.agent_user_id, record.outcome) == (at(5), 7, "answered")


def test_the_first_answer_wins_and_a_hangup_before_the_answer_still_ends_answered() -> None:
    record = first_sight(event(CallEventKind.NEW_CALL, from_number="+32471123456", to_number="x"), NOW)
    ended = apply_event(record, event(CallEventKind.HANGUP, cause="normalClearing"), None, at(60))
    assert (ended.ended_at, ended.outcome) == (at(60), "abandoned")
    late = apply_event(ended, event(CallEventKind.ANSWER, agent="jan"), 8, at(3))
    assert (late.answered_at, late.agent_user_id, late.outcome) == (at(3), 8, "answered")
    assert apply_event(late, event(CallEventKind.ANSWER, agent="other"), 9, at(4)).agent_user_id == 8


def test_times_stay_in_order_whatever_the_clocks_say() -> None:
    record = first_sight(event(CallEventKind.NEW_CALL, from_number="a", to_number="b"), at(10))
    answered = apply_event(record, event(CallEventKind.ANSWER, agent="x"), 1, at(5))
    assert answered.answered_at == at(10)
    ended = apply_event(answered, event(CallEventKind.HANGUP, cause="x"), None, at(8))
    assert ended.ended_at == at(10)


def test_a_hangup_naming_an_agent_who_did_not_answer_ends_only_their_leg() -> None:
    record = first_sight(event(CallEventKind.NEW_CALL, from_number="a", to_number="b"), NOW)
    assert ends_leg_only(record, 3)
    assert apply_event(record, event(CallEventKind.HANGUP, agent="x", cause="declined"), 3, at(2)) == record
    answered = apply_event(record, event(CallEventKind.ANSWER, agent="y"), 4, at(3))
    assert not ends_leg_only(answered, 4) and ends_leg_only(answered, 3)
    assert leg_end_outcome("Declined") is LegOutcome.DECLINED
    assert leg_end_outcome(None) is LegOutcome.NO_ANSWER


def test_announcements_set_the_outcome() -> None:
    record = first_sight(event(CallEventKind.NEW_CALL, from_number="a", to_number="b"), NOW)
    closed = announced(record, "closed", out_of_hours=True)
    assert (closed.outcome, closed.out_of_hours) == ("out_of_hours", True)
    hangup = event(CallEventKind.HANGUP, cause="normalClearing")
    busy = apply_event(announced(record, "busy"), hangup, None, at(1))
    assert busy.outcome == "busy"
