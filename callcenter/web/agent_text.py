"""What the panels' scripts say, in the user's language: handed to agent.js and supervisor.js as JSON.

The scripts build the screen-pop and the supervision tables from live events, so every word they show
is translated here, server-side, with the same catalogs as the pages. Placeholders for the scripts are
written ``{name}``; ``plural`` is an extraction keyword (see translations/panel.cfg).
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_translations, gettext

from callcenter.domain.call_events import CallOutcome
from callcenter.domain.presence import PresenceStatus
from callcenter.domain.questions import Status


def presence_names() -> dict[str, str]:
    """Name every presence state."""
    return {
        PresenceStatus.OFFLINE: gettext("Offline"),
        PresenceStatus.AVAILABLE: gettext("Available"),
        PresenceStatus.RINGING: gettext("Ringing"),
        PresenceStatus.ON_CALL: gettext("On a call"),
        PresenceStatus.WRAP_UP: gettext("Wrap-up"),
        PresenceStatus.PAUSED: gettext("Paused"),
    }


def outcome_names() -> dict[str, str]:
    """Name every outcome of a call."""
    return {
        CallOutcome.ANSWERED: gettext("answered"),
        CallOutcome.ABANDONED: gettext("caller hung up"),
        CallOutcome.BUSY: gettext("all agents busy"),
        CallOutcome.OUT_OF_HOURS: gettext("out of hours"),
    }


def question_status_names() -> dict[str, str]:
    """Name every question status."""
    return {
        Status.REGISTERED: gettext("Registered"),
        Status.IN_PROGRESS: gettext("In progress"),
        Status.TRANSFERRED: gettext("Transferred"),
        Status.DELAYED: gettext("Delayed"),
        Status.ANSWERED: gettext("Answered"),
        Status.CLOSED: gettext("Closed"),
    }


def plural(singular: str, plural_form: str) -> dict[str, str]:
    """Return both forms of a message with {n} for the script, keyed like Intl.PluralRules categories."""
    translations = get_translations()  # raw ngettext: the number is put in by the script
    return {"one": translations.ngettext(singular, plural_form, 1),
            "other": translations.ngettext(singular, plural_form, 2)}


def common_text() -> dict[str, Any]:
    """Return what both panels' scripts say about the connection and errors."""
    return {
        "presence": presence_names(),
        "live_connecting": gettext("Live updates: connecting…"),
        "live_on": gettext("Live updates: connected."),
        "live_off": gettext("Live updates: interrupted, reconnecting…"),
        "session_ended": gettext("Your session has ended: log in again."),
        "failed": gettext("That did not work: {reason}"),
        "network": gettext("The server could not be reached. Try again."),
    }


def language_names() -> dict[str, str]:
    """Name the languages of callers and agents."""
    return {"fr": gettext("French"), "nl": gettext("Dutch"), "de": gettext("German"),
            "en": gettext("English")}


def panel_text() -> dict[str, Any]:
    """Return everything agent.js says."""
    return {
        **common_text(),
        "incoming": gettext("Incoming call: {caller}"),
        "phone": phone_texts(),
        "unknown_number": gettext("Unknown number"),
        "possible_callers": plural("{n} possible caller", "{n} possible callers"),
        "shared_number": gettext("Several people use this number: ask who is calling."),
        "more_contacts": gettext("More people use this number than are shown here."),
        "switchboard_of": gettext("Switchboard of {name}"),
        "possible_match": gettext("(possible match)"),
        "number": gettext("Number"),
        "dialled": gettext("Number dialled"),
        "language": gettext("Language"),
        "languages": language_names(),
        "organisation": gettext("Organisation"),
        "email": gettext("E-mail"),
        "open_questions": gettext("Open questions"),
        "open_questions_of": gettext("Open questions of {name}"),
        "no_open_questions": gettext("No open questions."),
        "last_calls": gettext("Last calls"),
        "no_last_calls": gettext("No earlier calls."),
        "calls_from_number": gettext("Last calls from this number"),
        "no_calls_from_number": gettext("No earlier calls from this number."),
        "columns": [gettext("Registration number"), gettext("Subject"), gettext("Status"), gettext("Due"),
                    gettext("Deadline"), gettext("Actions")],
        "question_status": question_status_names(),
        "days_left": plural("{n} working day left", "{n} working days left"),
        "due_today": gettext("Due today"),
        "overdue": gettext("Overdue"),
        "overdue_by": plural("Overdue by {n} working day", "Overdue by {n} working days"),
        "link_call": gettext("Link this call"),
        "work_on": gettext("Work on it"),
        "working_on": gettext("Question {reg}"),
        "new_caller": gettext("A new caller"),
        "direction": {"inbound": gettext("Incoming"), "outbound": gettext("Outgoing")},
        "outcome": outcome_names(),
        "call_phase": {"ringing": gettext("Ringing"), "on_call": gettext("On the call"),
                       "taken": gettext("Answered by a colleague"), "ended": gettext("Call ended"),
                       "gone": gettext("The caller hung up")},
        "no_experts": gettext("No competent expert is free today."),
        "expert_available": gettext("{name} (available now)"),
        "expert_later": gettext("{name} (free from {time})"),
    }


def board_text() -> dict[str, Any]:
    """Return everything supervisor.js says."""
    return {
        **common_text(),
        "languages": language_names(),
        "unknown_number": gettext("Unknown number"),
        "call_state": {"new": gettext("Arriving"), "waiting": gettext("Waiting"),
                       "ringing": gettext("Ringing")},
        "phone": phone_texts(),
    }


def phone_texts() -> dict[str, str]:
    """Say whether an agent's SIP phone is registered (agent panel, supervision)."""
    return {"registered": gettext("Phone registered"),
            "unregistered": gettext("Phone not registered: calls cannot ring it")}
