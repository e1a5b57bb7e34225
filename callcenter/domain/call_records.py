"""A call as the lifecycle keeps it: the CRM record (who, when, agent, outcome) and its routing state.

Events may arrive in any order (an answer before its newCall, a hangup before its answer): each one
fills in what it knows, times are kept in order (start ≤ answer ≤ end), and a record first seen by
an event without numbers carries UNKNOWN until the newCall tells them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from callcenter.domain.call_events import CallEvent, CallEventKind, CallOutcome, LegOutcome, final_outcome
from callcenter.domain.calls import Direction

UNKNOWN = "unknown"


class CallState(StrEnum):
    NEW = "new"  # recorded, never routed
    WAITING = "waiting"  # in the queue, ringing nobody
    RINGING = "ringing"  # ringing ``targets`` until ``ring_until``
    ANSWERED = "answered"
    ANNOUNCED = "announced"  # told closed or busy
    ENDED = "ended"


QUEUED = frozenset({CallState.WAITING, CallState.RINGING})
OVER = frozenset({CallState.ANSWERED, CallState.ANNOUNCED, CallState.ENDED})


@dataclass(frozen=True)
class CallRouting:
    """What routing knows of a call: kept in Redis, copied to the database at every change."""

    call_id: str
    language: str | None
    arrived: datetime
    state: CallState = CallState.NEW
    round: int = 0
    targets: tuple[int, ...] = ()  # agents offered the call in this round (ringing or released)
    ring_until: datetime | None = None
    last_seen: datetime | None = None
    answered_by: int | None = None
    caller: str = ""  # the caller's number, for the supervisors' view of the queue

    def ringing_at(self, now: datetime) -> bool:
        """Tell whether the call holds its agents at ``now`` (ringing and not timed out)."""
        return self.state is CallState.RINGING and self.ring_until is not None and self.ring_until > now

    @property
    def is_over(self) -> bool:
        return self.state in OVER

    def involved(self) -> set[int]:
        """Return the agents a change of the call may touch: those it rings or rang, and its answerer."""
        return set(self.targets) | ({self.answered_by} if self.answered_by is not None else set())


@dataclass(frozen=True)
class CallRecord:
    call_id: str
    from_number: str
    to_number: str
    direction: Direction
    started_at: datetime
    contact_id: int | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    agent_user_id: int | None = None
    outcome: str | None = None
    question_id: int | None = None
    question_number: str | None = None
    language: str | None = None
    announced: str | None = None  # closed or busy
    out_of_hours: bool = False
    test: bool = False
    hangup_cause: str | None = None
    state: CallState = CallState.NEW
    round: int = 0
    targets: tuple[int, ...] = ()
    ring_until: datetime | None = None
    last_seen: datetime | None = None

    @property
    def routing(self) -> CallRouting:
        """Return the routing state last copied to the database."""
        return CallRouting(self.call_id, self.language, self.started_at, self.state, self.round, self.targets,
                           self.ring_until, self.last_seen, self.agent_user_id, self.from_number)

    def with_routing(self, routing: CallRouting) -> CallRecord:
        """Return the record carrying a newer routing state (its answer and end stay the record's own)."""
        return replace(self, state=routing.state, round=routing.round, targets=routing.targets,
                       ring_until=routing.ring_until, last_seen=routing.last_seen,
                       language=self.language or routing.language)


@dataclass(frozen=True)
class Leg:
    call_id: str
    agent_id: int
    round: int
    rang_at: datetime
    outcome: LegOutcome = LegOutcome.RANG
    ended_at: datetime | None = None


def first_sight(event: CallEvent, at: datetime) -> CallRecord:
    """Return the record of a call first heard of by ``event`` (its numbers may come later)."""
    return CallRecord(event.call_id, event.from_number or UNKNOWN, event.to_number or UNKNOWN,
                      event.direction, at, test=event.test, last_seen=at)


def apply_event(record: CallRecord, event: CallEvent, agent_id: int | None, at: datetime) -> CallRecord:
    """Return the record once ``event`` (at ``at``, by agent ``agent_id``) is taken into account."""
    if event.kind is CallEventKind.NEW_CALL:
        return _new_call(record, event, at)
    if event.kind is CallEventKind.ANSWER:
        return answered(record, agent_id, at)
    if event.kind is CallEventKind.HANGUP and not ends_leg_only(record, agent_id):
        return ended(record, event.cause, at)
    return record


def ends_leg_only(record: CallRecord, agent_id: int | None) -> bool:
    """Tell whether a hangup naming ``agent_id`` ends only that agent's leg (they did not answer the call)."""
    return agent_id is not None and record.agent_user_id != agent_id and record.ended_at is None


def answered(record: CallRecord, agent_id: int | None, at: datetime) -> CallRecord:
    """Record the answer of ``agent_id`` (None: nobody we know); the first answer stays: one agent wins."""
    if record.answered_at is not None:
        return record
    when = max(at, record.started_at)
    if record.ended_at is not None:
        when = min(when, record.ended_at)
    return replace(record, answered_at=when, agent_user_id=agent_id, outcome=CallOutcome.ANSWERED.value)


def ended(record: CallRecord, cause: str | None, at: datetime) -> CallRecord:
    """Record the end of the call and its outcome (a repeated hangup changes nothing)."""
    if record.ended_at is not None:
        return record
    when = max(at, record.answered_at or record.started_at)
    outcome = final_outcome(record.answered_at is not None, record.announced)
    return replace(record, ended_at=when, hangup_cause=cause, outcome=outcome.value)


def announced(record: CallRecord, announcement: str, *, out_of_hours: bool = False) -> CallRecord:
    """Record what the caller was told instead of ringing (closed or busy)."""
    outcome = final_outcome(record.answered_at is not None, announcement)
    return replace(record, announced=announcement, out_of_hours=out_of_hours or record.out_of_hours,
                   outcome=outcome.value)


def _new_call(record: CallRecord, event: CallEvent, at: datetime) -> CallRecord:
    return replace(
        record,
        from_number=event.from_number if record.from_number == UNKNOWN and event.from_number else
        record.from_number,
        to_number=event.to_number if record.to_number == UNKNOWN and event.to_number else record.to_number,
        direction=event.direction,
        started_at=min(record.started_at, at),
        test=record.test or event.test,
    )
