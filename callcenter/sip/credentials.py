"""Our own SIP endpoints' accounts (the announcement endpoint): credentials derived from the settings.

Agents' phones authenticate against the sip_credentials table (``callcenter users set-sip-password``);
our own endpoints are no users, so their credentials come from the settings and are written into the
generated Kamailio configuration as HA1 hashes.
"""

from __future__ import annotations

import hashlib
import hmac

from callcenter.domain.sip_accounts import digests
from callcenter.settings import Settings


def announcer_password(settings: Settings) -> str:
    """Return the announcement endpoint's SIP password: the setting, else one derived from secret_key."""
    return settings.sip_announcer_password or _derived(settings, "announcer")


def service_accounts(settings: Settings) -> dict[str, str]:
    """Return our own endpoints' SIP users and passwords (user -> password)."""
    return {settings.sip_announcer_user: announcer_password(settings)}


def service_account_ha1s(settings: Settings, realm: str) -> dict[str, str]:
    """Return the HA1 of each service account in ``realm`` (user -> md5 HA1)."""
    return {user: digests(user, realm, password).ha1 for user, password in service_accounts(settings).items()}


def _derived(settings: Settings, name: str) -> str:
    # Derived, not generated: every process of one installation computes the same password.
    message = f"callcenter-sip-{name}".encode()
    return hmac.new(settings.secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()[:32]
