"""Service-commitment rules: breaches of a due time, delay notices and their route, transfers, callbacks.

A breach is a (question, due time) pair: an open question whose current due time has passed. A delay
notice replaces the due time, so the next breach is a new pair; each pair is reminded exactly once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from callcenter.domain.calendar import OfficeCalendar
from callcenter.domain.errors import Conflict, NotFound, RuleViolation
from callcenter.domain.identity import Role, User
from callcenter.domain.questions import Channel, Question

REMINDER_TASK = "callcenter.jobs.sla_tasks.send_overdue_reminder"
CLOSURES_MARKER = "deadline_rules"  # names the fingerprint of the calendar the due times were computed on


class NoticeRoute(StrEnum):
    """How a citizen hears of a delay: a mail now, or a call-back by the question's owner."""

    EMAIL = "email"
    CALLBACK = "callback"


class ReminderOutcome(StrEnum):
    REMINDED = "reminded"
    ALREADY_REMINDED = "already_reminded"
    NOT_DUE_YET = "not_due_yet"
    DUE_CHANGED = "due_changed"  # a delay notice or a recomputation moved the due time since
    NOT_OPEN = "not_open"  # answered or closed in time after all
    NO_SUCH_QUESTION = "no_such_question"
    FAILED = "failed"  # an unexpected error, logged; the next sweep tries again


class NotAnExpert(RuleViolation):
    code = "not-an-expert"


class NotCompetent(RuleViolation):
    code = "not-competent"


class NoWayToNotify(RuleViolation):
    code = "no-way-to-notify"


class NoSuchCallbackTask(NotFound):
    code = "no-such-callback-task"


class CallbackTaskDone(Conflict):
    code = "callback-task-done"


@dataclass(frozen=True)
class DueRef:
    """An open question's registration number and current due time."""

    registration_number: str
    due_at: datetime


@dataclass(frozen=True)
class DelayNotice:
    """A late answer announced to the citizen: why, the new due time, and how the citizen is told."""

    id: int
    question_id: int
    due_at: datetime
    previous_due_at: datetime
    reason: str
    route: NoticeRoute
    user_id: int | None
    created_at: datetime
    outbox_message_id: int | None = None
    callback_task_id: int | None = None


@dataclass(frozen=True)
class CallbackTask:
    """A call the owner must make: tell a citizen who expects an answer by phone of a delay."""

    id: int
    question_id: int
    registration_number: str
    assignee_user_id: int
    purpose: str
    due_at: datetime
    created_at: datetime
    created_by: int | None
    done_at: datetime | None = None
    done_by: int | None = None
    note: str | None = None

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


def reminder_job_id(registration_number: str, due: datetime) -> str:
    """Name the reminder job of one breach, so that scheduling it again changes nothing."""
    return f"sla-reminder-{registration_number}-{due.astimezone(UTC).strftime('%Y%m%dT%H%M%S%fZ')}"


def notice_route(question: Question, has_email: bool, has_phone: bool) -> NoticeRoute:
    """Choose how to tell of a delay: by the reply channel (web forms are answered by mail if possible)."""
    reply = question.reply_channel
    if reply is Channel.EMAIL or (reply is Channel.WEB and has_email):
        if not has_email:
            raise NoWayToNotify("The answer goes by e-mail but the contact has no e-mail address.",
                                {"contact": "no e-mail address"})
        return NoticeRoute.EMAIL
    if not has_phone:
        raise NoWayToNotify("The answer goes by phone but the contact has no number.",
                            {"contact": "no number"})
    return NoticeRoute.CALLBACK


def check_expected_due(question: Question, new_due: datetime, now: datetime) -> None:
    """Refuse a delay notice whose new date is already past or no later than the current due time."""
    if new_due <= now:
        raise RuleViolation("The new expected date must be in the future.", {"due": "not in the future"})
    if new_due <= question.due_at:
        raise RuleViolation("A delay notice announces a later date than the current due time.",
                            {"due": "not after the current due time"})


def callback_due(previous_due: datetime, now: datetime) -> datetime:
    """Return when the call-back is due: before the citizen expected the answer, or now if that passed."""
    return max(previous_due, now)


def check_transfer_target(expert: User | None, expert_user_id: int, competences: Iterable[str],
                          topic_code: str | None, *, force: bool) -> bool:
    """Refuse a transfer to a non-expert; refuse a non-competent one unless forced. Return competence."""
    if expert is None or not expert.active or Role.EXPERT not in expert.roles:
        raise NotAnExpert(f"User {expert_user_id} is not an active back-office expert.",
                          {"expert_user_id": "not an active expert"})
    competent = topic_code is not None and topic_code in set(competences)
    if competent or force:
        return competent
    if topic_code is None:
        raise NotCompetent("File the question under a topic before transferring it (or force the transfer).",
                           {"topic": "required to transfer"})
    raise NotCompetent(f"{expert.display_name} is not competent for the topic {topic_code!r}.",
                       {"expert_user_id": "not competent for the topic"})


def reminder_recipients(owner: User | None, users: Iterable[User]) -> list[User]:
    """Return the active owner and the active coordinators, each once, owner first."""
    chosen = [owner] if owner is not None and owner.active else []
    coordinators = sorted((u for u in users if u.active and Role.COORDINATOR in u.roles), key=lambda u: u.id)
    chosen += [u for u in coordinators if owner is None or u.id != owner.id]
    return chosen


def deadline_rules_fingerprint(calendar: OfficeCalendar) -> str:
    """Return a digest of everything due times depend on: closures, holiday options, tracks, hours."""
    rules = {
        "closures": sorted(c.date.isoformat() for c in calendar.extra_closures),
        "federal_staff_holidays": calendar.federal_staff_holidays,
        "year_end_closure": calendar.year_end_closure,
        "tracks": sorted((t.name, t.working_days, t.counts_saturdays) for t in calendar.tracks.values()),
        "hours": [[[start.isoformat(), end.isoformat()] for start, end in day]
                  for day in calendar.hours.by_weekday],
        "tz": str(calendar.tz),
    }
    return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()
