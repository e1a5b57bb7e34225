"""The question repository (``uow.questions``): questions and their append-only history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.db.models.crm import QuestionEventRow, QuestionRow
from callcenter.db.queries import questions as q
from callcenter.db.repositories.topics import to_topic
from callcenter.domain.questions import (
    OPEN_STATUSES,
    Channel,
    EventKind,
    Question,
    QuestionEvent,
    QuestionType,
    Status,
    Tier,
    Track,
)
from callcenter.domain.registration import RegistrationNumberTaken
from callcenter.services.crm_ports import TopicCount

_MUTABLE = ("topic_id", "subject", "status", "owner_user_id", "track", "due_at", "answered_by_tier",
            "answered_at", "closed_at", "faq_needed")


class QuestionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, question: Question) -> Question:
        row = QuestionRow(registration_number=question.registration_number, contact_id=question.contact_id,
                          type=question.type.value, channel=question.channel.value,
                          reply_channel=question.reply_channel.value, received_at=question.received_at,
                          **_mutable_values(question))
        try:
            with self._session.begin_nested():  # a collision must not undo the rest of the transaction
                self._session.add(row)
                self._session.flush()
        except IntegrityError as exc:
            if q.registration_number_exists(self._session, question.registration_number):
                raise RegistrationNumberTaken(f"{question.registration_number} is taken.") from exc
            raise
        return to_question(row, question.topic_code)

    def number_taken(self, registration_number: str) -> bool:
        return q.registration_number_exists(self._session, registration_number)

    def by_number(self, registration_number: str, *, for_update: bool = False) -> Question | None:
        found = q.question_by_number(self._session, registration_number, for_update=for_update)
        return None if found is None else to_question(*found)

    def save(self, question: Question) -> None:
        row = self._session.get(QuestionRow, question.id)
        assert row is not None, "save() is only called with a question read in this transaction"
        for name, value in _mutable_values(question).items():
            setattr(row, name, value)
        self._session.flush()

    def append_event(self, question_id: int, event: QuestionEvent) -> QuestionEvent:
        row = QuestionEventRow(question_id=question_id, kind=event.kind.value, at=event.at,
                               user_id=event.user_id, data=dict(event.data))
        self._session.add(row)
        self._session.flush()
        return to_event(row)

    def history(self, question_id: int) -> list[QuestionEvent]:
        return [to_event(row) for row in q.events_of_question(self._session, question_id)]

    def open_for_contacts(self, contact_ids: Sequence[int], limit: int) -> list[Question]:
        statuses = sorted(s.value for s in OPEN_STATUSES)
        rows = q.questions_of_contacts_in(self._session, contact_ids, statuses, limit)
        return [to_question(row, row.topic_code) for row in rows]

    def frequent_topics_without_faq(self, since: datetime, until: datetime,
                                    min_count: int) -> list[TopicCount]:
        found = q.frequent_topics_without_faq(self._session, since, until, min_count)
        return [TopicCount(to_topic(row), count, flags) for row, count, flags in found]


def _mutable_values(question: Question) -> dict[str, object]:
    values = {name: getattr(question, name) for name in _MUTABLE}
    for name in ("status", "track", "answered_by_tier"):
        values[name] = values[name].value if values[name] is not None else None
    return values


# Value -> member: a dict lookup is several times cheaper than calling the Enum, and the screen-pop
# converts every open question of a CPAS's officers on each lookup.
_TYPES = {member.value: member for member in QuestionType}
_CHANNELS = {member.value: member for member in Channel}
_STATUSES = {member.value: member for member in Status}
_TRACKS = {member.value: member for member in Track}
_TIERS = {member.value: member for member in Tier}


def to_question(row: QuestionRow | Row[Any], topic_code: str | None) -> Question:
    return Question(
        id=row.id, registration_number=row.registration_number, contact_id=row.contact_id,
        type=_TYPES[row.type], channel=_CHANNELS[row.channel], reply_channel=_CHANNELS[row.reply_channel],
        topic_id=row.topic_id, topic_code=topic_code, subject=row.subject, received_at=row.received_at,
        status=_STATUSES[row.status], owner_user_id=row.owner_user_id, track=_TRACKS[row.track],
        due_at=row.due_at, answered_by_tier=_TIERS[row.answered_by_tier] if row.answered_by_tier else None,
        answered_at=row.answered_at, closed_at=row.closed_at, faq_needed=row.faq_needed,
    )


def to_event(row: QuestionEventRow) -> QuestionEvent:
    return QuestionEvent(kind=EventKind(row.kind), at=row.at, user_id=row.user_id, data=dict(row.data),
                         id=row.id)
