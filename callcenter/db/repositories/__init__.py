"""Repositories reachable on the unit of work as ``uow.<name>``: name -> class taking the session.

Each feature adds one line; ``SqlAlchemyUnitOfWork.__getattr__`` builds them from the open session.
"""

from __future__ import annotations

from typing import Any

from callcenter.db.repositories.agenda import AgendaRepository
from callcenter.db.repositories.api_tokens import ApiTokenRepository
from callcenter.db.repositories.crm import CRM_REPOSITORIES
from callcenter.db.repositories.outbox import OutboxRepository
from callcenter.db.repositories.provider_recordings import ProviderRecordingRepository
from callcenter.db.repositories.public_status import PublicStatusRepository
from callcenter.db.repositories.question_lists import QuestionListRepository
from callcenter.db.repositories.routing import ROUTING_REPOSITORIES
from callcenter.db.repositories.scheduling import ScheduledRunRepository
from callcenter.db.repositories.sip import SipAccountRepository
from callcenter.db.repositories.sla import SlaRepository
from callcenter.db.repositories.users import UserRepository
from callcenter.db.repositories.webhooks import WebhookRepository

REPOSITORIES: dict[str, Any] = {
    **CRM_REPOSITORIES,  # contacts, topics, questions, calls
    **ROUTING_REPOSITORIES,  # agents, presence, call_records, cti_requests
    "outbox": OutboxRepository,
    "scheduled_runs": ScheduledRunRepository,
    "agendas": AgendaRepository,
    "users": UserRepository,
    "api_tokens": ApiTokenRepository,
    "public_status": PublicStatusRepository,
    "question_lists": QuestionListRepository,
    "sla": SlaRepository,
    "sip_accounts": SipAccountRepository,
    "provider_recordings": ProviderRecordingRepository,
    "webhooks": WebhookRepository,
}
