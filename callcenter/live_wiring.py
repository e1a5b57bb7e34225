"""Composition of the live panels for callcenter.wiring: publisher, SSE feed, panel watch, desk, supervision.

Kept outside callcenter/live and callcenter/web because it joins adapters and services that may not
import each other (web reaches the feed and the panel watch only through the Services container).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

from callcenter import crm_wiring, sip_wiring
from callcenter.live.panels import RedisPanelRegistry
from callcenter.live.streams import RedisLiveFeed, RedisStreamPublisher
from callcenter.services.agent_desk import AgentDesk
from callcenter.services.panels import PanelWatch
from callcenter.services.supervision import SupervisionBoard

# Publishing happens while a call is being routed: a hung Redis must cost it a second at most.
PUBLISH_TIMEOUT_S = 1.0


def build_live(s: Any) -> RedisStreamPublisher:
    from callcenter.redis_connection import with_timeouts

    client = with_timeouts(s.redis, PUBLISH_TIMEOUT_S) if s.redis is not None else None
    return RedisStreamPublisher(client, maxlen=s.settings.live_stream_maxlen)


def build_live_feed(s: Any) -> RedisLiveFeed:
    settings = s.settings
    return RedisLiveFeed(s.redis, longest_wait_s=max(settings.live_heartbeat_s, 1.0))


def build_panels(s: Any) -> PanelWatch:
    return PanelWatch(RedisPanelRegistry(s.redis), lambda: s.presence, s.clock,
                      timedelta(seconds=s.settings.panel_grace_s))


def build_agent_desk(s: Any) -> AgentDesk:
    # The question and contact use cases wired as the shared ones, on the unit of work the desk joins.
    return AgentDesk(s.uow, lambda uow: crm_wiring.build_questions(dataclasses.replace(s, uow=uow)),
                     lambda uow: crm_wiring.build_contacts(dataclasses.replace(s, uow=uow)),
                     CalendarClosing(s.calendar), lambda: s.workflows)


def build_supervision(s: Any) -> SupervisionBoard:
    return SupervisionBoard(lambda: s.presence, lambda: s.call_lifecycle, lambda: s.call_stats, s.clock,
                            phones=lambda: _registered_phones(s))


def _registered_phones(s: Any) -> frozenset[str] | None:
    phones = sip_wiring.registered_phones(s)
    return None if phones is None else phones.registered_users()


class CalendarClosing:
    """The office calendar seen as the agent desk's OfficeClosing port (closures reload underneath)."""

    def __init__(self, calendar_service: Any) -> None:
        self._service = calendar_service

    def closing_on(self, day: date) -> datetime | None:
        calendar = self._service.calendar
        if not calendar.is_working_day(day):
            return None
        return datetime.combine(day, calendar.hours.closing(day.weekday()), calendar.tz)
