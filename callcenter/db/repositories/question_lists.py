"""The question list repository (``uow.question_lists``): filtered pages of questions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from callcenter.db.queries import question_lists as q
from callcenter.db.repositories.questions import to_question
from callcenter.domain.questions import Question
from callcenter.services.question_lists import QuestionFilter


class QuestionListRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def matching(self, which: QuestionFilter, limit: int) -> list[Question]:
        return [to_question(row, row.topic_code) for row in q.questions_matching(self._session, which, limit)]
