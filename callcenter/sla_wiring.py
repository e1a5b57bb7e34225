"""Composition of the service-commitment features (reminders and the sweep, transfers and delay notices).

They join features that must not import each other: the calendar (due times), the outbox (mail), the
agendas (available experts) and, through the shared unit of work, users and questions.
"""

from __future__ import annotations

from typing import Any

from callcenter.crm_wiring import OfficeWorkingCalendar
from callcenter.domain.calendar import office_zone
from callcenter.services.sla import SlaService
from callcenter.services.workflows import WorkflowService
from callcenter.webhook_wiring import outbound_events


def build_sla(s: Any) -> SlaService:
    return SlaService(s.uow, s.clock, s.calendar, s.outbox, s.job_queue, office_zone(s.settings.timezone),
                      outbound=outbound_events(s))


def build_workflows(s: Any) -> WorkflowService:
    return WorkflowService(s.uow, s.clock, OfficeWorkingCalendar(s.calendar), s.agendas, s.outbox, s.sla,
                           office_zone(s.settings.timezone), outbound_events(s))
