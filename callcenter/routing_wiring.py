"""Composition of presence, routing and the call lifecycle for callcenter.wiring.

The routing state is Redis (a client of its own with short timeouts: a hung Redis must fall back to
the database within a second, not hold a call) with the database as fallback. The live publisher is
the "live" feature when one is registered, else NullLivePublisher (no live panels configured).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from callcenter import crm_wiring
from callcenter.db.uow import autocommit_uow
from callcenter.domain.calendar import office_zone
from callcenter.domain.call_events import clean_number
from callcenter.domain.presence import parse_pause_reasons
from callcenter.domain.routing import RoutingPolicy, check_language, parse_service_numbers
from callcenter.services.agents import AgentService
from callcenter.services.call_event_handler import CallEventHandler
from callcenter.services.call_lifecycle import CallLifecycle
from callcenter.services.call_router import CallRouter
from callcenter.services.call_stats import CallStats
from callcenter.services.caller_pops import CallerPops
from callcenter.services.db_routing_store import DatabaseRoutingStore
from callcenter.services.live_null import NullLivePublisher
from callcenter.services.missed_calls import MissedCalls
from callcenter.services.presence import PresenceService
from callcenter.services.routing_events import RoutingEvents
from callcenter.services.routing_failover import FailoverRoutingStore
from callcenter.services.routing_ports import RoutingSettings
from callcenter.settings import Settings
from callcenter.sip_wiring import registered_phones
from callcenter.webhook_wiring import outbound_events

REDIS_TIMEOUT_S = 1.0
_NULL_LIVE = NullLivePublisher()


def routing_policy(settings: Settings) -> RoutingPolicy:
    return RoutingPolicy(round_timeout_s=settings.ring_timeout_s, max_wait_s=settings.max_wait_s,
                         retry_after_s=settings.route_retry_s, longest_idle_first=settings.longest_idle_first,
                         max_targets=settings.ring_max_targets,
                         stale_after_s=max(60, settings.ring_timeout_s * 3, settings.route_retry_s * 10))


def routing_settings(settings: Settings) -> RoutingSettings:
    return RoutingSettings(parse_service_numbers(settings.service_numbers),
                           check_language(settings.default_language, "default_language"), settings.wrap_up_s,
                           settings.write_address, parse_pause_reasons(settings.pause_reasons),
                           probe_number=clean_number(settings.sip_probe_number, "sip_probe_number")
                           if settings.sip_probe_number.strip() else "")


def build_routing_store(s: Any) -> FailoverRoutingStore:
    primary = None
    if s.redis is not None:
        from callcenter.live.routing_state import RedisRoutingStore
        from callcenter.redis_connection import with_timeouts

        primary = RedisRoutingStore(with_timeouts(s.redis, REDIS_TIMEOUT_S))
    return FailoverRoutingStore(primary, DatabaseRoutingStore(s.uow), s.clock)


def build_agents(s: Any) -> AgentService:
    return AgentService(s.uow, s.clock, background=_in_a_thread)


def _in_a_thread(work: Callable[[], None]) -> None:
    """Run ``work`` on a daemon thread of its own (built after fork, like everything here)."""
    threading.Thread(target=work, name="agent-profiles-reload", daemon=True).start()


def build_presence(s: Any) -> PresenceService:
    return PresenceService(s.routing_store, s.uow, s.clock, s.agents, _events(s), s.job_queue,
                           parse_pause_reasons(s.settings.pause_reasons))


def build_call_stats(s: Any) -> CallStats:
    return CallStats(s.uow, s.clock, office_zone(s.settings.timezone))


def build_call_lifecycle(s: Any) -> CallLifecycle:
    policy, config = routing_policy(s.settings), routing_settings(s.settings)
    callbacks = MissedCalls(s.uow, lambda uow: crm_wiring.build_questions(dataclasses.replace(s, uow=uow)),
                            lambda uow: crm_wiring.build_contacts(dataclasses.replace(s, uow=uow)))
    router = CallRouter(s.routing_store, s.agents, CallerPops(s.screen_pop), s.calendar, callbacks, policy,
                        config, phones=registered_phones(s))
    handler = CallEventHandler(s.routing_store, s.agents, router, policy, config.wrap_up_s)
    return CallLifecycle(s.uow, s.clock, s.routing_store, router, handler, s.presence, _events(s),
                         s.call_stats, policy, outbound=outbound_events(s),
                         supervisor_refresh_s=s.settings.supervisor_refresh_ms / 1000,
                         autocommit_uow=autocommit_uow(s.engine))


def _events(s: Any) -> RoutingEvents:
    return RoutingEvents(lambda: s.extras.get("live") or _NULL_LIVE)

