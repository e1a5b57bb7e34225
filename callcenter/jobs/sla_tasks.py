"""Service-commitment job tasks: the reminder of one breach at its due time, and the periodic sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from callcenter.jobs import runtime


def send_overdue_reminder(registration_number: str, due_iso: str) -> str:
    """Remind the owner and coordinators of a question still unanswered at ``due_iso``; return the outcome."""
    result = runtime.services().sla.remind(registration_number, datetime.fromisoformat(due_iso))
    return str(result.outcome)


def sweep_sla() -> dict[str, Any]:
    """Recompute due times if the closures changed, remind missed breaches, schedule upcoming reminders."""
    report = runtime.services().sla.sweep()
    return {"reminded": sum(1 for r in report.reminders if r.outcome == "reminded"),
            "looked_at": len(report.reminders), "scheduled": report.scheduled,
            "due_times_changed": len(report.recompute.changed)}
