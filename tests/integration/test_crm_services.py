"""CRM use cases on SQLite and PostgreSQL: register, look up, shared numbers, history, tracks, FAQ needs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from callcenter.bootstrap import Services
from callcenter.domain.errors import InvalidInput, RuleViolation
from callcenter.domain.questions import InvalidTransition, NoSuchQuestion
from callcenter.domain.registration import (
    MistypedRegistrationNumber,
    RegistrationNumberTaken,
    check_digits,
    new_registration_number,
)
from callcenter.services.contacts import ContactIn
from callcenter.services.questions import RegisterQuestion
from tests.integration.crm_support import T0, ask, citizen, count, crm_services, topic  # noqa: F401


def test_register_then_find_by_number_as_typed(crm: Services) -> None:
    anne = citizen(crm, "Anne Peeters", "+32 471 12 34 56")
    number = ask(crm, anne, channel="letter")
    question = crm.questions.get(number.replace("-", " "))
    assert question.registration_number == number and number.startswith("2026-")
    assert (question.channel.value, question.reply_channel.value) == ("letter", "email")
    assert question.received_at == T0 and question.status.value == "registered"
    assert question.due_at == crm.calendar.deadline(T0, "standard").due
    assert [e.kind.value for e in crm.questions.history(number)] == ["registered"]


def test_a_typo_is_reported_as_mistyped_not_as_unknown(crm: Services) -> None:
    number = ask(crm, citizen(crm))
    typo = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
    with pytest.raises(MistypedRegistrationNumber):
        crm.questions.get(typo)
    unknown = "2026-0000-0001-" + check_digits("202600000001")
    with pytest.raises(NoSuchQuestion) as caught:
        crm.questions.get(unknown)
    assert caught.value.code == "no-such-question"


def test_lookup_of_a_unique_number_pops_the_contact_with_open_questions_and_calls(crm: Services) -> None:
    anne = citizen(crm, "Anne Peeters", "02/508.85.00")
    open_number = ask(crm, anne)
    done = ask(crm, anne, subject="Attestation")
    crm.questions.mark_answered(done, "front", by=3)
    pop = crm.screen_pop.lookup("+32 2 508 85 00")
    assert pop["unknown"] is False and pop["number"] == "+3225088500"
    [contact] = pop["contacts"]
    assert (contact["id"], contact["match"], contact["language"]) == (anne, "exact", "nl")
    [question] = contact["open_questions"]
    assert question["registration_number"] == open_number
    assert question["working_days_left"] == 2 and question["overdue"] is False
    assert datetime.fromisoformat(question["due"]) == crm.calendar.deadline(T0, "standard").due


def test_overdue_questions_are_flagged_with_negative_working_days(crm: Services) -> None:
    anne = citizen(crm)
    ask(crm, anne, received_at=T0 - timedelta(days=10))  # Monday 16: due Wednesday 18 November
    [question] = crm.screen_pop.lookup("0471 12 34 56")["contacts"][0]["open_questions"]
    assert question["overdue"] is True and question["working_days_left"] == -6  # 19, 20, 23 … 26


def test_unknown_number_and_garbage(crm: Services) -> None:
    pop = crm.screen_pop.lookup("0032 9 223 45 67")
    assert (pop["unknown"], pop["contacts"], pop["organisations"]) == (True, [], [])
    with pytest.raises(InvalidInput) as caught:
        crm.screen_pop.lookup("abc")
    assert caught.value.fields == {"number": "not a phone number"}


def test_a_shared_number_returns_every_owner_as_a_possible_match(crm: Services) -> None:
    first = citizen(crm, "Jan Janssens", "02 508 85 86")
    second = citizen(crm, "Marie Janssens", "+3225088586", "0478 00 00 01")
    pop = crm.screen_pop.lookup("0032 2 508 85 86")
    assert sorted(c["id"] for c in pop["contacts"]) == [first, second]
    assert {c["match"] for c in pop["contacts"]} == {"possible"}
    assert [c["last_calls"] for c in pop["contacts"]] == [[], []]  # a household: each person's own
    assert pop["last_calls_from_number"] == []  # and the line's, whoever called from it


def test_a_switchboard_belongs_to_its_organisation_and_pops_its_officers(crm: Services) -> None:
    cpas = crm.contacts.create_organisation("CPAS de Namur", switchboard="081 33 70 11")
    officer = citizen(crm, "Luc Dubois", "0472 11 22 33", organisation_id=cpas.id)
    pop = crm.screen_pop.lookup("+32 81 33 70 11")
    assert pop["unknown"] is False
    assert [o["name"] for o in pop["organisations"]] == ["CPAS de Namur"]
    [contact] = pop["contacts"]
    assert (contact["id"], contact["match"]) == (officer, "possible")
    assert contact["organisation"]["switchboard"]["number"] == "+3281337011"
    assert (contact["last_calls"], pop["last_calls_from_number"]) == (None, [])  # the number's calls only


def test_history_is_append_only(crm: Services) -> None:
    number = ask(crm, citizen(crm))
    crm.questions.transition(number, "in_progress", by=3)
    crm.questions.add_note(number, "Called back, waiting for the CPAS decision.", by=3)
    crm.questions.record_event(number, "reminder", by="system", data={"reason": "due tomorrow"})
    history = crm.questions.history(number)
    assert [e.kind.value for e in history] == ["registered", "status_changed", "note", "reminder"]
    assert [e.by for e in history] == [3, 3, 3, "system"]
    for statement in ("UPDATE question_events SET kind = 'note'", "DELETE FROM question_events"):
        with pytest.raises(DBAPIError), crm.engine.begin() as conn:
            conn.execute(text(statement))
    assert len(crm.questions.history(number)) == 4
    with pytest.raises(RuleViolation):
        crm.questions.record_event(number, "status_changed", by=3, data={"to": "closed"})


def test_switching_track_keeps_the_receipt_time(crm: Services) -> None:
    received = T0 - timedelta(days=3)  # Monday 23 November
    number = ask(crm, citizen(crm), channel="email", received_at=received)
    switched = crm.questions.switch_track(number, "competence", by=3, reason="CPAS competence conflict")
    assert switched.received_at == received
    assert switched.due_at == crm.calendar.deadline(received, "competence").due
    event = crm.questions.history(number)[-1]
    assert event.kind.value == "track_switched" and event.data["from"] == "standard"


def test_status_flow_through_the_service(crm: Services) -> None:
    number = ask(crm, citizen(crm))
    crm.questions.transition(number, "transferred", by=3, data={"expert_user_id": 12})
    with pytest.raises(InvalidInput):
        crm.questions.transition(number, "answered", by=12)  # who answered must be said
    answered = crm.questions.mark_answered(number, "back", by=12)
    assert answered.answered_by_tier is not None and answered.answered_by_tier.value == "back"
    closed = crm.questions.close(number, by=12)
    assert closed.closed_at == T0
    with pytest.raises(InvalidTransition):
        crm.questions.transition(number, "in_progress", by=3)
    steps = [e.data.get("to") for e in crm.questions.history(number)[1:]]
    assert steps == ["transferred", "answered", "closed"]


def test_complaints_go_to_the_coordinator(crm: Services) -> None:
    number = ask(crm, citizen(crm), type="complaint", owner_user_id=3)
    assert crm.questions.get(number).owner_user_id == 7


def test_bad_input_writes_nothing(crm: Services) -> None:
    no_email = citizen(crm, "Paul", "0471 99 88 77", email=None)
    with pytest.raises(InvalidInput) as caught:
        crm.questions.register(RegisterQuestion(no_email, "pigeon", subject="", track="fast"), by=3)
    assert set(caught.value.fields) == {"channel", "subject", "track"}
    with pytest.raises(RuleViolation) as rule:
        crm.questions.register(RegisterQuestion(no_email, "fax", subject="Attestation"), by=3)
    assert rule.value.fields == {"contact_id": "no e-mail address"}
    with pytest.raises(InvalidInput) as phones:
        crm.contacts.create(ContactIn("Eva", ["0471 11 11 11", "abc"], "eva@example.be"))
    assert phones.value.fields == {"phones[1]": "not a phone number"}
    assert (count(crm, "questions"), count(crm, "question_events"), count(crm, "contacts")) == (0, 0, 1)
    number = ask(crm, no_email)
    with pytest.raises(InvalidTransition):
        crm.questions.close(number, by=3)
    assert count(crm, "question_events") == 1


def test_frequent_subjects_without_a_faq(crm: Services) -> None:
    topic(crm, "ris")
    topic(crm, "gpmi", faq="https://www.mi-is.be/fr/faq/gpmi")
    topic(crm, "energie")
    anne = citizen(crm)
    for code in ("ris", "ris", "ris", "gpmi", "gpmi", "gpmi", "energie"):
        ask(crm, anne, topic=code, subject="")
    crm.questions.flag_faq(ask(crm, anne, topic="ris"), by=3)
    old = ask(crm, anne, topic="energie", received_at=T0 - timedelta(days=40))
    assert old
    found = crm.questions.frequent_subjects(T0 - timedelta(days=30), T0 + timedelta(seconds=1), min_count=2)
    assert [(f["code"], f["count"], f["faq_needed_flags"]) for f in found] == [("ris", 4, 1)]
    every = crm.questions.frequent_subjects(T0 - timedelta(days=60), T0 + timedelta(seconds=1), min_count=2)
    assert [f["code"] for f in every] == ["ris", "energie"]


def test_a_number_taken_at_insert_time_leaves_the_transaction_usable(crm: Services) -> None:
    existing = crm.questions.get(ask(crm, citizen(crm)))
    other = new_registration_number(2026)
    with crm.uow() as uow:
        with pytest.raises(RegistrationNumberTaken):
            uow.questions.add(replace(existing, id=0))
        uow.questions.add(replace(existing, id=0, registration_number=str(other)))
        uow.commit()
    assert count(crm, "questions") == 2
