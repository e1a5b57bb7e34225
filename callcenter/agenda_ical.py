"""iCalendar adapter for experts' agendas: fetch a file or URL, read its busy periods in a window.

What counts as busy: every all-day event, and every timed event not marked TRANSP:TRANSPARENT;
cancelled events and instances never count. Recurring events (RRULE, RDATE, EXDATE and moved or
cancelled instances via RECURRENCE-ID) are expanded inside the window with dateutil, which icalendar
itself depends on; SECONDLY and MINUTELY rules are not expanded (only their first instance counts).
Floating times and all-day dates are read in the office time zone.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import icalendar
from dateutil.rrule import rrulestr

from callcenter.domain.agenda import ImportedEvent, Interval
from callcenter.domain.agenda_feeds import AgendaFeedUnreadable

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_OCCURRENCES = 2000  # per recurring event and window: far above any real agenda
UNEXPANDED = {"SECONDLY", "MINUTELY"}


class IcalCalendarReader:
    """Read experts' iCalendar feeds from http(s), webcal, file: URLs or local paths."""

    def __init__(self, zone: tzinfo, *, timeout_s: float = 15.0, max_bytes: int = MAX_BYTES) -> None:
        self._zone = zone
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes

    def canonical(self, location: str) -> str:
        """Return an http(s) URL as is (webcal as https) and a file path or file: URL as an absolute path."""
        text = location.strip()
        scheme = urlsplit(text).scheme.lower()
        if scheme in ("http", "https"):
            return text
        if scheme == "webcal":
            return "https" + text[len("webcal"):]
        if scheme == "file":
            return str(Path(url2pathname(urlsplit(text).path)).resolve())
        if scheme and len(scheme) > 1:
            raise AgendaFeedUnreadable(
                f"Only http, https, webcal and file addresses are read, not {scheme}:.",
                {"ical": "unsupported scheme"})
        return str(Path(text).expanduser().resolve())

    def read(self, location: str, window: Interval) -> list[ImportedEvent]:
        """Fetch the feed and return its busy periods overlapping the window."""
        data = self.fetch(location)
        return parse_busy_periods(data, window, self._zone, where=location)

    def fetch(self, location: str) -> bytes:
        """Return the bytes of a feed, refusing more than max_bytes."""
        if urlsplit(location).scheme in ("http", "https"):
            return self._fetch_url(location)
        try:
            with open(location, "rb") as handle:
                return _limited(handle.read(self._max_bytes + 1), self._max_bytes, location)
        except OSError as exc:
            raise AgendaFeedUnreadable(f"The calendar file {location} cannot be read: {exc.strerror}.",
                                       {"ical": "unreadable"}) from exc

    def _fetch_url(self, url: str) -> bytes:
        # Only http(s) handlers: a redirect to file: or ftp: fails instead of reading elsewhere.
        opener = urllib.request.OpenerDirector()
        for handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                        urllib.request.HTTPRedirectHandler(), urllib.request.HTTPDefaultErrorHandler(),
                        urllib.request.HTTPErrorProcessor()):
            opener.add_handler(handler)
        request = urllib.request.Request(url, headers={"Accept": "text/calendar", "User-Agent": "callcenter"})
        try:
            with opener.open(request, timeout=self._timeout_s) as response:
                return _limited(response.read(self._max_bytes + 1), self._max_bytes, url)
        except urllib.error.HTTPError as exc:
            raise AgendaFeedUnreadable(f"The calendar at {url} answered HTTP {exc.code}.",
                                       {"ical": "http error"}) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AgendaFeedUnreadable(f"The calendar at {url} cannot be fetched: {reason}.",
                                       {"ical": "unreachable"}) from exc


def _limited(data: bytes, max_bytes: int, where: str) -> bytes:
    if len(data) > max_bytes:
        raise AgendaFeedUnreadable(f"The calendar {where} is larger than {max_bytes // 1024} KiB.",
                                   {"ical": "too large"})
    return data


