"""The refusals the staff pages can meet, as sentences in the user's language (agent panel, supervision).

web/errors.py answers every refusal with ``{"error": code, "message": ..., "fields": ...}``. When a
logged-in browser asked (``auth.from_browser_session``), the message is taken from here in the
language of the page; API clients, the CTI API and the voice webhooks keep the domain's English sentence.
The code and ``fields`` never change.

A code maps to sentences by what its ``fields`` say: ``(field, reason)`` pairs are tried first, in order
(``ANY`` matches any field or any reason; a reason ending in ``*`` matches the reasons that start
with what comes before it), then ``None``, the code's sentence for every other case. A code
without an entry (or with no sentence that fits) keeps its English message. ``%(value)s`` in a sentence
takes the reason given in ``fields`` (the only value a refusal carries besides its code); the password
limits are the domain's constants.

Extract and update the catalog errors.po with the commands in translations/errors.cfg.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString, lazy_gettext

from callcenter.domain.identity import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

ANY = "*"
Case = tuple[str, str] | None  # (field, reason), or None: every other case of the code

NO_EMAIL = lazy_gettext("The answer goes by e-mail but the caller has no e-mail address.")
NO_NUMBER = lazy_gettext("The answer goes by phone but the caller has no phone number.")
NO_CONTACT = lazy_gettext("This caller cannot be found.")
NO_TOPIC = lazy_gettext("This topic does not exist or is no longer used.")
NOT_COMPETENT = lazy_gettext("This expert is not competent for the topic of the question.")
SESSION_OVER = lazy_gettext("You are not logged in or your session has ended: log in again.")
INTERNAL = lazy_gettext("Something went wrong on our side; the error was logged.")
NOT_ALLOWED = lazy_gettext("You are not allowed to do this.")

ERROR_SENTENCES: dict[str, dict[Case, LazyString]] = {
    # Logging in, sessions, rights.
    "invalid-credentials": {None: SESSION_OVER},
    "session-expired": {None: lazy_gettext("Your session was idle too long: log in again.")},
    "forbidden": {
        ("scope", ANY): lazy_gettext("You are not allowed to do this (it needs the right %(value)s)."),
        None: NOT_ALLOWED,
    },
    "csrf-failed": {
        None: lazy_gettext("The form has expired or was not sent from this site: reload the page."),
    },
    "weak-password": {
        ("password", "too short"): lazy_gettext("The password is too short: use at least %(min)s characters.",
                                                min=PASSWORD_MIN_LENGTH),
        ("password", "too long"): lazy_gettext("The password is too long: use at most %(max)s characters.",
                                               max=PASSWORD_MAX_LENGTH),
        None: lazy_gettext("The password must not be blank or contain the username."),
    },
    # Presence.
    "agent-on-call": {None: lazy_gettext("You are on a call: wait until it ends.")},
    "not-an-agent": {
        None: lazy_gettext("You are not an active agent: ask a supervisor to set up your profile."),
    },
    "no-such-agent": {None: lazy_gettext("You have no agent profile yet: ask a supervisor to create it.")},
    # Questions and calls.
    "no-such-question": {None: lazy_gettext("There is no question with this registration number.")},
    "mistyped-registration-number": {
        None: lazy_gettext("This registration number has a typo: check it and try again."),
    },
    "registration-number-taken": {
        None: lazy_gettext("This registration number is already taken: try again."),
    },
    "invalid-transition": {None: lazy_gettext("This is not possible in the current status of the question.")},
    "question-closed": {None: lazy_gettext("This question is closed: it can no longer be changed.")},
    "question-not-open": {
        None: lazy_gettext("This question is no longer open: it is already answered or closed."),
    },
    "no-such-call": {None: lazy_gettext("This call cannot be found.")},
    "call-over": {None: lazy_gettext("This call is already over.")},
    "request-in-progress": {
        None: lazy_gettext("This request is still being processed: try again in a moment."),
    },
    "no-such-contact": {None: NO_CONTACT},
    "no-such-topic": {None: NO_TOPIC},
    "not-an-expert": {None: lazy_gettext("This person is not an active back-office expert.")},
    "not-competent": {
        ("topic", ANY): lazy_gettext("File the question under a topic before transferring it."),
        None: NOT_COMPETENT,
    },
    "no-way-to-notify": {
        (ANY, "no e-mail address"): NO_EMAIL,
        (ANY, "no number"): NO_NUMBER,
        ("owner_user_id", ANY): lazy_gettext(
            "The question has no owner to call the citizen back: assign it first."),
    },
    "no-such-callback-task": {None: lazy_gettext("This call-back task cannot be found.")},
    "callback-task-done": {None: lazy_gettext("This call-back was already done.")},
    "conflict": {
        ("call_id", "linked"): lazy_gettext("This call is already linked to this question."),
        ("expert_user_id", "already the owner"): lazy_gettext("The question is already with this expert."),
    },
    "rule-violation": {
        (ANY, "no such contact"): NO_CONTACT,
        (ANY, "no e-mail address"): NO_EMAIL,
        (ANY, "no number"): NO_NUMBER,
        ("topic", "no such active topic"): NO_TOPIC,
        ("due_day", "not a working day"): lazy_gettext("This day is not a working day: choose another."),
        ("due", "not in the future"): lazy_gettext("The new date must be in the future."),
        ("due", "not after the current due time"): lazy_gettext(
            "The new date must come after the current due date."),
    },
    "invalid-input": {
        ("status", "one of *"): lazy_gettext("Choose one of the statuses offered."),
        ("reason", "one of *"): lazy_gettext("Choose the reason for your pause."),
        ("due_day", ANY): lazy_gettext("Choose the new date."),
        ("expert_id", ANY): lazy_gettext("Choose an expert from the list."),
        ("contact", "not with contact_id"): lazy_gettext(
            "Choose a known caller or enter a new one, not both."),
        ("contact_id", ANY): lazy_gettext("Choose the caller or enter a new one."),
        (ANY, "not a registration number"): lazy_gettext("This is not a registration number: check it."),
        (ANY, "not an e-mail address"): lazy_gettext("This e-mail address is not valid."),
        (ANY, "required"): lazy_gettext("Fill in the required fields."),
        None: lazy_gettext("Some information is missing or not valid: check the form and try again."),
    },
    "internal-error": {None: INTERNAL},
}

# HTTP errors met outside any use case, by status.
HTTP_SENTENCES: dict[int, LazyString] = {
    400: lazy_gettext("The request could not be read: reload the page and try again."),
    401: SESSION_OVER,
    403: NOT_ALLOWED,
    404: lazy_gettext("This page or item does not exist."),
    405: lazy_gettext("This action is not possible here."),
    413: lazy_gettext("What you sent is too large."),
    429: lazy_gettext("Too many requests: wait a moment and try again."),
    500: INTERNAL,
}


def error_sentence(code: str, fields: Mapping[str, str] | None = None) -> str | None:
    """Return the sentence for an error ``code`` with its ``fields``, translated; None when there is none."""
    sentences = ERROR_SENTENCES.get(code)
    if not sentences:
        return None
    given = fields or {}
    for case, sentence in sentences.items():
        if case is None:
            continue
        field, reason = case
        for name, said in given.items():
            if field in (ANY, name) and _fits(reason, str(said)):
                return _filled(sentence, str(said))
    default = sentences.get(None)
    return str(default) if default is not None else None


def http_sentence(status: int) -> str | None:
    """Return the sentence for an HTTP error status, translated; None when there is none."""
    sentence = HTTP_SENTENCES.get(status)
    return str(sentence) if sentence is not None else None


def _fits(reason: str, said: str) -> bool:
    return reason in (ANY, said) or (reason.endswith(ANY) and said.startswith(reason[:-1]))


def _filled(sentence: LazyString, value: str) -> str:
    text = str(sentence)
    return text.replace("%(value)s", value) if "%(value)s" in text else text
