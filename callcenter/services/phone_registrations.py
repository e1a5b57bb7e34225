"""Phone registrations (services.phone_registrations): what the SIP edge reports; routing and panels read it.

Kamailio reports each REGISTER (the user's phones and their expiry) and each expiry. The database
holds the last report per SIP user; a cache (Redis) answers routing's "who is registered now?" for
every call, the database when the cache is down. A registration counts until its expiry, whether or
not the expiry report arrives.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from callcenter.domain.sip_accounts import PhoneRegistration, RegistrationReport, apply_report
from callcenter.services.live_ports import LivePublisher
from callcenter.services.ports import Clock
from callcenter.services.sip_ports import RegistrationCache, RegistrationCacheUnavailable, SipUowFactory

log = logging.getLogger(__name__)


class PhoneRegistrations:
    def __init__(self, uow: SipUowFactory, clock: Clock, cache: RegistrationCache | None,
                 live: LivePublisher | None = None, agent_ids: Any = None) -> None:
        self._uow = uow
        self._clock = clock
        self._cache = cache
        self._live = live
        self._agent_ids = agent_ids  # (sip user) -> agent id or None: whose panel hears of it

    def report(self, report: RegistrationReport) -> dict[str, Any]:
        """Take a report of the SIP edge into account (an older one than what we know changes nothing)."""
        now = self._clock.now()
        with self._uow() as uow:
            current = uow.sip_accounts.registration(report.sip_user, for_update=True)
            updated = apply_report(current, report)
            if updated is not None:
                uow.sip_accounts.save_registration(updated, now)
                uow.commit()
        shown = updated or current
        until = shown.registered_until(now) if shown is not None else None
        if updated is not None:
            self._share(report.sip_user, until)
        return {"user": report.sip_user, "registered": until is not None,
                "registered_until": until.isoformat() if until else None, "applied": updated is not None}

    def registered_users(self) -> frozenset[str]:
        """Return the SIP users with a phone registered now."""
        return frozenset(self.registered_until())

    def registered_until(self) -> dict[str, datetime]:
        """Return SIP user -> end of registration, for every user registered now."""
        now = self._clock.now()
        if self._cache is not None:
            try:
                return self._cache.registered_until(now)
            except RegistrationCacheUnavailable as exc:
                log.info("registration cache unavailable, reading the database: %s", exc)
        with self._uow() as uow:
            registered = uow.sip_accounts.registered_until(now)
        if self._cache is not None:
            try:
                self._cache.fill(registered)
            except RegistrationCacheUnavailable:
                pass  # Redis is down: the database answers until it is back
        return registered

    def status(self, sip_user: str) -> dict[str, Any]:
        """Return one user's phones as the panels show them: registered, until, contacts."""
        now = self._clock.now()
        with self._uow() as uow:
            found = uow.sip_accounts.registration(sip_user)
        return phone_view(found, now)

    def _share(self, sip_user: str, until: datetime | None) -> None:
        if self._cache is not None:
            try:
                self._cache.save(sip_user, until)
            except RegistrationCacheUnavailable as exc:
                log.warning("registration of %s not cached: %s", sip_user, exc)
        agent_id = self._agent_ids(sip_user) if self._agent_ids is not None else None
        if self._live is None or agent_id is None:
            return
        data = {"agent_id": agent_id, "registered": until is not None,
                "registered_until": until.isoformat() if until else None}
        try:
            self._live.to_agent(agent_id, "phone", data)
            self._live.to_supervisors("agent_phone", data)
        except Exception:  # a panel update never fails a report
            log.exception("phone registration of %s not published", sip_user)


def phone_view(registration: PhoneRegistration | None, now: datetime) -> dict[str, Any]:
    """Describe a user's registered phones for panels and the API."""
    active = registration.active(now) if registration is not None else ()
    until = registration.registered_until(now) if registration is not None else None
    return {"registered": bool(active), "registered_until": until.isoformat() if until else None,
            "contacts": [{"uri": c.uri, "expires_at": c.expires_at.isoformat(), "user_agent": c.user_agent}
                         for c in active]}
