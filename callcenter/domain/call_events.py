"""What telephony tells us about a call (route requests, call events) and how a call and its legs end.

A *leg* is one agent's phone ringing for a call in one round: it ends answered, declined, without
answer, or stays "rang" when another agent won the round. A call ends answered, abandoned (the caller
hung up before anyone answered), busy (the maximum wait passed) or out_of_hours (closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from callcenter.domain.calls import Direction
from callcenter.domain.errors import InvalidInput
from callcenter.domain.phone import normalise_phone
from callcenter.domain.questions import parse_choice
from callcenter.domain.validation import Problems, optional_aware_datetime, optional_text, required_text

MAX_ROUND = 1000
ID_MAX = 100


class CallEventKind(StrEnum):
    NEW_CALL = "newCall"
    RINGING = "ringing"
    ANSWER = "answer"
    HANGUP = "hangup"


class CallOutcome(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    BUSY = "busy"
    OUT_OF_HOURS = "out_of_hours"


class LegOutcome(StrEnum):
    RANG = "rang"
    ANSWERED = "answered"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"


# Hang-up causes of a single leg that mean the agent refused the call (SIP 486/603, Zammad "busy").
DECLINING_CAUSES = frozenset({"declined", "rejected", "busy", "decline"})


@dataclass(frozen=True)
class RouteRequest:
    """``POST /cti/v1/route``: where should this call ring now (round 1, 2, … of the same call)?"""

    call_id: str
    request_id: str
    from_number: str
    to_number: str
    round: int = 1
    test: bool = False
    max_targets: int = 0  # the telephony rings at most this many agents at once (Twilio: 10); 0: no limit


@dataclass(frozen=True)
class CallEvent:
    """``POST /cti/v1/events``: something happened to a call; ``at`` defaults to when we hear of it.

    ``agent`` names an agent by username, SIP address or user id. A hangup that names an agent who did
    not answer the call ends only that agent's leg (declined or not answered); any other hangup ends
    the call.
    """

    event_id: str
    kind: CallEventKind
    call_id: str
    from_number: str | None = None
    to_number: str | None = None
    agent: str | None = None
    cause: str | None = None
    at: datetime | None = None
    direction: Direction = Direction.INBOUND
    test: bool = False


def clean_route_request(req: RouteRequest) -> RouteRequest:
    """Check a route request; numbers become E.164 when they are numbers ('anonymous' stays)."""
    problems = Problems()
    call_id = problems.check(required_text, req.call_id, "call_id", max_length=ID_MAX)
    request_id = problems.check(required_text, req.request_id, "request_id", max_length=ID_MAX)
    from_number = problems.check(clean_number, req.from_number, "from")
    to_number = problems.check(clean_number, req.to_number, "to")
    round_ = problems.check(_round, req.round)
    problems.raise_if_any("route request")
    assert call_id and request_id and from_number and to_number and round_
    return RouteRequest(call_id, request_id, from_number, to_number, round_, bool(req.test),
                        max(0, int(req.max_targets)))


def clean_event(event: CallEvent) -> CallEvent:
    """Check a call event; a newCall needs its numbers, the others may come before it without them."""
    problems = Problems()
    event_id = problems.check(required_text, event.event_id, "event_id", max_length=ID_MAX)
    kind = problems.check(parse_choice, CallEventKind, event.kind, "event")
    call_id = problems.check(required_text, event.call_id, "call_id", max_length=ID_MAX)
    numbers = [problems.check(_optional_number, value, name)
               for value, name in ((event.from_number, "from"), (event.to_number, "to"))]
    agent = problems.check(optional_text, event.agent, "agent", max_length=200)
    cause = problems.check(optional_text, event.cause, "cause", max_length=40)
    problems.check(optional_aware_datetime, event.at, "at")
    direction = problems.check(parse_choice, Direction, event.direction, "direction")
    if kind is CallEventKind.NEW_CALL and not all(numbers):
        problems.fields.setdefault("from" if not numbers[0] else "to", "required")
    if kind is CallEventKind.RINGING and not agent:
        problems.add("agent", "required")
    problems.raise_if_any("call event")
    assert event_id and kind and call_id and direction
    return CallEvent(event_id, kind, call_id, numbers[0], numbers[1], agent, cause, event.at, direction,
                     bool(event.test))


def clean_number(raw: object, field: str) -> str:
    """Return the E.164 form, or the text as given for what is no number (anonymous, an extension)."""
    text = required_text(raw, field, max_length=32)
    try:
        return normalise_phone(text, field=field)
    except InvalidInput:
        return text


def leg_end_outcome(cause: str | None) -> LegOutcome:
    """Say how a leg that ended without being answered ended, from the hang-up cause."""
    return LegOutcome.DECLINED if (cause or "").strip().lower() in DECLINING_CAUSES else LegOutcome.NO_ANSWER


def final_outcome(answered: bool, announced: str | None) -> CallOutcome:
    """Say how a call ended: answered wins; else what was announced; else the caller gave up."""
    if answered:
        return CallOutcome.ANSWERED
    if announced == "closed":
        return CallOutcome.OUT_OF_HOURS
    if announced == "busy":
        return CallOutcome.BUSY
    return CallOutcome.ABANDONED


def _optional_number(raw: object, field: str) -> str | None:
    return None if raw is None or raw == "" else clean_number(raw, field)


def _round(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ROUND:
        raise InvalidInput(f"The round is a whole number from 1 to {MAX_ROUND}.", {"round": "1, 2, …"})
    return value
