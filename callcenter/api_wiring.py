"""Composition of the use cases behind the REST API that combine CRM features in one transaction.

Each composite gets factories that build the question and contact use cases on a unit of work it
chooses (its own, joined), wired exactly as the shared ones in callcenter.crm_wiring.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from callcenter import crm_wiring
from callcenter.services.contact_edits import ContactEdits
from callcenter.services.contacts import ContactService
from callcenter.services.crm_ports import CrmUowFactory
from callcenter.services.question_desk import QuestionDesk
from callcenter.services.question_lists import QuestionLists
from callcenter.services.questions import QuestionService


def build_question_desk(s: Any) -> QuestionDesk:
    return QuestionDesk(s.uow, _questions_on(s), _contacts_on(s))


def build_contact_edits(s: Any) -> ContactEdits:
    return ContactEdits(s.uow, _contacts_on(s))


def build_question_lists(s: Any) -> QuestionLists:
    return QuestionLists(s.uow, s.clock)


def _questions_on(s: Any) -> Callable[[CrmUowFactory], QuestionService]:
    return lambda uow: crm_wiring.build_questions(dataclasses.replace(s, uow=uow))


def _contacts_on(s: Any) -> Callable[[CrmUowFactory], ContactService]:
    return lambda uow: crm_wiring.build_contacts(dataclasses.replace(s, uow=uow))
