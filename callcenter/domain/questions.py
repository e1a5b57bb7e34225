"""Questions (the tickets): channels, the reply-channel rule, the status machine and history event kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, TypeVar

from callcenter.domain.errors import Conflict, InvalidInput, NotFound


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    LETTER = "letter"
    FAX = "fax"


class Status(StrEnum):
    REGISTERED = "registered"
    IN_PROGRESS = "in_progress"
    TRANSFERRED = "transferred"
    DELAYED = "delayed"
    ANSWERED = "answered"
    CLOSED = "closed"


class Track(StrEnum):
    """SLA tracks; the working days of each come from the calendar settings (2 and 5 by default)."""

    STANDARD = "standard"
    COMPETENCE = "competence"


class Tier(StrEnum):
    FRONT = "front"
    BACK = "back"


class QuestionType(StrEnum):
    QUESTION = "question"
    COMPLAINT = "complaint"


class EventKind(StrEnum):
    REGISTERED = "registered"
    STATUS_CHANGED = "status_changed"
    SUBJECT_CHANGED = "subject_changed"
    OWNER_CHANGED = "owner_changed"
    TRACK_SWITCHED = "track_switched"
    DUE_CHANGED = "due_changed"
    CALL_LINKED = "call_linked"
    FAQ_FLAGGED = "faq_flagged"
    NOTE = "note"
    REMINDER = "reminder"
    NOTICE_SENT = "notice_sent"


# Kinds anyone may append as such; the others are written only by the operation that makes the change,
# so that the history never claims a change the question did not undergo.
FREE_EVENT_KINDS = frozenset({EventKind.NOTE, EventKind.REMINDER, EventKind.NOTICE_SENT})

OPEN_STATUSES = frozenset({Status.REGISTERED, Status.IN_PROGRESS, Status.TRANSFERRED, Status.DELAYED})

# registered → in_progress → (transferred) → answered → closed; "delayed" once a delay notice went out.
# A question can be answered on the spot (registered → answered); the back office may hand a
# transferred question back to the front office (transferred → in_progress); closed is final.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.REGISTERED: frozenset({Status.IN_PROGRESS, Status.TRANSFERRED, Status.DELAYED, Status.ANSWERED}),
    Status.IN_PROGRESS: frozenset({Status.TRANSFERRED, Status.DELAYED, Status.ANSWERED}),
    Status.TRANSFERRED: frozenset({Status.IN_PROGRESS, Status.DELAYED, Status.ANSWERED}),
    Status.DELAYED: frozenset({Status.IN_PROGRESS, Status.TRANSFERRED, Status.ANSWERED}),
    Status.ANSWERED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

SYSTEM: Literal["system"] = "system"
Actor = int | Literal["system"]


class NoSuchQuestion(NotFound):
    code = "no-such-question"


class InvalidTransition(Conflict):
    """The question's current status does not allow the requested one (HTTP 409)."""

    code = "invalid-transition"


class QuestionClosed(Conflict):
    code = "question-closed"


class QuestionNotOpen(Conflict):
    """Deadlines and tracks only matter while a question waits for its answer."""

    code = "question-not-open"


@dataclass(frozen=True)
class Question:
    id: int
    registration_number: str
    contact_id: int
    type: QuestionType
    channel: Channel
    reply_channel: Channel
    topic_id: int | None
    topic_code: str | None  # filled when read; the topic_id is what is stored
    subject: str
    received_at: datetime
    status: Status
    owner_user_id: int | None
    track: Track
    due_at: datetime
    answered_by_tier: Tier | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    faq_needed: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def ensure_open(self) -> None:
        """Raise QuestionNotOpen once the question is answered or closed."""
        if not self.is_open:
            raise QuestionNotOpen(f"Question {self.registration_number} is already {self.status}.")

    def ensure_not_closed(self) -> None:
        """Raise QuestionClosed once the question is closed."""
        if self.status is Status.CLOSED:
            raise QuestionClosed(f"Question {self.registration_number} is closed.")


@dataclass(frozen=True)
class QuestionEvent:
    kind: EventKind
    at: datetime
    user_id: int | None  # None: done by the system
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    @property
    def by(self) -> Actor:
        return SYSTEM if self.user_id is None else self.user_id


def reply_channel_for(arrival: Channel) -> Channel:
    """Answer by the channel of arrival, except letters and faxes, which are answered by e-mail."""
    return Channel.EMAIL if arrival in (Channel.LETTER, Channel.FAX) else arrival


def check_transition(current: Status, to: Status) -> None:
    """Raise InvalidTransition unless the status machine allows ``current`` → ``to``."""
    if to not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (it is closed)"
        raise InvalidTransition(f"A question that is {current} cannot become {to}; allowed next: {allowed}.",
                                {"status": "not allowed"})


def actor_user_id(by: Actor | None, *, field_name: str = "by") -> int | None:
    """Return the user id an event is stored with: None for the system."""
    if by is None or by == SYSTEM:
        return None
    if isinstance(by, bool) or not isinstance(by, int) or by <= 0:
        raise InvalidInput(f"{by!r} is neither a user id nor 'system'.", {field_name: "not a user id"})
    return by


E = TypeVar("E", bound=StrEnum)


def parse_choice(kind: type[E], value: object, field_name: str) -> E:
    """Read one value of an enumeration, or raise InvalidInput naming the field and the choices."""
    try:
        return kind(str(value))
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise InvalidInput(f"'{value}' is not one of {choices}.", {field_name: f"one of {choices}"}) from None


def working_days_left(today: date, due_day: date, is_working_day: Callable[[date], bool]) -> int:
    """Count working days after ``today`` up to ``due_day``; negative when ``due_day`` has passed."""
    low, high = sorted((today, due_day))
    count = sum(1 for n in range(1, (high - low).days + 1) if is_working_day(low + timedelta(days=n)))
    return count if due_day >= today else -count
