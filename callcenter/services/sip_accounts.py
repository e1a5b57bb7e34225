"""SIP accounts use cases: give a user a SIP password for their phone (digest hashes only are kept)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from callcenter.domain.errors import NotFound, RuleViolation
from callcenter.domain.sip_accounts import check_realm, check_sip_password, digests
from callcenter.services.ports import Clock
from callcenter.services.sip_ports import SipUowFactory

_GENERATED_BYTES = 15  # 20 URL-safe characters: typeable on a desk phone


class SipAccounts:
    def __init__(self, uow: SipUowFactory, clock: Clock, realm: Callable[[], str],
                 new_secret: Callable[[int], str] = secrets.token_urlsafe) -> None:
        self._uow = uow
        self._clock = clock
        self._realm = realm  # the SIP domain, read when needed
        self._new_secret = new_secret

    def set_password(self, username: str, password: str | None = None) -> str | None:
        """Store the digest hashes of the user's SIP password; return the generated one if none was given."""
        generated = None if password is not None else self._new_secret(_GENERATED_BYTES)
        clear = check_sip_password(password if password is not None else str(generated))
        realm = check_realm(self._realm())
        with self._uow() as uow:
            user = uow.users.by_username(str(username).strip().lower())
            if user is None:
                raise NotFound(f"There is no user {username!r}.")
            if not user.active:
                raise RuleViolation(f"The user {user.username!r} is disabled.", {"username": "disabled"})
            uow.sip_accounts.set_digests(user.id, user.username, digests(user.username, realm, clear),
                                         self._clock.now())
            uow.commit()
        return generated

    def remove_password(self, username: str) -> None:
        """Delete the user's SIP hashes: their phone can no longer register."""
        with self._uow() as uow:
            user = uow.users.by_username(str(username).strip().lower())
            if user is None or not uow.sip_accounts.remove(user.id):
                raise NotFound(f"{username!r} has no SIP password.")
            uow.commit()
