"""Imported agendas: which stored entries an iCalendar import adds, changes or removes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from callcenter.domain.agenda import AgendaEntry, ImportedEvent, Interval
from callcenter.domain.errors import InvalidInput


class AgendaFeedUnreadable(InvalidInput):
    """An iCalendar file or URL could not be fetched or read; the message says why."""

    code = "agenda-feed-unreadable"


@dataclass(frozen=True)
class AgendaFeed:
    id: int
    user_id: int
    url: str
    last_fetched_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class ImportPlan:
    add: tuple[ImportedEvent, ...]
    change: tuple[tuple[int, ImportedEvent], ...]  # (entry id, its new span and summary)
    remove: tuple[int, ...]  # entry ids
    unchanged: int


def imported_uid(feed_id: int, event_uid: str) -> str:
    """Return the stored source_uid of an event of a feed (one user may follow several feeds)."""
    return f"{feed_id}:{event_uid}"


def plan_import(feed_id: int, existing: Sequence[AgendaEntry], events: Sequence[ImportedEvent],
                window: Interval) -> ImportPlan:
    """Match a feed's fresh events to its stored entries by UID; drop stored ones gone from the window."""
    stored = {entry.source_uid: entry for entry in existing}
    wanted = {imported_uid(feed_id, event.uid): event for event in events}
    add: list[ImportedEvent] = []
    change: list[tuple[int, ImportedEvent]] = []
    for uid, event in wanted.items():
        entry = stored.get(uid)
        if entry is None:
            add.append(event)
        elif (entry.interval, entry.summary) != (event.interval, event.summary):
            change.append((entry.id, event))
    # Entries outside the window are left alone: the feed was only read for the window.
    remove = tuple(e.id for e in existing if e.source_uid not in wanted and e.interval.overlaps(window))
    unchanged = len(wanted) - len(add) - len(change)
    return ImportPlan(tuple(add), tuple(change), remove, unchanged)
