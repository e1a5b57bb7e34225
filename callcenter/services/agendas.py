"""Experts' competences and agendas, and which competent experts are free now and later today.

The front office transfers a question to an expert chosen by competence (topics) and availability;
availability comes from absences and slots typed in the app or imported from iCalendar feeds.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from callcenter.domain.agenda import (
    ABSENCE,
    ICAL,
    KINDS,
    MANUAL,
    AgendaEntry,
    ExpertAvailability,
    ImportedEvent,
    Interval,
    day_availability,
    entry_interval,
    local_day,
    rank_experts,
)
from callcenter.domain.agenda_feeds import AgendaFeed, AgendaFeedUnreadable, imported_uid, plan_import
from callcenter.domain.calendar import OfficeCalendar
from callcenter.domain.errors import InvalidInput, NotFound, RuleViolation
from callcenter.domain.topics import NoSuchTopic, clean_topic_code
from callcenter.services.agenda_ports import (
    AgendaUnitOfWork,
    AgendaUnitOfWorkFactory,
    CalendarReader,
    OfficeHours,
)
from callcenter.services.ports import Clock

log = logging.getLogger(__name__)

IMPORT_DAYS = 90  # how far ahead a feed is read (and replaced) on each import


@dataclass(frozen=True)
class ImportReport:
    feed_id: int
    user_id: int
    url: str
    window: Interval
    added: int
    changed: int
    removed: int
    unchanged: int


@dataclass(frozen=True)
class FeedRefresh:
    feed_id: int
    url: str
    report: ImportReport | None
    error: str | None


class AgendaService:
    def __init__(self, uow: AgendaUnitOfWorkFactory, clock: Clock, reader: CalendarReader, *, zone: tzinfo,
                 office_hours: OfficeHours | None = None, import_days: int = IMPORT_DAYS) -> None:
        self._uow = uow
        self._clock = clock
        self._reader = reader
        self._zone = zone
        self._office_hours = office_hours
        self._import_days = import_days

    def set_competences(self, username: str, topic_codes: Iterable[str]) -> list[str]:
        """Make these topics the competences of a user (replacing the previous ones)."""
        codes = {clean_topic_code(code, "topics") for code in topic_codes}
        with self._uow() as uow:
            user_id = _user_id(uow, username)
            unknown = sorted(codes - uow.agendas.known_topic_codes(codes))
            if unknown:
                raise NoSuchTopic(f"There is no topic {unknown[0]!r}.", {"topics": "unknown topic"})
            uow.agendas.set_competences(user_id, codes)
            uow.commit()
        return sorted(codes)

    def competences(self, username: str) -> list[str]:
        """List the topic codes a user is competent for."""
        with self._uow() as uow:
            return uow.agendas.competences_of(_user_id(uow, username))

    def add_entry(self, username: str, kind: str, starts_at: datetime, ends_at: datetime,
                  summary: str = "") -> AgendaEntry:
        """Record an absence or an available slot typed in by a person."""
        if kind not in KINDS:
            raise InvalidInput(f"An agenda entry is one of {', '.join(KINDS)}.", {"kind": "unknown"})
        interval = entry_interval(starts_at, ends_at)
        with self._uow() as uow:
            entry = uow.agendas.add_entry(_user_id(uow, username), kind, interval, summary.strip()[:500],
                                          MANUAL, f"manual:{uuid.uuid4().hex}")
            uow.commit()
        return entry

    def remove_entry(self, entry_id: int) -> AgendaEntry:
        """Delete an entry typed in by a person (imported ones follow their feed)."""
        with self._uow() as uow:
            entry = uow.agendas.get_entry(entry_id)
            if entry is None:
                raise NotFound(f"There is no agenda entry {entry_id}.")
            if entry.source != MANUAL:
                raise RuleViolation(f"Agenda entry {entry_id} comes from an iCalendar feed; change it there.")
            uow.agendas.remove_entries([entry_id])
            uow.commit()
        return entry

    def entries(self, username: str, start: datetime, end: datetime) -> list[AgendaEntry]:
        """List a user's entries overlapping [start, end)."""
        window = entry_interval(start, end)
        with self._uow() as uow:
            return uow.agendas.entries_overlapping([_user_id(uow, username)], window)

    def import_feed(self, username: str, location: str) -> ImportReport:
        """Follow an iCalendar file or URL for a user and import it now; nothing is stored if it fails."""
        url = self._reader.canonical(location)
        with self._uow() as uow:
            user_id = _user_id(uow, username)
        now = self._clock.now()
        window = self._import_window(now)
        events = self._reader.read(url, window)
        with self._uow() as uow:
            feed = uow.agendas.feed_of(user_id, url) or uow.agendas.add_feed(user_id, url)
            report = self._apply(uow, feed, events, window, now)
            uow.commit()
        return report

    def refresh_feeds(self) -> list[FeedRefresh]:
        """Re-read every followed feed; a feed that fails keeps its entries and records the error."""
        with self._uow() as uow:
            feeds = list(uow.agendas.feeds())
        return [self._refresh(feed) for feed in feeds]

    def available_experts(self, topic_code: str, at: datetime | None = None) -> list[ExpertAvailability]:
        """List the experts competent for a topic with their availability at ``at`` and for the day."""
        code = clean_topic_code(topic_code, "topic")
        if at is not None and at.tzinfo is None:
            raise InvalidInput("Give the moment with a time zone.", {"at": "naive"})
        moment = (at or self._clock.now()).astimezone(UTC)
        day = local_day(moment, self._zone)
        with self._uow() as uow:
            if not uow.agendas.known_topic_codes([code]):
                raise NoSuchTopic(f"There is no topic {code!r}.", {"topic": "unknown topic"})
            experts = uow.agendas.experts_for_topic(code)
            entries = uow.agendas.entries_overlapping([e[0] for e in experts], day) if experts else []
        open_hours = self._open_hours(moment)
        ranked = (ExpertAvailability(user_id, username, name, day_availability(
            [e for e in entries if e.user_id == user_id], moment, day, open_hours))
            for user_id, username, name in experts)
        return rank_experts(ranked)

    def _refresh(self, feed: AgendaFeed) -> FeedRefresh:
        now = self._clock.now()
        window = self._import_window(now)
        try:
            events = self._reader.read(feed.url, window)
        except AgendaFeedUnreadable as exc:
            log.warning("agenda feed %s not refreshed: %s", feed.id, exc.message)
            with self._uow() as uow:
                uow.agendas.record_feed_fetch(feed.id, now, exc.message[:1000])
                uow.commit()
            return FeedRefresh(feed.id, feed.url, None, exc.message)
        with self._uow() as uow:
            report = self._apply(uow, feed, events, window, now)
            uow.commit()
        return FeedRefresh(feed.id, feed.url, report, None)

    def _apply(self, uow: AgendaUnitOfWork, feed: AgendaFeed, events: list[ImportedEvent], window: Interval,
               now: datetime) -> ImportReport:
        uids = [imported_uid(feed.id, event.uid) for event in events]
        plan = plan_import(feed.id, uow.agendas.feed_entries(feed.id, window, uids), events, window)
        uow.agendas.remove_entries(plan.remove)
        for entry_id, event in plan.change:
            uow.agendas.change_entry(entry_id, event.interval, event.summary, now)
        for event in plan.add:
            uow.agendas.add_entry(feed.user_id, ABSENCE, event.interval, event.summary, ICAL,
                                  imported_uid(feed.id, event.uid), feed_id=feed.id, imported_at=now)
        uow.agendas.record_feed_fetch(feed.id, now, None)
        return ImportReport(feed.id, feed.user_id, feed.url, window, len(plan.add), len(plan.change),
                            len(plan.remove), plan.unchanged)

    def _import_window(self, now: datetime) -> Interval:
        today = local_day(now, self._zone)
        return Interval(today.start, today.start + timedelta(days=self._import_days))

    def _open_hours(self, moment: datetime) -> list[Interval] | None:
        if self._office_hours is None:
            return None
        return self._office_hours.open_intervals(moment.astimezone(self._zone).date())


def _user_id(uow: AgendaUnitOfWork, username: str) -> int:
    user_id = uow.agendas.user_id_for(username.strip().lower())
    if user_id is None:
        raise NotFound(f"There is no user {username!r}.", {"user": "unknown"})
    return user_id


class CalendarOfficeHours:
    """Opening intervals of a day read from the office calendar (closures and weekends have none)."""

    def __init__(self, calendar: Callable[[], OfficeCalendar]) -> None:
        self._calendar = calendar

    def open_intervals(self, day: date) -> list[Interval]:
        calendar = self._calendar()
        if not calendar.is_working_day(day):
            return []
        return [Interval(datetime.combine(day, start, calendar.tz).astimezone(UTC),
                         datetime.combine(day, end, calendar.tz).astimezone(UTC))
                for start, end in calendar.hours.intervals(day.weekday())]
