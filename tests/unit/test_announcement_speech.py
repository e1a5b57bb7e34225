"""What the announcements say: opening hours, the next opening and the write address, spoken naturally."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from callcenter.domain.announcement_speech import (
    KINDS,
    LANGUAGES,
    TEMPLATES,
    SpeechFacts,
    check_kind,
    check_template,
    speak,
    spoken_address,
    spoken_hours,
    spoken_time,
    spoken_when,
)
from callcenter.domain.errors import InvalidInput
from callcenter.domain.opening_hours import OpeningHours

HOURS = OpeningHours.parse("mon-thu 08:30-12:30 13:00-16:30; fri 08:30-12:30 13:00-16:00")
THURSDAY_EVENING = datetime(2026, 11, 26, 18, 0)
FRIDAY_MORNING = datetime(2026, 11, 27, 8, 30)


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "demain, vendredi 27 novembre, à 8 heures 30"),
    ("nl", "morgen, vrijdag 27 november, om 8 uur 30"),
    ("de", "morgen, Freitag, den 27. November, um 8 Uhr 30"),
    ("en", "tomorrow, Friday 27 November, at 8:30 am"),
])
def test_the_next_opening_tomorrow_is_said_as_tomorrow(language: str, expected: str) -> None:
    assert spoken_when(language, THURSDAY_EVENING, FRIDAY_MORNING) == expected


def test_later_today_and_after_a_weekend_are_said_naturally() -> None:
    lunch = datetime(2026, 11, 26, 12, 45)
    assert spoken_when("fr", lunch, datetime(2026, 11, 26, 13, 0)) == "aujourd'hui à 13 heures"
    assert spoken_when("en", lunch, datetime(2026, 11, 26, 13, 0)) == "today at 1 pm"
    friday_night = datetime(2026, 11, 27, 20, 0)
    tuesday = datetime(2026, 12, 1, 8, 30)
    assert spoken_when("fr", friday_night, tuesday) == "le mardi 1er décembre à 8 heures 30"
    assert spoken_when("de", friday_night, tuesday) == "am Dienstag, dem 1. Dezember, um 8 Uhr 30"
    assert spoken_when("nl", friday_night, None) == "binnenkort"


@pytest.mark.parametrize(("language", "at", "expected"), [
    ("fr", time(1, 0), "1 heure"), ("fr", time(16, 30), "16 heures 30"), ("nl", time(12, 0), "12 uur"),
    ("en", time(0, 15), "12:15 am"), ("en", time(12, 0), "12 pm"), ("de", time(8, 5), "8 Uhr 5"),
])
def test_times_are_said_as_on_the_phone(language: str, at: time, expected: str) -> None:
    assert spoken_time(language, at) == expected


def test_weekdays_with_the_same_hours_are_grouped() -> None:
    assert spoken_hours("fr", HOURS) == (
        "du lundi au jeudi de 8 heures 30 à 12 heures 30 et de 13 heures à 16 heures 30, "
        "et le vendredi de 8 heures 30 à 12 heures 30 et de 13 heures à 16 heures")
    one_day = OpeningHours.parse("wed 09:00-12:00")
    assert spoken_hours("nl", one_day) == "op woensdag van 9 uur tot 12 uur"
    split = OpeningHours.parse("mon,wed 09:00-12:00")  # not consecutive: two groups
    assert spoken_hours("en", split) == "on Monday from 9 am to 12 pm, and on Wednesday from 9 am to 12 pm"


def test_the_write_address_is_spelled_as_one_dictates_it() -> None:
    assert spoken_address("fr", "question@mi-is.be") == "question arobase m i tiret i s point b e"
    assert spoken_address("nl", "info.desk@example.org") == "info punt desk apenstaartje example punt o r g"


def test_every_template_speaks_in_every_language() -> None:
    facts = SpeechFacts(THURSDAY_EVENING, FRIDAY_MORNING, HOURS, "question@mi-is.be")
    for kind in KINDS:
        for language in LANGUAGES:
            text = speak(TEMPLATES[kind][language], language, facts)
            assert "{" not in text and len(text) > 20
    closed = speak(TEMPLATES["closed"]["fr"], "fr", facts)
    assert "du lundi au jeudi" in closed and "demain, vendredi 27 novembre" in closed and "arobase" in closed
    assert "rappellerons" in speak(TEMPLATES["busy-callback"]["fr"], "fr", facts)
    assert "désolés" in speak(TEMPLATES["busy"]["fr"], "fr", facts)


def test_operator_templates_are_checked() -> None:
    assert check_template(" Fermé. Écrivez à {address}. ", "closed-fr.txt") == "Fermé. Écrivez à {address}."
    with pytest.raises(InvalidInput, match="unknown placeholder"):
        check_template("Nous rouvrons {quand}.", "closed-fr.txt")
    with pytest.raises(InvalidInput, match="stray brace"):
        check_template("Nous rouvrons {when.", "closed-fr.txt")
    with pytest.raises(InvalidInput, match="1 to"):
        check_template("   ", "closed-fr.txt")


def test_kinds_are_checked() -> None:
    assert check_kind(" Busy-Callback ") == "busy-callback"
    with pytest.raises(InvalidInput):
        check_kind("weather")
