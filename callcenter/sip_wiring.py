"""Composition of SIP accounts and phone registrations for callcenter.wiring (the SIP edge's data side)."""

from __future__ import annotations

from typing import Any

from callcenter.services.phone_registrations import PhoneRegistrations
from callcenter.services.sip_accounts import SipAccounts

REDIS_TIMEOUT_S = 1.0  # routing reads registrations for every call: a hung Redis falls back to the database


def build_sip_accounts(s: Any) -> SipAccounts:
    from callcenter.sip.kamailio_config import sip_domain

    # The realm is read when a password is set, so that settings unfit for the SIP edge (a wildcard
    # sip_host without sip_domain) only fail the commands that need it.
    return SipAccounts(s.uow, s.clock, lambda: sip_domain(s.settings))


def build_phone_registrations(s: Any) -> PhoneRegistrations:
    cache = None
    if s.redis is not None:
        from callcenter.live.phone_registrations import RedisRegistrationCache
        from callcenter.redis_connection import with_timeouts

        cache = RedisRegistrationCache(with_timeouts(s.redis, REDIS_TIMEOUT_S))
    return PhoneRegistrations(s.uow, s.clock, cache, live=s.extras.get("live"),
                              agent_ids=lambda user: _agent_id(s, user))


def registered_phones(s: Any) -> PhoneRegistrations | None:
    """Return what routing asks who is registered, when the SIP edge tracks registrations (sip_enabled)."""
    return s.phone_registrations if s.settings.sip_enabled else None


def _agent_id(s: Any, sip_user: str) -> int | None:
    profile = s.agents.resolve(sip_user)
    return None if profile is None else int(profile.user_id)
