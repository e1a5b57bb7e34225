"""Periodic jobs: what the scheduler enqueues, and how often. A new periodic job is one line here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # stable: it names the slots in scheduled_runs and the job ids
    func_path: str  # an importable function without arguments
    every: timedelta

    def slot_start(self, now: datetime) -> datetime:
        """Return the start of the slot ``now`` falls in (slots are aligned on the Unix epoch, UTC)."""
        elapsed = now - EPOCH
        return EPOCH + (elapsed // self.every) * self.every

    def job_id(self, slot_start: datetime) -> str:
        return f"periodic-{self.name}-{slot_start.strftime('%Y%m%dT%H%M%SZ')}"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("prune_scheduled_runs", "callcenter.jobs.tasks.prune_scheduled_runs", timedelta(days=1)),
    PeriodicJob("deliver_outbox", "callcenter.jobs.outbox_tasks.deliver_outbox", timedelta(minutes=1)),
    PeriodicJob("prune_cti_requests", "callcenter.jobs.presence_tasks.prune_cti_requests",
                timedelta(hours=6)),
    PeriodicJob("sla_sweep", "callcenter.jobs.sla_tasks.sweep_sla", timedelta(minutes=5)),
    PeriodicJob("refresh_agenda_feeds", "callcenter.jobs.agenda_tasks.refresh_agenda_feeds",
                timedelta(minutes=30)),
    PeriodicJob("close_abandoned_panels", "callcenter.jobs.panel_tasks.close_abandoned_panels",
                timedelta(seconds=30)),
    PeriodicJob("sweep_webhooks", "callcenter.jobs.webhook_tasks.sweep_webhooks", timedelta(minutes=1)),
)
