"""Render use-case results as the API's JSON (schemas in callcenter.web.api_responses)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from callcenter.domain.contacts import Contact
from callcenter.domain.questions import Question
from callcenter.domain.topics import Topic
from callcenter.services.crm_views import contact_dict, event_dict, question_dict, topic_dict
from callcenter.services.delay_notices import DelayNoticeResult
from callcenter.services.question_desk import QuestionDetail
from callcenter.services.question_lists import QuestionPage
from callcenter.services.sla_views import delay_notice_result_dict

JsonDict = dict[str, Any]


def question_out(question: Question, now: datetime) -> JsonDict:
    """Render a question with its times in UTC (as stored), whether it was just made or read back."""
    in_utc = replace(question, received_at=question.received_at.astimezone(UTC),
                     due_at=question.due_at.astimezone(UTC), answered_at=_utc(question.answered_at),
                     closed_at=_utc(question.closed_at))
    return {**question_dict(in_utc), "overdue": question.is_open and now > question.due_at}


def question_detail_out(detail: QuestionDetail, now: datetime) -> JsonDict:
    return {**question_out(detail.question, now), "history": [event_dict(e) for e in detail.history]}


def question_page_out(page: QuestionPage, now: datetime) -> JsonDict:
    return {"items": [question_out(q, now) for q in page.items], "next_cursor": page.next_cursor}


def delay_notice_out(result: DelayNoticeResult, now: datetime) -> JsonDict:
    return {**delay_notice_result_dict(result), "question": question_out(result.question, now)}


def contact_out(contact: Contact) -> JsonDict:
    """Render a contact naming its organisation by id (the screen-pop inlines the organisation)."""
    rendered = contact_dict(contact)
    del rendered["organisation"]
    phones = rendered.pop("phones")
    return {**rendered, "organisation_id": contact.organisation_id, "phones": phones}


def topics_out(topics: list[Topic]) -> JsonDict:
    return {"items": [topic_dict(t) for t in topics]}


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)
