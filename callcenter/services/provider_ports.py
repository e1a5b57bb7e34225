"""Ports of the cloud telephony bridge (services.provider_calls): the recordings a provider reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from callcenter.domain.provider_recordings import ProviderRecording
from callcenter.services.ports import UnitOfWork
from callcenter.services.routing_ports import CallRecordRepository, CtiRequestRepository


class ProviderRecordingRepository(Protocol):
    def save(self, recording: ProviderRecording, at: datetime) -> None:
        """Store the recording, or update the one of the same provider and recording id."""
        ...

    def of_call(self, call_id: str) -> list[ProviderRecording]:
        """Return the call's recordings, first reported first."""
        ...


class ProviderUnitOfWork(UnitOfWork, Protocol):
    call_records: CallRecordRepository
    cti_requests: CtiRequestRepository
    provider_recordings: ProviderRecordingRepository

    def __enter__(self) -> ProviderUnitOfWork: ...


ProviderUowFactory = Callable[[], ProviderUnitOfWork]
