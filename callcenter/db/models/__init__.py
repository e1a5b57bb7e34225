"""All tables, split by aggregate; importing this package registers them on Base.metadata."""

from callcenter.db.base import Base
from callcenter.db.models import (
    agenda,  # noqa: F401  (registers competences, agenda entries, feeds)
    crm,  # noqa: F401  (registers the CRM tables)
    identity,  # noqa: F401  (registers users, user_roles, api_tokens)
    outbox,  # noqa: F401  (registers outbox_messages)
    provider,  # noqa: F401  (registers provider_recordings)
    routing,  # noqa: F401  (registers agents, presence, call legs, CTI dedup)
    sip,  # noqa: F401  (registers sip_credentials, sip_registrations)
    sla,  # noqa: F401  (registers reminder breaches, delay notices, callbacks)
    webhooks,  # noqa: F401  (registers webhook subscriptions, events, deliveries)
)
from callcenter.db.models.scheduling import ScheduledRun

__all__ = ["Base", "ScheduledRun"]
