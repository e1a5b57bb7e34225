"""SIP accounts of agents' phones (digest hashes Kamailio's auth_db reads) and their registrations.

Kamailio reads ``sip_credentials`` directly (auth_db with calculate_ha1 = 0): its column names are part
of the generated configuration (callcenter/data/kamailio.cfg), so renaming one needs both changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, UtcDateTime


class SipCredentialRow(Base):
    __tablename__ = "sip_credentials"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # users.id (another migration branch)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # the SIP user: the callcenter username
    realm: Mapped[str] = mapped_column(String(200))
    ha1: Mapped[str] = mapped_column(String(32))  # md5(username:realm:password)
    ha1b: Mapped[str] = mapped_column(String(32))  # md5(username@realm:realm:password)
    ha1_sha256: Mapped[str] = mapped_column(String(64))  # sha256(username:realm:password)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SipRegistrationRow(Base):
    """The phones a SIP user has registered, as the SIP edge last reported them."""

    __tablename__ = "sip_registrations"

    sip_user: Mapped[str] = mapped_column(String(64), primary_key=True)
    # [{uri, expires_at (ISO 8601), user_agent, source}]
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON())
    registered_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    reported_at: Mapped[float] = mapped_column(Float())  # the edge's clock: orders reports sent concurrently
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
