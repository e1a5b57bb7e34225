"""The CRM's repositories by unit-of-work name, merged into REPOSITORIES by one line."""

from __future__ import annotations

from typing import Any

from callcenter.db.repositories.calls import CallRepository
from callcenter.db.repositories.contacts import ContactRepository
from callcenter.db.repositories.questions import QuestionRepository
from callcenter.db.repositories.topics import TopicRepository

CRM_REPOSITORIES: dict[str, Any] = {
    "contacts": ContactRepository,
    "topics": TopicRepository,
    "questions": QuestionRepository,
    "calls": CallRepository,
}
