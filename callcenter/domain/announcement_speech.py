"""What our own announcements say aloud, per language: the texts and the facts spoken naturally.

The CTI decision carries a short written text (domain.announcements); a recorded announcement is
listened to once, so it tells more: the opening hours, when we reopen ("demain, mardi 1er décembre, à
8 heures 30" rather than "01/12/2026 08:30"), and the write address spelled as one dictates it. The
templates are editable: an operator text replaces the built-in one and may use the placeholders
{hours}, {when} and {address}.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime, time

from callcenter.domain.closures import WEEKDAY_NAMES
from callcenter.domain.errors import InvalidInput
from callcenter.domain.opening_hours import Interval, OpeningHours
from callcenter.domain.routing import BUSY, CLOSED, PROBE  # what routing announces; PROBE: the probe hears it

BUSY_CALLBACK = "busy-callback"  # busy, and the missed call became a callback item
KINDS = (CLOSED, BUSY, BUSY_CALLBACK, PROBE)
LANGUAGES = ("fr", "nl", "de", "en")
PLACEHOLDERS = frozenset({"hours", "when", "address"})
MAX_TEMPLATE = 2000

TEMPLATES = {
    CLOSED: {
        "fr": "Bonjour. Notre service est fermé. Nous sommes joignables par téléphone {hours}. "
              "Nous rouvrons {when}. Vous pouvez aussi nous écrire à l'adresse {address}. "
              "Merci de votre appel.",
        "nl": "Goeiedag. Onze dienst is gesloten. We zijn telefonisch bereikbaar {hours}. "
              "We zijn opnieuw bereikbaar {when}. U kunt ons ook schrijven op het adres {address}. "
              "Bedankt voor uw oproep.",
        "de": "Guten Tag. Unser Dienst ist geschlossen. Sie erreichen uns telefonisch {hours}. "
              "Wir sind wieder erreichbar {when}. Sie können uns auch an die Adresse {address} schreiben. "
              "Danke für Ihren Anruf.",
        "en": "Hello. Our office is closed. You can reach us by phone {hours}. We open again {when}. "
              "You can also write to us at {address}. Thank you for calling.",
    },
    BUSY: {
        "fr": "Bonjour. Nous sommes désolés : tous nos collaborateurs sont en ligne. Veuillez rappeler plus "
              "tard, ou écrivez-nous à l'adresse {address}. Merci de votre patience.",
        "nl": "Goeiedag. Het spijt ons: al onze medewerkers zijn in gesprek. Bel later opnieuw, of schrijf "
              "ons op het adres {address}. Bedankt voor uw geduld.",
        "de": "Guten Tag. Es tut uns leid: Alle Mitarbeitenden sind im Gespräch. Bitte rufen Sie später "
              "wieder an, oder schreiben Sie uns an die Adresse {address}. Danke für Ihre Geduld.",
        "en": "Hello. We are sorry: all our staff are on a call. Please call again later, or write to us "
              "at {address}. Thank you for your patience.",
    },
    BUSY_CALLBACK: {
        "fr": "Bonjour. Nous sommes désolés : tous nos collaborateurs sont en ligne. Nous avons noté votre "
              "numéro et nous vous rappellerons. Vous pouvez aussi nous écrire à l'adresse {address}. "
              "Merci de votre patience.",
        "nl": "Goeiedag. Het spijt ons: al onze medewerkers zijn in gesprek. We hebben uw nummer genoteerd "
              "en bellen u terug. U kunt ons ook schrijven op het adres {address}. Bedankt voor uw geduld.",
        "de": "Guten Tag. Es tut uns leid: Alle Mitarbeitenden sind im Gespräch. Wir haben Ihre Nummer "
              "notiert und rufen Sie zurück. Sie können uns auch an die Adresse {address} schreiben. "
              "Danke für Ihre Geduld.",
        "en": "Hello. We are sorry: all our staff are on a call. We have noted your number and will call "
              "you back. You can also write to us at {address}. Thank you for your patience.",
    },
    PROBE: {
        "fr": "Ceci est un appel de test du service d'accueil. Tout fonctionne.",
        "nl": "Dit is een testoproep van het onthaal. Alles werkt.",
        "de": "Dies ist ein Testanruf des Empfangs. Alles funktioniert.",
        "en": "This is a test call of the front office. Everything works.",
    },
}

_MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}
# {day} weekday, {date} spoken day of month and month; today/tomorrow/later.
_WHEN = {
    "fr": ("aujourd'hui à {time}", "demain, {day} {date}, à {time}", "le {day} {date} à {time}"),
    "nl": ("vandaag om {time}", "morgen, {day} {date}, om {time}", "op {day} {date} om {time}"),
    "de": ("heute um {time}", "morgen, {day}, den {date}, um {time}", "am {day}, dem {date}, um {time}"),
    "en": ("today at {time}", "tomorrow, {day} {date}, at {time}", "on {day} {date} at {time}"),
}
_SOON = {"fr": "prochainement", "nl": "binnenkort", "de": "in Kürze", "en": "soon"}
# (one day, a range of days, one time interval, the word joining lists)
_HOURS = {
    "fr": ("le {a}", "du {a} au {b}", "de {start} à {end}", "et"),
    "nl": ("op {a}", "van {a} tot {b}", "van {start} tot {end}", "en"),
    "de": ("am {a}", "von {a} bis {b}", "von {start} bis {end}", "und"),
    "en": ("on {a}", "{a} to {b}", "from {start} to {end}", "and"),
}
_ADDRESS_WORDS = {
    "fr": {"@": "arobase", ".": "point", "-": "tiret", "_": "tiret bas"},
    "nl": {"@": "apenstaartje", ".": "punt", "-": "streepje", "_": "underscore"},
    "de": {"@": "at", ".": "Punkt", "-": "Bindestrich", "_": "Unterstrich"},
    "en": {"@": "at", ".": "dot", "-": "dash", "_": "underscore"},
}
SPELL_MAX = 3  # address parts this short are spelled letter by letter ("b e", not "be")


@dataclass(frozen=True)
class SpeechFacts:
    """What the texts mention, in the office's wall-clock time."""

    now: datetime
    next_open: datetime | None
    hours: OpeningHours
    address: str


