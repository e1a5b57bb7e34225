"""What the public status page says, in the reader's language: field problems, notices, statuses, dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from flask_babel import get_locale, gettext, lazy_gettext, ngettext

from callcenter.domain.public_status import FACTOR_FIELD, REGISTRATION_FIELD, PublicStatus
from callcenter.domain.questions import Status
from callcenter.web.i18n import DEFAULT_LANGUAGE

EXAMPLE_NUMBER = "2026-4821-7730-55"  # a well-formed number (its check digits are right)
FIELD_ORDER = (REGISTRATION_FIELD, FACTOR_FIELD)

_STATUS_TEXT = {
    Status.REGISTERED: (lazy_gettext("Registered"),
                        lazy_gettext("We have registered your question and will answer it.")),
    Status.IN_PROGRESS: (lazy_gettext("Being handled"),
                         lazy_gettext("A member of our staff is working on your question.")),
    Status.TRANSFERRED: (lazy_gettext("Passed to the competent department"),
                         lazy_gettext("Your question has been passed to the department that can answer it.")),
    Status.DELAYED: (lazy_gettext("Delayed"),
                     lazy_gettext("Answering your question takes longer than planned. We have told you "
                                  "why and when you can expect our answer.")),
    Status.ANSWERED: (lazy_gettext("Answered"), lazy_gettext("We have answered your question.")),
    Status.CLOSED: (lazy_gettext("Closed"),
                    lazy_gettext("We have answered your question and closed its file.")),
}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class Notice:
    kind: str  # not-found, too-many, expired, failure: a CSS hook, never the only signal
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class StatusView:
    number: str
    status: str
    explanation: str
    received: str
    due: str
    answered: str | None
    closed: str | None


def field_errors(fields: dict[str, str]) -> list[FieldError]:
    """Turn a lookup's field problems into messages, in the order of the form."""
    return [FieldError(name, _field_message(name, fields[name])) for name in FIELD_ORDER if name in fields]


def _field_message(name: str, problem: str) -> str:
    if name == REGISTRATION_FIELD:
        if problem == "required":
            return gettext("Enter the registration number of your question.")
        if problem == "mistyped":
            return gettext("This registration number contains a typing error: please check each digit.")
        return gettext("Enter the registration number as we gave it to you, for example %(example)s.",
                       example=EXAMPLE_NUMBER)
    if problem == "required":
        return gettext("Enter the e-mail address or the phone number you gave us.")
    return gettext("Enter an e-mail address (such as name@example.be) or a phone number "
                   "(such as 0471 12 34 56).")


def not_found_notice() -> Notice:
    """Say the same thing whether the number is unknown or the e-mail or phone number is not its own."""
    return Notice("not-found", gettext("No question found"), (
        gettext("We found no question with this number and this e-mail address or phone number."),
        gettext("Please check both and try again."),
    ))


def too_many_notice(retry_after_s: int) -> Notice:
    minutes = max(1, -(-retry_after_s // 60))
    return Notice("too-many", gettext("Too many attempts"), (
        ngettext("For your security, please wait %(num)d minute before trying again.",
                 "For your security, please wait %(num)d minutes before trying again.", minutes),
    ))


def expired_notice() -> Notice:
    return Notice("expired", gettext("The form has expired"), (
        gettext("For your security, the form is only valid for a limited time. Please fill it in again."),
    ))


def failure_notice() -> Notice:
    return Notice("failure", gettext("Sorry, there is a problem with the service"), (
        gettext("Please try again later."),
    ))


def status_view(found: PublicStatus, zone: ZoneInfo) -> StatusView:
    """Render a question's public status with dates in the office's time zone and the reader's language."""
    word, explanation = _STATUS_TEXT[found.status]
    return StatusView(
        number=found.registration_number, status=str(word), explanation=str(explanation),
        received=_date(found.received_at, zone), due=_date_time(found.due_at, zone),
        answered=_date_time(found.answered_at, zone) if found.answered_at else None,
        closed=_date_time(found.closed_at, zone) if found.closed_at else None,
    )


def _locale() -> Locale:
    language = get_locale()
    return Locale(language.language if language is not None else DEFAULT_LANGUAGE, "BE")


def _date(moment: datetime, zone: ZoneInfo) -> str:
    return str(format_date(moment.astimezone(zone), "full", locale=_locale()))


def _date_time(moment: datetime, zone: ZoneInfo) -> str:
    time = format_time(moment, "HH:mm", tzinfo=zone, locale=_locale())
    return gettext("%(date)s at %(time)s", date=_date(moment, zone), time=time)
