"""Ports of the agenda use cases: the agenda store, the iCalendar reader and the office hours."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Protocol

from callcenter.domain.agenda import AgendaEntry, ImportedEvent, Interval
from callcenter.domain.agenda_feeds import AgendaFeed
from callcenter.services.ports import UnitOfWork


class AgendaRepository(Protocol):
    def user_id_for(self, username: str) -> int | None: ...

    def experts_for_topic(self, topic_code: str) -> list[tuple[int, str, str]]:
        """List (user id, username, display name) of the active users competent for a topic."""
        ...

    def known_topic_codes(self, codes: Collection[str]) -> set[str]: ...

    def competences_of(self, user_id: int) -> list[str]: ...

    def set_competences(self, user_id: int, codes: Collection[str]) -> None: ...

    def add_entry(self, user_id: int, kind: str, interval: Interval, summary: str, source: str,
                  source_uid: str, feed_id: int | None = None,
                  imported_at: datetime | None = None) -> AgendaEntry: ...

    def change_entry(self, entry_id: int, interval: Interval, summary: str,
                     imported_at: datetime) -> None: ...

    def get_entry(self, entry_id: int) -> AgendaEntry | None: ...

    def remove_entries(self, entry_ids: Collection[int]) -> None: ...

    def entries_overlapping(self, user_ids: Collection[int], window: Interval) -> list[AgendaEntry]: ...

    def feed_entries(self, feed_id: int, window: Interval, source_uids: Collection[str]) -> list[AgendaEntry]:
        """List a feed's entries overlapping the window plus those with one of these source UIDs."""
        ...

    def feed_of(self, user_id: int, url: str) -> AgendaFeed | None: ...

    def add_feed(self, user_id: int, url: str) -> AgendaFeed: ...

    def feeds(self) -> Sequence[AgendaFeed]: ...

    def record_feed_fetch(self, feed_id: int, at: datetime, error: str | None) -> None: ...


class AgendaUnitOfWork(UnitOfWork, Protocol):
    @property
    def agendas(self) -> AgendaRepository: ...

    def __enter__(self) -> AgendaUnitOfWork: ...


class AgendaUnitOfWorkFactory(Protocol):
    def __call__(self) -> AgendaUnitOfWork: ...


class CalendarReader(Protocol):
    def canonical(self, location: str) -> str:
        """Return the stored form of a file path or URL (absolute path, checked scheme)."""
        ...

    def read(self, location: str, window: Interval) -> list[ImportedEvent]:
        """Fetch an iCalendar feed and return its busy periods overlapping the window."""
        ...


class OfficeHours(Protocol):
    def open_intervals(self, day: date) -> list[Interval]:
        """Return the office's opening intervals on a local day (none when it is closed)."""
        ...
