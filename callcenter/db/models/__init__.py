"""All tables, split by aggregate; importing this package registers them on Base.metadata."""

from callcenter.db.base import Base
from callcenter.db.models.scheduling import ScheduledRun

__all__ = ["Base", "ScheduledRun"]
