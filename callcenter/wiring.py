"""Feature registry for the composition root: (name, builder(services)) in dependency order.

Each feature adds one line here; builders import lazily so that importing this module does no I/O.
"""

from __future__ import annotations

from typing import Any


def _calendar(s: Any) -> Any:
    from callcenter.calendar_files import build_calendar_service

    return build_calendar_service(s.settings, s.clock)


def _announcements(s: Any) -> Any:
    from callcenter.announcer_wiring import build_announcements

    return build_announcements(s)


def _health(s: Any) -> Any:
    from callcenter.health import build_health_service

    return build_health_service(s)


def _identity(s: Any) -> Any:
    from callcenter.passwords import Argon2PasswordHasher
    from callcenter.services.identity import IdentityService

    return IdentityService(s.uow, s.clock, Argon2PasswordHasher())


def _outbox(s: Any) -> Any:
    from callcenter.mail_smtp import SmtpMailSender
    from callcenter.services.outbox import OutboxService

    return OutboxService(s.uow, s.clock, SmtpMailSender.from_settings(s.settings), s.job_queue,
                         mail_from=s.settings.mail_from, max_attempts=s.settings.outbox_max_attempts)


def _agendas(s: Any) -> Any:
    from callcenter.agenda_ical import IcalCalendarReader
    from callcenter.domain.calendar import office_zone
    from callcenter.services.agendas import AgendaService, CalendarOfficeHours

    zone = office_zone(s.settings.timezone)
    hours = CalendarOfficeHours(lambda: s.calendar.calendar)
    return AgendaService(s.uow, s.clock, IcalCalendarReader(zone), zone=zone, office_hours=hours)


def _crm(name: str) -> Any:
    def build(s: Any) -> Any:
        from callcenter import crm_wiring

        return getattr(crm_wiring, f"build_{name}")(s)

    return build


def _api(name: str) -> Any:
    def build(s: Any) -> Any:
        from callcenter import api_wiring

        return getattr(api_wiring, f"build_{name}")(s)

    return build


def _public_status(s: Any) -> Any:
    from callcenter.rate_limit import build_rate_limiter
    from callcenter.services.public_status import LOOKUPS_PER_WINDOW, WINDOW_S, PublicStatusService

    limiter = build_rate_limiter(s.redis, s.clock, limit=LOOKUPS_PER_WINDOW, window_s=WINDOW_S,
                                 secret=s.settings.secret_key, prefix="rate:public-status")
    return PublicStatusService(s.uow, limiter)


def _sla(name: str) -> Any:
    def build(s: Any) -> Any:
        from callcenter import sla_wiring

        return getattr(sla_wiring, f"build_{name}")(s)

    return build


def _live(name: str) -> Any:
    def build(s: Any) -> Any:
        from callcenter import live_wiring

        return getattr(live_wiring, f"build_{name}")(s)

    return build


def _sip(name: str) -> Any:
    def build(s: Any) -> Any:
        from callcenter import sip_wiring

        return getattr(sip_wiring, f"build_{name}")(s)

    return build


def _routing(name: str) -> Any:
    def build(s: Any) -> Any:
        from callcenter import routing_wiring

        return getattr(routing_wiring, f"build_{name}")(s)

    return build


def _provider_calls(s: Any) -> Any:
    from callcenter.provider_wiring import build_provider_calls

    return build_provider_calls(s)


def _webhooks(name: str) -> Any:
    def build(s: Any) -> Any:
        from callcenter import webhook_wiring

        return getattr(webhook_wiring, f"build_{name}")(s)

    return build


FEATURES: list[tuple[str, Any]] = [
    ("calendar", _calendar),
    ("announcements", _announcements),
    ("health", _health),
    ("live", _live("live")),
    ("live_feed", _live("live_feed")),
    ("panels", _live("panels")),
    ("identity", _identity),
    ("outbox", _outbox),
    ("agendas", _agendas),
    ("webhook_jobs", _webhooks("jobs")),  # the webhook features come before the use cases that emit events
    ("webhook_events", _webhooks("events")),
    ("webhook_subscriptions", _webhooks("subscriptions")),
    ("webhook_delivery", _webhooks("delivery")),
    ("contacts", _crm("contacts")),
    ("topics", _crm("topics")),
    ("calls", _crm("calls")),
    ("questions", _crm("questions")),
    ("screen_pop", _crm("screen_pop")),
    ("sla", _sla("sla")),
    ("workflows", _sla("workflows")),
    ("agent_desk", _live("agent_desk")),
    ("supervision", _live("supervision")),
    ("question_desk", _api("question_desk")),
    ("question_lists", _api("question_lists")),
    ("contact_edits", _api("contact_edits")),
    ("public_status", _public_status),
    ("routing_store", _routing("routing_store")),
    ("agents", _routing("agents")),
    ("presence", _routing("presence")),
    ("call_stats", _routing("call_stats")),
    ("sip_accounts", _sip("sip_accounts")),
    ("phone_registrations", _sip("phone_registrations")),
    ("call_lifecycle", _routing("call_lifecycle")),
    ("provider_calls", _provider_calls),
]