def check_kind(value: str) -> str:
    """Return an announcement kind of ours, or raise InvalidInput."""
    kind = value.strip().lower()
    if kind not in KINDS:
        choices = ", ".join(KINDS)
        raise InvalidInput(f"{value!r} is not an announcement ({choices}).", {"kind": choices})
    return kind


def check_template(text: str, source: str) -> str:
    """Return an operator template, or raise InvalidInput naming ``source`` and what is wrong with it."""
    body = text.strip()
    if not body or len(body) > MAX_TEMPLATE:
        raise InvalidInput(f"The announcement text {source} must hold 1 to {MAX_TEMPLATE} characters.")
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(body) if name is not None}
    except ValueError as exc:
        raise InvalidInput(f"The announcement text {source} has a stray brace: {exc}.") from None
    unknown = sorted(fields - PLACEHOLDERS)
    if unknown:
        raise InvalidInput(f"The announcement text {source} uses unknown placeholder(s) {', '.join(unknown)} "
                           f"(use {{hours}}, {{when}}, {{address}}).")
    return body


def speak(template: str, language: str, facts: SpeechFacts) -> str:
    """Fill a (checked) template with the facts spoken in ``language``."""
    return template.format(hours=spoken_hours(language, facts.hours),
                           when=spoken_when(language, facts.now, facts.next_open),
                           address=spoken_address(language, facts.address))


def spoken_when(language: str, now: datetime, next_open: datetime | None) -> str:
    """Say when the office reopens: today at…, tomorrow, <day> <date>, at…, or on <day> <date> at…."""
    if next_open is None:
        return _SOON[language]
    days = (next_open.date() - now.date()).days
    pattern = _WHEN[language][0 if days <= 0 else 1 if days == 1 else 2]
    return pattern.format(day=WEEKDAY_NAMES[language][next_open.weekday()],
                          date=spoken_date(language, next_open), time=spoken_time(language, next_open.time()))


def spoken_date(language: str, when: datetime) -> str:
    """Say a day of the month and its month ("1er décembre", "1. Dezember", "1 December")."""
    month = _MONTHS[language][when.month - 1]
    if language == "fr":
        return f"{'1er' if when.day == 1 else when.day} {month}"
    if language == "de":
        return f"{when.day}. {month}"
    return f"{when.day} {month}"


def spoken_time(language: str, at: time) -> str:
    """Say a wall-clock time as people say it on the phone ("8 heures 30", "8 uur 30", "8:30 am")."""
    if language == "en":
        hour = at.hour % 12 or 12
        suffix = "am" if at.hour < 12 else "pm"  # no dots: a sentence may end right after
        return f"{hour}:{at.minute:02d} {suffix}" if at.minute else f"{hour} {suffix}"
    unit = {"fr": "heures", "nl": "uur", "de": "Uhr"}[language]
    if language == "fr" and at.hour <= 1:
        unit = "heure"
    return f"{at.hour} {unit} {at.minute}" if at.minute else f"{at.hour} {unit}"


def spoken_hours(language: str, hours: OpeningHours) -> str:
    """Say the weekly opening hours, weekdays with the same hours grouped into ranges."""
    one_day, day_range, interval, conj = _HOURS[language]
    names = WEEKDAY_NAMES[language]
    parts = []
    for first, last, intervals in _day_groups(hours):
        days = (one_day.format(a=names[first]) if first == last
                else day_range.format(a=names[first], b=names[last]))
        said = [interval.format(start=spoken_time(language, start), end=spoken_time(language, end))
                for start, end in intervals]
        ranges = f" {conj} ".join(said)
        parts.append(f"{days} {ranges}")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f", {conj} " + parts[-1]


def _day_groups(hours: OpeningHours) -> list[tuple[int, int, tuple[Interval, ...]]]:
    """Return runs of consecutive weekdays that share the same intervals: (first, last, intervals)."""
    groups: list[tuple[int, int, tuple[Interval, ...]]] = []
    for weekday in range(7):
        intervals = hours.intervals(weekday)
        if not intervals:
            continue
        if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == intervals:
            groups[-1] = (groups[-1][0], weekday, intervals)
        else:
            groups.append((weekday, weekday, intervals))
    return groups


def spoken_address(language: str, address: str) -> str:
    """Spell an e-mail address as one dictates it: 'question arobase m i tiret i s point b e'."""
    words = _ADDRESS_WORDS[language]
    local, _, domain = address.strip().partition("@")
    spoken = [_spoken_part(local, words, spell=False)]
    if domain:
        spoken += [words["@"], _spoken_part(domain, words, spell=True)]
    return " ".join(spoken)


def _spoken_part(text: str, words: dict[str, str], *, spell: bool) -> str:
    out: list[str] = []
    token = ""
    for char in text + ".":  # the sentinel flushes the last token (and is dropped below)
        if char in words:
            if token:
                out.append(" ".join(token) if spell and len(token) <= SPELL_MAX else token)
            out.append(words[char])
            token = ""
        else:
            token += char
    return " ".join(out[:-1])

