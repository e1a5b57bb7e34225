"""The agenda repository (``uow.agendas``): experts' competences, agenda entries and feeds."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.db.models.agenda import AgendaEntryRow, AgendaFeedRow
from callcenter.db.queries import agenda as q
from callcenter.db.queries.users import user_by_username
from callcenter.domain.agenda import AgendaEntry, Interval
from callcenter.domain.agenda_feeds import AgendaFeed
from callcenter.domain.errors import Conflict


class AgendaRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def user_id_for(self, username: str) -> int | None:
        row = user_by_username(self._session, username)
        return None if row is None else row.id

    def experts_for_topic(self, topic_code: str) -> list[tuple[int, str, str]]:
        rows = q.active_experts_for_topic(self._session, topic_code)
        return [(row.id, row.username, row.display_name) for row in rows]

    def known_topic_codes(self, codes: Collection[str]) -> set[str]:
        return q.known_topic_codes(self._session, codes)

    def competences_of(self, user_id: int) -> list[str]:
        return q.competences_of_user(self._session, user_id)

    def set_competences(self, user_id: int, codes: Collection[str]) -> None:
        q.replace_competences_of_user(self._session, user_id, codes)

    def add_entry(self, user_id: int, kind: str, interval: Interval, summary: str, source: str,
                  source_uid: str, feed_id: int | None = None,
                  imported_at: datetime | None = None) -> AgendaEntry:
        row = AgendaEntryRow(user_id=user_id, kind=kind, starts_at=interval.start, ends_at=interval.end,
                             summary=summary, source=source, source_uid=source_uid, feed_id=feed_id,
                             imported_at=imported_at)
        self._session.add(row)
        self._session.flush()
        return to_entry(row)

    def change_entry(self, entry_id: int, interval: Interval, summary: str, imported_at: datetime) -> None:
        row = self._session.get(AgendaEntryRow, entry_id)
        if row is not None:
            row.starts_at, row.ends_at = interval.start, interval.end
            row.summary, row.imported_at = summary, imported_at

    def get_entry(self, entry_id: int) -> AgendaEntry | None:
        row = self._session.get(AgendaEntryRow, entry_id)
        return None if row is None else to_entry(row)

    def remove_entries(self, entry_ids: Collection[int]) -> None:
        q.delete_agenda_entries(self._session, entry_ids)

    def entries_overlapping(self, user_ids: Collection[int], window: Interval) -> list[AgendaEntry]:
        rows = q.entries_overlapping(self._session, user_ids, window.start, window.end)
        return [to_entry(row) for row in rows]

    def feed_entries(self, feed_id: int, window: Interval, source_uids: Collection[str]) -> list[AgendaEntry]:
        rows = q.feed_entries_in_window_or_named(self._session, feed_id, window.start, window.end,
                                                 source_uids)
        return [to_entry(row) for row in rows]

    def feed_of(self, user_id: int, url: str) -> AgendaFeed | None:
        row = q.feed_of_user(self._session, user_id, url)
        return None if row is None else to_feed(row)

    def add_feed(self, user_id: int, url: str) -> AgendaFeed:
        row = AgendaFeedRow(user_id=user_id, url=url)
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError as exc:  # the same feed was added by a concurrent import
            raise Conflict(f"The calendar {url} is being imported already; try again.") from exc
        return to_feed(row)

    def feeds(self) -> Sequence[AgendaFeed]:
        return [to_feed(row) for row in q.all_feeds(self._session)]

    def record_feed_fetch(self, feed_id: int, at: datetime, error: str | None) -> None:
        q.record_feed_fetch(self._session, feed_id, at, error)


def to_entry(row: AgendaEntryRow) -> AgendaEntry:
    return AgendaEntry(id=row.id, user_id=row.user_id, kind=row.kind,
                       interval=Interval(row.starts_at, row.ends_at), summary=row.summary, source=row.source,
                       source_uid=row.source_uid)


def to_feed(row: AgendaFeedRow) -> AgendaFeed:
    return AgendaFeed(id=row.id, user_id=row.user_id, url=row.url, last_fetched_at=row.last_fetched_at,
                      last_error=row.last_error)
