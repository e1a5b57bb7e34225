"""Agenda job task: re-read the experts' iCalendar feeds so availability follows their calendars."""

from __future__ import annotations

from callcenter.jobs import runtime


def refresh_agenda_feeds() -> dict[str, int]:
    """Re-import every followed feed; return how many were refreshed and how many failed."""
    results = runtime.services().agendas.refresh_feeds()
    failed = sum(1 for r in results if r.error is not None)
    return {"refreshed": len(results) - failed, "failed": failed}