def parse_busy_periods(data: bytes, window: Interval, zone: tzinfo,
                       where: str = "feed") -> list[ImportedEvent]:
    """Read the busy periods of an iCalendar document that overlap the window."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise AgendaFeedUnreadable(f"The calendar {where} is not valid iCalendar: {exc}.",
                                   {"ical": "not iCalendar"}) from exc
    components = list(calendar.walk("VEVENT"))
    moved = {_moved_key(c, zone) for c in components if c.get("RECURRENCE-ID") is not None}
    events: list[ImportedEvent] = []
    for component in components:
        try:
            events.extend(_busy(component, window, zone, moved))
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            # One malformed event must not hide the others; the log names it.
            log.warning("calendar %s: event %s skipped: %s", where, component.get("UID"), exc)
    return events


@dataclass(frozen=True)
class _Shape:
    uid: str
    start: datetime
    duration: timedelta
    summary: str


def _busy(event: Any, window: Interval, zone: tzinfo,
          moved: set[tuple[str, datetime]]) -> Iterator[ImportedEvent]:
    if str(event.get("STATUS", "")).upper() == "CANCELLED" or not _blocks_time(event):
        return
    shape = _shape(event, zone)
    if shape.duration <= timedelta(0):
        return
    recurrence_id = event.get("RECURRENCE-ID")
    if recurrence_id is not None:
        starts = [(shape.start, _instance_uid(shape.uid, _aware(recurrence_id.dt, zone)))]
    elif event.rrules or event.rdates:
        starts = [(s, _instance_uid(shape.uid, s)) for s in _occurrences(event, shape, window, zone)
                  if (shape.uid, s.astimezone(UTC)) not in moved]
    else:
        starts = [(shape.start, shape.uid)]
    for start, uid in starts:
        interval = Interval(start.astimezone(UTC), (start + shape.duration).astimezone(UTC))
        if interval.overlaps(window):
            yield ImportedEvent(uid, interval, shape.summary)


def _blocks_time(event: Any) -> bool:
    all_day = not isinstance(event.decoded("DTSTART"), datetime)
    return all_day or str(event.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT"


def _shape(event: Any, zone: tzinfo) -> _Shape:
    start, end = _aware(event.start, zone), _aware(event.end, zone)
    summary = "" if str(event.get("CLASS", "PUBLIC")).upper() in ("PRIVATE", "CONFIDENTIAL") else \
        str(event.get("SUMMARY", "")).strip()[:500]
    # Wall-clock duration in the start's zone, so a recurring 09:00-11:00 stays so across DST changes.
    duration = end.astimezone(start.tzinfo).replace(tzinfo=None) - start.replace(tzinfo=None)
    return _Shape(_uid(event), start, duration, summary)


def _occurrences(event: Any, shape: _Shape, window: Interval, zone: tzinfo) -> Iterator[datetime]:
    excluded = {_aware(d, zone).astimezone(UTC) for d in event.exdates}
    starts = [_aware(d, zone) for d, _ in event.rdates]
    for rule in event.rrules:
        if str(rule.get("FREQ", [""])[0]).upper() in UNEXPANDED:
            starts.append(shape.start)
            continue
        expanded = rrulestr(_rule_text(rule, zone), dtstart=shape.start)
        after = (window.start - shape.duration).astimezone(shape.start.tzinfo)
        for count, start in enumerate(expanded.xafter(after, inc=True)):
            if start >= window.end or count >= MAX_OCCURRENCES:
                break
            starts.append(start)
    if not event.rrules:
        starts.append(shape.start)  # RDATE adds to DTSTART, which is itself an instance
    yield from sorted({s for s in starts if s.astimezone(UTC) not in excluded})


def _rule_text(rule: Any, zone: tzinfo) -> str:
    """Write an RRULE for dateutil, with UNTIL in UTC as it requires next to an aware DTSTART."""
    values = dict(rule)
    until = values.get("UNTIL")
    if until:
        last = until[0]
        if not isinstance(last, datetime):
            last = datetime.combine(last, time(23, 59, 59), zone)
        values["UNTIL"] = [_aware(last, zone).astimezone(UTC)]
    return icalendar.vRecur(values).to_ical().decode()


def _moved_key(event: Any, zone: tzinfo) -> tuple[str, datetime]:
    return _uid(event), _aware(event.get("RECURRENCE-ID").dt, zone).astimezone(UTC)


def _aware(value: date | datetime, zone: tzinfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), zone)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _uid(event: Any) -> str:
    uid = str(event.get("UID", "")).strip()
    if uid:
        return uid[:400]
    # Without a UID, the event's own fields name it, so an unchanged event keeps its identity.
    raw = b"|".join(event[k].to_ical() for k in ("DTSTART", "DTEND", "SUMMARY") if k in event)
    return "nouid-" + hashlib.sha256(raw).hexdigest()[:32]


def _instance_uid(uid: str, start: datetime) -> str:
    return f"{uid}/{start.astimezone(UTC):%Y%m%dT%H%M%SZ}"
