"""The topic repository (``uow.topics``): the editable list of subjects."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.db.models.crm import TopicRow
from callcenter.db.queries import topics as q
from callcenter.domain.errors import Conflict
from callcenter.domain.topics import LANGUAGES, Topic


class TopicRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, code: str, names: dict[str, str], active: bool, faq_reference: str | None) -> Topic:
        row = TopicRow(code=code, active=active, faq_reference=faq_reference,
                       **{f"name_{lang}": names[lang] for lang in LANGUAGES})
        try:
            with self._session.begin_nested():
                self._session.add(row)
                self._session.flush()
        except IntegrityError as exc:  # another agent created the same code since the service looked
            raise Conflict(f"The topic {code!r} already exists.", {"code": "taken"}) from exc
        return to_topic(row)

    def by_code(self, code: str) -> Topic | None:
        row = q.topic_by_code(self._session, code)
        return None if row is None else to_topic(row)

    def save(self, topic: Topic) -> None:
        row = self._session.get(TopicRow, topic.id)
        assert row is not None, "save() is only called with a topic read in this transaction"
        for lang in LANGUAGES:
            setattr(row, f"name_{lang}", topic.names[lang])
        row.active, row.faq_reference = topic.active, topic.faq_reference

    def all(self, *, active_only: bool) -> list[Topic]:
        return [to_topic(row) for row in q.topics_by_code(self._session, active_only=active_only)]


def to_topic(row: TopicRow) -> Topic:
    return Topic(id=row.id, code=row.code, names={lang: getattr(row, f"name_{lang}") for lang in LANGUAGES},
                 active=row.active, faq_reference=row.faq_reference)
