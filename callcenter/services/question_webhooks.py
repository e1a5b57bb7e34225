"""The webhook events of a question: question.created, question.updated, question.closed.

One event per change, carrying the question as it now is and the history lines the change wrote
(webhooks/schemas/event_question_*.json); closing is question.closed, every other change
question.updated.
"""

from __future__ import annotations

from collections.abc import Sequence

from callcenter.domain.questions import Question, QuestionEvent, Status
from callcenter.domain.webhooks import QUESTION_CLOSED, QUESTION_CREATED, QUESTION_UPDATED, OutboundEvent
from callcenter.services.crm_views import event_dict, question_dict


def question_created(question: Question, registered: QuestionEvent) -> list[OutboundEvent]:
    return [OutboundEvent(QUESTION_CREATED, _data(question, [registered]))]


def question_changed(before: Question, after: Question,
                     changes: Sequence[QuestionEvent]) -> list[OutboundEvent]:
    """Return the event of a change (none when the change wrote nothing)."""
    if not changes:
        return []
    closed = after.status is Status.CLOSED and before.status is not Status.CLOSED
    return [OutboundEvent(QUESTION_CLOSED if closed else QUESTION_UPDATED, _data(after, changes))]


def _data(question: Question, changes: Sequence[QuestionEvent]) -> dict[str, object]:
    return {"question": question_dict(question), "changes": [event_dict(e) for e in changes]}
