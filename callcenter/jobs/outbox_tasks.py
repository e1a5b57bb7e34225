"""Outbox job task: deliver due mail; enqueued after each commit that queues mail, and every minute."""

from __future__ import annotations

from callcenter.jobs import runtime


def deliver_outbox() -> dict[str, int]:
    """Send every due outbox message; return how many were sent, will be retried, or are dead."""
    report = runtime.services().outbox.deliver_due()
    return {"sent": report.sent, "retrying": report.retrying, "dead": report.dead}
