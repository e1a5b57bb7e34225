"""Calls as the CRM sees them: who called whom, when, who took it, and which question it was about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from callcenter.domain.errors import NotFound


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True)
class Call:
    id: int
    call_id: str  # the telephony system's id
    contact_id: int | None
    from_number: str
    to_number: str
    direction: Direction
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    agent_user_id: int | None
    outcome: str | None
    question_id: int | None
    question_registration_number: str | None = None  # filled when read

    @property
    def other_party(self) -> str:
        """Return the outside number: the caller of an inbound call, the callee of an outbound one."""
        return self.from_number if self.direction is Direction.INBOUND else self.to_number


class NoSuchCall(NotFound):
    code = "no-such-call"
