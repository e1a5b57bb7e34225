"""services.announcements with a hand-written store: which source wins, which text is spoken."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from callcenter.domain.calendar import OfficeCalendar
from callcenter.domain.errors import InvalidInput
from callcenter.domain.opening_hours import OpeningHours
from callcenter.services.announcements import AnnouncementService, RenderedAnnouncement
from callcenter.services.clock import FixedClock

# Thursday 26 November 2026, 19:00 in Brussels: closed; the office opens again on Friday at 8:30.
EVENING = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)


@dataclass
class FakeStore:
    recordings: dict[str, str] = field(default_factory=dict)  # "<kind>-<lang>" -> location
    templates: dict[str, str] = field(default_factory=dict)
    made: list[tuple[str, str, str, str]] = field(default_factory=list)  # (how, kind, language, what)

    def recording(self, kind: str, language: str) -> str | None:
        return self.recordings.get(f"{kind}-{language}")

    def template(self, kind: str, language: str) -> tuple[str, str] | None:
        name = f"{kind}-{language}"
        return (self.templates[name], f"{name}.txt") if name in self.templates else None

    def from_recording(self, kind: str, language: str, recording: str) -> RenderedAnnouncement:
        self.made.append(("recording", kind, language, recording))
        return RenderedAnnouncement(kind, language, "a.wav", "a.u8.wav", f"recording {recording}", 1.0, True)

    def from_text(self, kind: str, language: str, text: str) -> RenderedAnnouncement:
        self.made.append(("text", kind, language, text))
        return RenderedAnnouncement(kind, language, "t.wav", "t.u8.wav", "text", 1.0, True, text)


class Calendar:
    def __init__(self) -> None:
        self.calendar = OfficeCalendar(OpeningHours.parse("mon-fri 08:30-16:30"), "Europe/Brussels",
                                       federal_staff_holidays=False, year_end_closure=False)


def service(store: FakeStore, at: datetime = EVENING) -> AnnouncementService:
    return AnnouncementService(store, Calendar(), FixedClock(at), address="question@mi-is.be",
                               default_language="nl")


def test_text_to_speech_says_the_next_opening_from_the_calendar() -> None:
    store = FakeStore()
    rendered = service(store).audio("closed", "fr")
    assert rendered.source == "text"
    [(how, kind, language, text)] = store.made
    assert (how, kind, language) == ("text", "closed", "fr")
    assert "demain, vendredi 27 novembre, à 8 heures 30" in text and "du lundi au vendredi" in text


def test_the_text_follows_the_clock() -> None:
    store = FakeStore()
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    text = service(store, friday_evening).text("closed", "en")
    assert "on Monday 30 November at 8:30 am" in text


def test_an_operator_recording_wins_over_text() -> None:
    store = FakeStore(recordings={"closed-fr": "/ops/closed-fr.mp3"}, templates={"closed-fr": "Fermé."})
    assert service(store).audio("closed", "fr").source == "recording /ops/closed-fr.mp3"
    assert store.made == [("recording", "closed", "fr", "/ops/closed-fr.mp3")]


def test_busy_with_a_callback_uses_the_busy_recording_when_it_has_none_of_its_own() -> None:
    store = FakeStore(recordings={"busy-de": "/ops/busy-de.wav"})
    service(store).audio("busy-callback", "de")
    assert store.made == [("recording", "busy-callback", "de", "/ops/busy-de.wav")]
    service(store).audio("busy-callback", "fr")  # no recording in French: text-to-speech
    assert store.made[-1][0] == "text" and "rappellerons" in store.made[-1][3]


def test_an_operator_template_is_filled_and_checked() -> None:
    store = FakeStore(templates={"closed-nl": "Gesloten. Terug {when}.", "busy-nl": "Bezet {wie}."})
    assert service(store).text("closed", "nl") == "Gesloten. Terug morgen, vrijdag 27 november, om 8 uur 30."
    with pytest.raises(InvalidInput, match="busy-nl.txt"):
        service(store).text("busy", "nl")


def test_unknown_languages_get_the_default_and_unknown_kinds_are_refused() -> None:
    store = FakeStore()
    assert service(store).audio("probe", "xx").language == "nl"
    assert service(store).language(None) == "nl"
    with pytest.raises(InvalidInput):
        service(store).audio("weather", "fr")


def test_render_all_covers_every_kind_and_language() -> None:
    store = FakeStore()
    done = service(store).render_all()
    assert len(done) == 16 and {(r.kind, r.language) for r in done} >= {("closed", "fr"), ("probe", "en")}
