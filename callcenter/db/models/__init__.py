"""All tables, split by aggregate; importing this package registers them on Base.metadata."""

from callcenter.db.base import Base
from callcenter.db.models import agenda  # noqa: F401  (registers competences, agenda entries, feeds)
from callcenter.db.models import crm  # noqa: F401  (registers the CRM tables)
from callcenter.db.models import identity  # noqa: F401  (registers users, user_roles, api_tokens)
from callcenter.db.models import outbox  # noqa: F401  (registers outbox_messages)
from callcenter.db.models import provider  # noqa: F401  (registers provider_recordings)
from callcenter.db.models import routing  # noqa: F401  (registers agents, presence, call legs, CTI dedup)
from callcenter.db.models import sip  # noqa: F401  (registers sip_credentials, sip_registrations)
from callcenter.db.models import sla  # noqa: F401  (registers reminder breaches, delay notices, callbacks)
from callcenter.db.models import webhooks  # noqa: F401  (registers webhook subscriptions, events, deliveries)
from callcenter.db.models.scheduling import ScheduledRun

__all__ = ["Base", "ScheduledRun"]
