"""What a caller hears instead of ringing: "closed" (with the next opening and where to write) or "busy".

The text goes with the CTI decision for telephony that reads it out (text-to-speech) or shows it; the
recorded announcements of our own SIP side use the same facts.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.domain.closures import WEEKDAY_NAMES

_CLOSED = {
    "fr": "Notre service est fermé. Nous rouvrons le {day} {date} à {time}. "
          "Vous pouvez aussi nous écrire à {address}.",
    "nl": "Onze dienst is gesloten. We zijn opnieuw bereikbaar op {day} {date} om {time}. "
          "U kunt ons ook schrijven op {address}.",
    "de": "Unser Dienst ist geschlossen. Wir sind wieder erreichbar am {day}, {date} um {time} Uhr. "
          "Sie können uns auch an {address} schreiben.",
    "en": "Our office is closed. We open again on {day} {date} at {time}. "
          "You can also write to us at {address}.",
}
_BUSY = {
    "fr": "Tous nos collaborateurs sont en ligne. Veuillez rappeler plus tard ou nous écrire à {address}.",
    "nl": "Al onze medewerkers zijn in gesprek. Bel later opnieuw of schrijf ons op {address}.",
    "de": "Alle Mitarbeitenden sind im Gespräch. Bitte rufen Sie später an oder schreiben Sie an {address}.",
    "en": "All our staff are on a call. Please call again later or write to us at {address}.",
}
_CALLBACK = {
    "fr": "Tous nos collaborateurs sont en ligne. Nous avons noté votre numéro et nous vous rappellerons.",
    "nl": "Al onze medewerkers zijn in gesprek. We hebben uw nummer genoteerd en bellen u terug.",
    "de": "Alle Mitarbeitenden sind im Gespräch. Wir haben Ihre Nummer notiert und rufen Sie zurück.",
    "en": "All our staff are on a call. We have noted your number and will call you back.",
}


def closed_text(language: str, next_open: datetime | None, address: str) -> str:
    """Say the office is closed, when it opens (office wall-clock time) and where to write."""
    lang = language if language in _CLOSED else "en"
    if next_open is None:
        return _CLOSED[lang].split(". ")[0] + ". " + _CLOSED[lang].split(". ")[-1].format(address=address)
    day = WEEKDAY_NAMES[lang][next_open.weekday()]
    return _CLOSED[lang].format(day=day, date=next_open.strftime("%d/%m/%Y"),
                                time=next_open.strftime("%H:%M"),
                                address=address)


def busy_text(language: str, address: str, callback: bool) -> str:
    """Say every agent is busy; promise a call back when the missed call became a callback item."""
    lang = language if language in _BUSY else "en"
    return _CALLBACK[lang] if callback else _BUSY[lang].format(address=address)


# The question a missed call becomes, and the contact created for a number nobody gave us.
MISSED_CALL_SUBJECT = {
    "fr": "Appel manqué (tous les collaborateurs occupés) : rappeler",
    "nl": "Gemiste oproep (alle medewerkers bezet): terugbellen",
    "de": "Verpasster Anruf (alle Mitarbeitenden besetzt): zurückrufen",
    "en": "Missed call (all staff busy): call back",
}
UNKNOWN_CALLER_NAME = {"fr": "Appelant {number}", "nl": "Beller {number}", "de": "Anrufer {number}",
                       "en": "Caller {number}"}
