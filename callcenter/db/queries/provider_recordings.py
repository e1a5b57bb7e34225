"""Provider recording queries by intent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.db.models.provider import ProviderRecordingRow


def recording_by_sid(session: Session, provider: str, recording_sid: str) -> ProviderRecordingRow | None:
    return session.scalars(select(ProviderRecordingRow).where(
        ProviderRecordingRow.provider == provider, ProviderRecordingRow.recording_sid == recording_sid)
    ).one_or_none()


def recordings_of_call(session: Session, call_id: str) -> list[ProviderRecordingRow]:
    """Return the call's recordings, first reported first."""
    return list(session.scalars(select(ProviderRecordingRow).where(ProviderRecordingRow.call_id == call_id)
                                .order_by(ProviderRecordingRow.id)))
