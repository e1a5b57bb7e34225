"""The screen-pop: who is calling, their open questions with working days left, their last calls.

This is the payload of ``GET /api/v1/contacts/lookup?number=…``; it runs on every ringing call, so it
reads with four indexed queries: who owns the number (contacts and organisations), their numbers,
their open questions, their last calls.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, tzinfo

from callcenter.domain.calls import Call
from callcenter.domain.contacts import Contact, Match
from callcenter.domain.phone import format_phone, normalise_phone
from callcenter.domain.questions import Question, working_days_left
from callcenter.services.crm_ports import CrmUowFactory, JsonDict, NumberMatches, WorkingCalendar, iso
from callcenter.services.crm_views import call_dict, contact_dict, organisation_dict
from callcenter.services.ports import Clock

MAX_CONTACTS = 10  # a big CPAS switchboard has hundreds of officers; the panel offers a search beyond
LAST_CALLS = 5
MAX_OPEN_QUESTIONS = 100


class ScreenPopService:
    def __init__(self, uow: CrmUowFactory, clock: Clock, calendar: WorkingCalendar, tz: tzinfo, *,
                 max_contacts: int = MAX_CONTACTS, last_calls: int = LAST_CALLS) -> None:
        self._uow = uow
        self._clock = clock
        self._calendar = calendar
        self._tz = tz
        self._max_contacts = max_contacts
        self._last_calls = last_calls

    def lookup(self, number: str) -> JsonDict:
        """Return who ``number`` belongs to, each with open questions and last calls (see module doc)."""
        e164 = normalise_phone(number, field="number")
        with self._uow() as uow:
            matches = uow.contacts.match_number(e164, self._max_contacts)
            contacts = matches.direct + matches.via_switchboard
            ids = [c.id for c in contacts]
            questions = uow.questions.open_for_contacts(ids, MAX_OPEN_QUESTIONS) if ids else []
            calls = uow.calls.last_for_contacts(ids, self._last_calls) if ids else {}
        match = _match(matches)
        render = self._question_renderer()
        return {
            "number": e164,
            "display": format_phone(e164),
            "unknown": not contacts and not matches.switchboards,
            "organisations": [organisation_dict(org) for org in matches.switchboards],
            "contacts": [self._contact(c, match, matches, questions, calls.get(c.id, []), render)
                         for c in contacts],
            "more_contacts": matches.truncated,
        }

    def _contact(self, contact: Contact, match: Match, matches: NumberMatches, questions: list[Question],
                 calls: list[Call], render: Callable[[Question], JsonDict]) -> JsonDict:
        org = matches.organisations.get(contact.organisation_id) if contact.organisation_id else None
        return {
            **contact_dict(contact, org),
            "match": match.value,
            "open_questions": [render(q) for q in questions if q.contact_id == contact.id],
            "last_calls": [call_dict(call) for call in calls],
        }

    def _question_renderer(self) -> Callable[[Question], JsonDict]:
        """Return a renderer that counts working days left from now, asking the calendar once per date."""
        now = self._clock.now()
        today = now.astimezone(self._tz).date()
        known: dict[date, bool] = {}

        def is_working_day(day: date) -> bool:
            if day not in known:
                known[day] = self._calendar.is_working_day(day)
            return known[day]

        def render(q: Question) -> JsonDict:
            left = working_days_left(today, q.due_at.astimezone(self._tz).date(), is_working_day)
            return _open_question(q, left, overdue=now > q.due_at)

        return render


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
