"""Recordings reported by a cloud telephony provider (``uow.provider_recordings``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from callcenter.db.models.provider import ProviderRecordingRow
from callcenter.db.queries import provider_recordings as q
from callcenter.domain.provider_recordings import ProviderRecording


class ProviderRecordingRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def save(self, recording: ProviderRecording, at: datetime) -> None:
        row = q.recording_by_sid(self._session, recording.provider, recording.recording_sid)
        if row is None:
            row = ProviderRecordingRow(provider=recording.provider, recording_sid=recording.recording_sid)
        row.call_id, row.status = recording.call_id, recording.status
        row.url = recording.url or row.url  # a later "failed" report keeps the address already known
        row.duration_s = recording.duration_s if recording.duration_s is not None else row.duration_s
        row.channels = recording.channels if recording.channels is not None else row.channels
        row.reported_at = at
        self._session.add(row)
        self._session.flush()

    def of_call(self, call_id: str) -> list[ProviderRecording]:
        return [ProviderRecording(r.call_id, r.provider, r.recording_sid, r.status, r.url, r.duration_s,
                                  r.channels) for r in q.recordings_of_call(self._session, call_id)]
