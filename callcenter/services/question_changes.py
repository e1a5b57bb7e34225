"""The primitives every change of a question goes through: lock, check, save, append to its history.

Other use cases (transfer to the back office, delay notices, SLA reminders) build on these:
``transition``, ``set_due``, ``record_event``; each is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from callcenter.domain.errors import Conflict, InvalidInput, RuleViolation
from callcenter.domain.questions import (
    FREE_EVENT_KINDS,
    Actor,
    EventKind,
    NoSuchQuestion,
    Question,
    QuestionEvent,
    Status,
    Tier,
    Track,
    actor_user_id,
    check_transition,
    parse_choice,
)
from callcenter.domain.registration import parse_registration_number
from callcenter.domain.validation import aware_datetime, optional_text, required_text
from callcenter.services.crm_ports import CrmUnitOfWork, CrmUowFactory, WorkingCalendar, iso
from callcenter.services.ports import Clock
from callcenter.services.question_webhooks import question_changed
from callcenter.services.webhook_ports import NO_OUTBOUND_EVENTS, OutboundEvents

NOTE_MAX = 4000
DATA_MAX = 10_000  # characters of JSON an event may carry

Change = Callable[[Question, CrmUnitOfWork, datetime], tuple[Question, list[QuestionEvent]]]


class QuestionChanges:
    def __init__(self, uow: CrmUowFactory, clock: Clock, calendar: WorkingCalendar,
                 outbound: OutboundEvents = NO_OUTBOUND_EVENTS) -> None:
        self._uow = uow
        self._clock = clock
        self._calendar = calendar
        self._outbound = outbound  # tells subscribed systems of each change, in its transaction

    def transition(self, reg_no: str, to_status: str, by: Actor, note: str | None = None, *,
                   tier: str | None = None, data: Mapping[str, Any] | None = None) -> Question:
        """Move a question along the status machine; answering needs the tier (front or back office)."""
        to = parse_choice(Status, to_status, "status")
        user = actor_user_id(by)
        answered_by = _tier_for(to, tier)
        text = optional_text(note, "note", max_length=NOTE_MAX)
        extra = _event_data(data)

        def change(q: Question, uow: CrmUnitOfWork, now: datetime) -> tuple[Question, list[QuestionEvent]]:
            check_transition(q.status, to)
            updated = replace(q, status=to, answered_by_tier=answered_by or q.answered_by_tier,
                              answered_at=now if to is Status.ANSWERED else q.answered_at,
                              closed_at=now if to is Status.CLOSED else q.closed_at)
            payload = {**extra, "from": q.status.value, "to": to.value}
            if text:
                payload["note"] = text
            if answered_by:
                payload["tier"] = answered_by.value
            return updated, [QuestionEvent(EventKind.STATUS_CHANGED, now, user, payload)]

        return self._change(reg_no, change)[0]

    def mark_answered(self, reg_no: str, tier: str, by: Actor, note: str | None = None) -> Question:
        """Record that the question was answered, by the front or the back office."""
        return self.transition(reg_no, Status.ANSWERED, by, note, tier=tier)

    def close(self, reg_no: str, by: Actor, note: str | None = None) -> Question:
        """Close an answered question."""
        return self.transition(reg_no, Status.CLOSED, by, note)

    def switch_track(self, reg_no: str, track: str, by: Actor, reason: str | None = None) -> Question:
        """Move an open question to another SLA track; the due time counts from the original receipt."""
        new = parse_choice(Track, track, "track")
        user = actor_user_id(by)
        why = optional_text(reason, "reason", max_length=NOTE_MAX)

        def change(q: Question, uow: CrmUnitOfWork, now: datetime) -> tuple[Question, list[QuestionEvent]]:
            q.ensure_open()
            if q.track is new:
                raise Conflict(f"Question {q.registration_number} is already on the {new} track.",
                               {"track": "unchanged"})
            due = self._calendar.deadline(q.received_at, new.value).due
            payload = {"from": q.track.value, "to": new.value, "due_before": iso(q.due_at), "due": iso(due)}
            payload.update({"reason": why} if why else {})
            event = QuestionEvent(EventKind.TRACK_SWITCHED, now, user, payload)
            return replace(q, track=new, due_at=due), [event]

        return self._change(reg_no, change)[0]

    def set_due(self, reg_no: str, new_due: datetime, reason: str, by: Actor) -> Question:
        """Give an open question another due time (a delay notice told the citizen why)."""
        aware_datetime(new_due, "due")
        why = required_text(reason, "reason", max_length=NOTE_MAX)
        user = actor_user_id(by)

        def change(q: Question, uow: CrmUnitOfWork, now: datetime) -> tuple[Question, list[QuestionEvent]]:
            q.ensure_open()
            if new_due <= q.received_at:
                raise RuleViolation("A question cannot be due before it was received.",
                                    {"due": "before receipt"})
            payload = {"from": iso(q.due_at), "to": iso(new_due), "reason": why}
            return replace(q, due_at=new_due), [QuestionEvent(EventKind.DUE_CHANGED, now, user, payload)]

        return self._change(reg_no, change)[0]

    def record_event(self, reg_no: str, kind: str, by: Actor,
                     data: Mapping[str, Any] | None = None) -> QuestionEvent:
        """Append a note, reminder or notice to a question's history (changes have their own operation)."""
        event_kind = parse_choice(EventKind, kind, "kind")
        if event_kind not in FREE_EVENT_KINDS:
            free = ", ".join(sorted(FREE_EVENT_KINDS))
            raise RuleViolation(f"A {event_kind} event is written by the change itself; record only {free}.",
                                {"kind": f"one of {free}"})
        user = actor_user_id(by)
        payload = _event_data(data)

        def change(q: Question, uow: CrmUnitOfWork, now: datetime) -> tuple[Question, list[QuestionEvent]]:
            return q, [QuestionEvent(event_kind, now, user, payload)]

        return self._change(reg_no, change)[1][0]

    def add_note(self, reg_no: str, text: str, by: Actor) -> QuestionEvent:
        """Append an agent's note to the question's history."""
        body = required_text(text, "text", max_length=NOTE_MAX)
        return self.record_event(reg_no, EventKind.NOTE, by, {"text": body})

    def _change(self, reg_no: str, change: Change) -> tuple[Question, list[QuestionEvent]]:
        """Lock the question, apply ``change``, store it and its events in one transaction."""
        number = str(parse_registration_number(reg_no))
        with self._uow() as uow:
            current = uow.questions.by_number(number, for_update=True)
            if current is None:
                raise NoSuchQuestion(f"There is no question {number}.")
            updated, events = change(current, uow, self._clock.now())
            if updated != current:
                uow.questions.save(updated)
            stored = [uow.questions.append_event(updated.id, event) for event in events]
            self._outbound.emit(uow, question_changed(current, updated, stored))
            uow.commit()
        return updated, stored


def _tier_for(to: Status, tier: str | None) -> Tier | None:
    if to is not Status.ANSWERED:
        if tier is not None:
            raise InvalidInput("The tier is only given when answering.", {"tier": "only with answered"})
        return None
    if tier is None:
        raise InvalidInput("Say who answered: the front office or the back office.",
                           {"tier": "front or back"})
    return parse_choice(Tier, tier, "tier")


def _event_data(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return ``data`` as a plain JSON object, or raise InvalidInput."""
    if data is None:
        return {}
    if not isinstance(data, Mapping) or not all(isinstance(k, str) for k in data):
        raise InvalidInput("Event data must be an object with text keys.", {"data": "not an object"})
    try:
        text = json.dumps(dict(data))
    except (TypeError, ValueError):
        raise InvalidInput("Event data must be plain JSON (text, numbers, lists, objects).",
                           {"data": "not JSON"}) from None
    if len(text) > DATA_MAX:
        raise InvalidInput(f"Event data is longer than {DATA_MAX} characters.", {"data": "too long"})
    return dict(json.loads(text))
