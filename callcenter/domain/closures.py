"""Closure days of a Belgian federal office: public holidays, federal staff days, year-end, operator days.

Names come in the four languages of LANGS. Public holiday names are those of the ``holidays`` package
(category public); the federal staff days and the year-end days carry our own translations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

from callcenter.domain.errors import InvalidInput

LANGS = ("fr", "nl", "de", "en")
DEFAULT_LANG = "en"

PUBLIC_HOLIDAY = "public-holiday"
FEDERAL_STAFF_HOLIDAY = "federal-staff-holiday"
YEAR_END_CLOSURE = "year-end-closure"
OPERATOR_CLOSURE = "operator"

# The holidays package spells English as en_US; the other three are ours as they are.
_HOLIDAYS_LANG = {"fr": "fr", "nl": "nl", "de": "de", "en": "en_US"}

FEDERAL_STAFF_DAYS: dict[tuple[int, int], dict[str, str]] = {
    (11, 2): {"fr": "Jour des défunts", "nl": "Allerzielen", "de": "Allerseelen", "en": "All Souls' Day"},
    (11, 15): {"fr": "Fête du Roi", "nl": "Koningsdag", "de": "Festtag des Königs", "en": "King's Feast"},
    (12, 26): {"fr": "Lendemain de Noël", "nl": "Tweede kerstdag", "de": "Zweiter Weihnachtstag",
               "en": "Day after Christmas"},
}
YEAR_END_NAMES = {"fr": "Fermeture de fin d'année", "nl": "Eindejaarssluiting",
                  "de": "Jahresendschließung", "en": "Year-end closure"}
OUTSIDE_HOURS = {"fr": "en dehors des heures d'ouverture", "nl": "buiten de openingsuren",
                 "de": "außerhalb der Öffnungszeiten", "en": "outside opening hours"}
AFTER_CLOSING = {"fr": "reçu après l'heure de fermeture", "nl": "ontvangen na sluitingstijd",
                 "de": "nach Dienstschluss eingegangen", "en": "received after closing time"}
WEEKDAY_NAMES = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


class UnknownLanguage(InvalidInput):
    """A language other than fr, nl, de or en was asked for."""

    code = "unknown-language"


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of LANGS, else raise UnknownLanguage."""
    if lang in LANGS:
        return lang
    raise UnknownLanguage(f"{lang!r} is not a language of the calendar (use fr, nl, de or en).",
                          {"lang": "use fr, nl, de or en"})


@dataclass(frozen=True)
class Closure:
    """A day the office is closed, with its name per language and where it comes from."""

    date: date
    names: Mapping[str, str] = field(compare=False)
    source: str = OPERATOR_CLOSURE

    def __post_init__(self) -> None:
        if not self.names:
            raise ValueError(f"The closure of {self.date} needs a name in at least one language.")
        # Closures are shared between cached year tables, so their names must not change under them.
        object.__setattr__(self, "names", MappingProxyType(dict(self.names)))

    def name(self, lang: str) -> str:
        """Return the name in ``lang``, else in English, French, Dutch or German, whichever exists."""
        for candidate in (lang, "en", "fr", "nl", "de"):
            if candidate in self.names:
                return self.names[candidate]
        return next(iter(self.names.values()))


@dataclass(frozen=True)
class ClosedDay:
    """A closed weekday as listed to people: the date, its name in one language and the source."""

    date: date
    name: str
    source: str

    def as_dict(self) -> dict[str, str]:
        """Render as JSON-ready values."""
        return {"date": self.date.isoformat(), "name": self.name, "source": self.source}


@lru_cache(maxsize=256)
def public_holidays(year: int) -> tuple[Closure, ...]:
    """Return the Belgian public holidays of ``year`` (weekends included) with names in LANGS."""
    by_lang = {lang: _holiday_names(year, lang) for lang in LANGS}
    days = sorted(by_lang[DEFAULT_LANG])
    return tuple(Closure(day, {lang: names[day] for lang, names in by_lang.items() if day in names},
                         PUBLIC_HOLIDAY) for day in days)


def _holiday_names(year: int, lang: str) -> dict[date, str]:
    """Ask the holidays package for one year in one language, falling back to its default names."""
    table = holidays.country_holidays("BE", years=year, categories=("public",))
    if _HOLIDAYS_LANG[lang] in table.supported_languages:
        table = holidays.country_holidays("BE", years=year, categories=("public",),
                                          language=_HOLIDAYS_LANG[lang])
    return {day: str(name) for day, name in table.items()}


def federal_staff_holidays(year: int) -> tuple[Closure, ...]:
    """Return 2 Nov, 15 Nov and 26 Dec of ``year``, whatever weekday they fall on."""
    return tuple(Closure(date(year, month, day), names, FEDERAL_STAFF_HOLIDAY)
                 for (month, day), names in FEDERAL_STAFF_DAYS.items())


def year_end_closure(year: int) -> tuple[Closure, ...]:
    """Return the working days (Monday–Friday) from 27 to 31 December of ``year``."""
    days = (date(year, 12, 27) + timedelta(days=n) for n in range(5))
    return tuple(Closure(day, YEAR_END_NAMES, YEAR_END_CLOSURE) for day in days if day.weekday() < 5)


def closed_days(year: int, extra: Iterable[Closure], *, federal_staff: bool,
                year_end: bool) -> dict[date, Closure]:
    """Map every closed date of ``year`` to its closure; earlier sources win when dates coincide."""
    sources: list[Iterable[Closure]] = [public_holidays(year)]
    if federal_staff:
        sources.append(federal_staff_holidays(year))
    if year_end:
        sources.append(year_end_closure(year))
    sources.append(c for c in extra if c.date.year == year)
    closed: dict[date, Closure] = {}
    for source in sources:
        for closure in source:
            closed.setdefault(closure.date, closure)
    return closed
