"""Announcement audio (services.announcements): what a caller hears instead of an agent.

``audio(kind, language) -> RenderedAnnouncement`` picks the operator's recording of that kind and
language when there is one, else speaks the operator's text template or the built-in one, filled with
today's facts (opening hours, next opening, write address). The AnnouncementStore port converts to
8 kHz mono and caches by content, so the closed announcement is rendered again only when its text
changes (the next opening moved, an operator edited a template). ``render_all`` prepares every file
at once (``callcenter announcements render``, and the SIP endpoint when it starts).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from callcenter.domain.announcement_speech import (
    BUSY_CALLBACK,
    KINDS,
    LANGUAGES,
    TEMPLATES,
    SpeechFacts,
    check_kind,
    check_template,
    speak,
)
from callcenter.domain.calendar import OfficeCalendar
from callcenter.domain.errors import RuleViolation
from callcenter.domain.routing import BUSY
from callcenter.services.ports import Clock

log = logging.getLogger(__name__)

# A kind without its own recording may use the recording of a close kind: an operator who recorded
# "busy" keeps that voice for callers who also get a callback (the recording just does not promise it).
RECORDING_FALLBACK = {BUSY_CALLBACK: BUSY}


class AnnouncementAudioError(RuleViolation):
    """Audio cannot be produced: a recording that does not decode, text-to-speech missing or failing."""

    code = "announcement-audio"


@dataclass(frozen=True)
class RenderedAnnouncement:
    kind: str
    language: str
    wav_path: str  # 8 kHz mono 16-bit PCM WAV, for any telephony that plays files
    pcm8_path: str  # 8 kHz mono 8-bit unsigned PCM WAV: what pyVoIP sends
    source: str  # "recording" (with its file name) or "text"
    duration_s: float
    rendered: bool  # False when the cache already held it
    text: str | None = None


class AnnouncementStore(Protocol):
    def recording(self, kind: str, language: str) -> str | None:
        """Return the operator's recording of ``kind``-``language`` (its location), if there is one."""
        ...

    def template(self, kind: str, language: str) -> tuple[str, str] | None:
        """Return the operator's text template of ``kind``-``language`` and where it was read, if any."""
        ...

    def from_recording(self, kind: str, language: str, recording: str) -> RenderedAnnouncement:
        """Return the recording converted to telephone audio (from the cache when unchanged)."""
        ...

    def from_text(self, kind: str, language: str, text: str) -> RenderedAnnouncement:
        """Return ``text`` spoken in ``language`` as telephone audio (from the cache when unchanged)."""
        ...


class CalendarSource(Protocol):
    @property
    def calendar(self) -> OfficeCalendar: ...


class AnnouncementService:
    def __init__(self, store: AnnouncementStore, calendar: CalendarSource, clock: Clock, *, address: str,
                 default_language: str = "fr") -> None:
        self._store = store
        self._calendar = calendar
        self._clock = clock
        self._address = address
        self._default = default_language if default_language in LANGUAGES else "fr"

    def language(self, value: str | None) -> str:
        """Return ``value`` when it is one of our languages, else the default language."""
        code = (value or "").strip().lower()
        return code if code in LANGUAGES else self._default

    def audio(self, kind: str, language: str) -> RenderedAnnouncement:
        """Return the audio of announcement ``kind`` in ``language``, rendering it when needed."""
        kind, language = check_kind(kind), self.language(language)
        for candidate in (kind, RECORDING_FALLBACK.get(kind)):
            recording = self._store.recording(candidate, language) if candidate else None
            if recording is not None:
                return self._store.from_recording(kind, language, recording)
        return self._store.from_text(kind, language, self.text(kind, language))

    def text(self, kind: str, language: str) -> str:
        """Return what text-to-speech says for ``kind`` in ``language`` right now."""
        kind, language = check_kind(kind), self.language(language)
        found = self._store.template(kind, language)
        template = check_template(*found) if found else TEMPLATES[kind][language]
        return speak(template, language, self._facts())

    def render_all(self, kinds: Iterable[str] = KINDS,
                   languages: Iterable[str] = LANGUAGES) -> list[RenderedAnnouncement]:
        """Render (or find in the cache) every announcement of ``kinds`` × ``languages``."""
        done = [self.audio(kind, language) for kind in kinds for language in languages]
        log.info("announcements ready: %d (%d rendered now)", len(done), sum(r.rendered for r in done))
        return done

    def _facts(self) -> SpeechFacts:
        calendar = self._calendar.calendar
        now = self._clock.now()
        return SpeechFacts(calendar.local(now), calendar.local(calendar.next_open(now)), calendar.hours,
                           self._address)
