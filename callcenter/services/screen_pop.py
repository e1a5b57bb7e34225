"""The screen-pop: who is calling, their open questions with working days left, their last calls.

This is the payload of ``GET /api/v1/contacts/lookup?number=…``; it runs on every ringing call, so it
reads with at most three indexed statements (four for a switchboard two organisations share): who has
the number (contacts with their numbers, organisations whose switchboard it is, their first members),
their open questions, and the last calls. ``contacts[].last_calls`` are a contact's own last calls
when the number is theirs or a household's (a few people share it); behind a switchboard, or a number
many people gave, they are null (not read: the calls from such a number are nobody's in particular).
Whenever the match is only possible, ``last_calls_from_number`` holds the last ended calls from the
number, whoever made them (not the one ringing now); null otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, tzinfo

from callcenter.domain.calls import Call
from callcenter.domain.contacts import Contact, Match
from callcenter.domain.phone import normalise_and_format_phone, normalise_phone
from callcenter.domain.questions import Question, working_days_left
from callcenter.services.crm_ports import (
    CrmUnitOfWork,
    CrmUowFactory,
    JsonDict,
    NumberMatches,
    WorkingCalendar,
    iso,
)
from callcenter.services.crm_views import call_dict, contact_dict, organisation_dict
from callcenter.services.ports import Clock

MAX_CONTACTS = 10  # a big CPAS switchboard has hundreds of officers; the panel offers a search beyond
LAST_CALLS = 5
MAX_OPEN_QUESTIONS = 100
HOUSEHOLD = 4  # up to this many people sharing a number (a home line), each shows their own last calls


WorkingDaysLeft = Callable[[date, date], int]  # (today, due day) -> working days left, negative when past


@dataclass(frozen=True)
class _Found:
    matches: NumberMatches
    questions: list[Question]
    calls: dict[int, list[Call]]  # only the contacts whose own last calls are shown
    from_number: list[Call] | None  # None: not read (one owner, or nobody)


class ScreenPopService:
    def __init__(self, uow: CrmUowFactory, clock: Clock, calendar: WorkingCalendar, tz: tzinfo, *,
                 max_contacts: int = MAX_CONTACTS, last_calls: int = LAST_CALLS,
                 working_days_left: WorkingDaysLeft | None = None) -> None:
        """``working_days_left``: a counter the composition memoises across lookups (the office calendar
        knows when its closures change); without it, the calendar is asked day by day at each lookup."""
        self._uow = uow
        self._clock = clock
        self._calendar = calendar
        self._tz = tz
        self._max_contacts = max_contacts
        self._last_calls = last_calls
        self._working_days_left = working_days_left

    def lookup(self, number: str) -> JsonDict:
        """Return who ``number`` belongs to, each with open questions and last calls (see module doc)."""
        e164, display = normalise_and_format_phone(number, field="number")
        with self._uow() as uow:
            found = self._read(uow, e164)
        matches = found.matches
        contacts = matches.direct + matches.via_switchboard
        match = _match(matches)
        render = self._question_renderer()
        from_number = found.from_number
        return {
            "number": e164,
            "display": display,
            "unknown": not contacts and not matches.switchboards,
            "organisations": [organisation_dict(org) for org in matches.switchboards],
            "contacts": [self._contact(c, match, matches, found, render) for c in contacts],
            "more_contacts": matches.truncated,
            "last_calls_from_number": None if from_number is None else [call_dict(c) for c in from_number],
        }

    def callers(self, number: str) -> JsonDict:
        """Return who ``number`` belongs to, as lookup() would list them but with only each contact's
        ``id``, ``language`` and ``match``: one statement (routing needs no more to decide)."""
        e164 = normalise_phone(number, field="number")
        with self._uow() as uow:
            matches = uow.contacts.match_number(e164, self._max_contacts)
        match = _match(matches).value
        return {"number": e164, "contacts": [{"id": c.id, "language": c.language.value, "match": match}
                                             for c in matches.direct + matches.via_switchboard]}

    def _read(self, uow: CrmUnitOfWork, e164: str) -> _Found:
        matches = uow.contacts.match_number(e164, self._max_contacts)
        ids = [c.id for c in matches.direct + matches.via_switchboard]
        questions = uow.questions.open_for_contacts(ids, MAX_OPEN_QUESTIONS) if ids else []
        own = _showing_own_calls(matches)
        shared = bool(ids or matches.switchboards) and _match(matches) is Match.POSSIBLE
        if not own and not shared:
            return _Found(matches, questions, {}, None)
        calls = uow.calls.last_calls(own, self._last_calls, e164 if shared else None)
        return _Found(matches, questions, calls.of_contacts, calls.from_number if shared else None)

    def _contact(self, contact: Contact, match: Match, matches: NumberMatches, found: _Found,
                 render: Callable[[Question], JsonDict]) -> JsonDict:
        org = matches.organisations.get(contact.organisation_id) if contact.organisation_id else None
        calls = found.calls.get(contact.id)
        return {
            **contact_dict(contact, org),
            "match": match.value,
            "open_questions": [render(q) for q in found.questions if q.contact_id == contact.id],
            "last_calls": None if calls is None else [call_dict(call) for call in calls],
        }

    def _question_renderer(self) -> Callable[[Question], JsonDict]:
        """Return a renderer that counts working days left from now, asking the calendar once per date."""
        now = self._clock.now()
        tz = self._tz
        today = now.astimezone(tz).date()
        count = self._working_days_left
        if count is None:
            known: dict[date, bool] = {}

            def is_working_day(day: date) -> bool:
                if day not in known:
                    known[day] = self._calendar.is_working_day(day)
                return known[day]

            def count(today: date, due_day: date) -> int:
                return working_days_left(today, due_day, is_working_day)

        def render(q: Question) -> JsonDict:
            left = count(today, q.due_at.astimezone(tz).date())
            return _open_question(q, left, overdue=now > q.due_at)

        return render


def _showing_own_calls(matches: NumberMatches) -> list[int]:
    """Return the contacts whose own last calls are shown: the owner or the household of the number.

    Not the people behind a switchboard (or a number many gave): a call from a shared number is
    recorded as nobody's (callcenter.services.calls), and ten officers' own calls would double the
    time of the lookup.
    """
    if matches.switchboards or len(matches.direct) > HOUSEHOLD:
        return []
    return [c.id for c in matches.direct]


def _match(matches: NumberMatches) -> Match:
    """Exact only when one contact gave the number and it is nobody's switchboard."""
    alone = len(matches.direct) == 1 and not matches.via_switchboard and not matches.switchboards
    return Match.EXACT if alone else Match.POSSIBLE


def _open_question(q: Question, days_left: int, *, overdue: bool) -> JsonDict:
    return {
        "registration_number": q.registration_number,
        "type": q.type.value,
        "topic": q.topic_code,
        "subject": q.subject,
        "status": q.status.value,
        "track": q.track.value,
        "received_at": iso(q.received_at),
        "due": iso(q.due_at),
        "working_days_left": days_left,
        "overdue": overdue,
    }
