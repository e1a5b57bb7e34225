"""The public status page on SQLite and PostgreSQL with the real Redis: answers, refusals, rate limit."""

from __future__ import annotations

import html

import pytest
from flask import Flask

from callcenter.bootstrap import Services
from callcenter.services.public_status import LOOKUPS_PER_WINDOW, WINDOW_S
from tests.integration.public_status_support import (
    EMAIL,
    NAME,
    PHONE,
    SUBJECT,
    app,
    built,
    lookup,
    mistyped,
    reg_no,
    text_of,
    unknown_number,
)

__all__ = ["app", "built", "reg_no"]  # fixtures


def test_the_right_details_show_the_status_and_its_dates_and_nothing_else(app: Flask, reg_no: str) -> None:
    response = lookup(app.test_client(), reg_no, "  Anne.Peeters@EXAMPLE.be ")
    page = text_of(response)
    assert response.status_code == 200
    assert "Statut de votre question" in page and "Enregistrée" in page
    assert "jeudi 26 novembre 2026" in page  # received, in Brussels time
    assert "lundi 30 novembre 2026 à 16:30" in page  # due: two working days later, at closing time
    assert page.count("Pas encore") == 2  # neither answered nor closed
    assert html.escape(reg_no) in page
    for private in (NAME, "Peeters", SUBJECT, "Revenu", EMAIL, "+32471123456", PHONE):
        assert private not in html.unescape(page), private
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_an_answered_then_closed_question_says_when(app: Flask, built: Services, reg_no: str) -> None:
    built.questions.mark_answered(reg_no, "front", by=3)
    built.questions.close(reg_no, by=3)
    page = text_of(lookup(app.test_client(), reg_no, EMAIL, lang="nl"))
    assert "Afgesloten" in page and "Nog niet" not in page
    assert page.count("donderdag 26 november 2026 om 10:00") == 2  # answered and closed at T0


def test_an_unknown_number_and_a_wrong_second_factor_get_the_same_answer(app: Flask, reg_no: str) -> None:
    client = app.test_client()
    unknown = lookup(client, unknown_number(), EMAIL)
    wrong_email = lookup(client, reg_no, "someone.else@example.be")
    wrong_phone = lookup(client, reg_no, "0472 99 88 77")
    assert unknown.status_code == wrong_email.status_code == wrong_phone.status_code == 404
    assert unknown.get_data() == wrong_email.get_data() == wrong_phone.get_data()
    page = text_of(unknown)
    assert ("Nous n&#39;avons trouvé aucune question correspondant à ce numéro et à cette adresse e-mail "
            "ou ce numéro de téléphone.") in page
    assert reg_no not in page and 'value=""' in page  # nothing typed is written back


def test_a_mistyped_number_is_reported_as_a_typo_next_to_its_field(app: Flask, reg_no: str) -> None:
    response = lookup(app.test_client(), mistyped(reg_no), EMAIL)
    page = text_of(response)
    assert response.status_code == 422
    assert "erreur de frappe" in page and "Il y a un problème" in page
    assert '<a href="#registration_number">' in page  # the error summary leads to the field
    assert 'aria-describedby="registration_number-hint registration_number-error"' in page
    assert 'aria-invalid="true"' in page and f'value="{mistyped(reg_no)}"' in page
    assert "<title>Erreur\u00a0: Suivre votre question" in page


def test_unreadable_input_names_each_field_and_keeps_what_was_typed(app: Flask) -> None:
    response = lookup(app.test_client(), "", "not a phone", lang="de")
    page = text_of(response)
    assert response.status_code == 400
    assert "Geben Sie die Registrierungsnummer Ihrer Frage ein." in page
    assert "Geben Sie eine E-Mail-Adresse (zum Beispiel name@beispiel.be)" in page
    assert page.count('aria-invalid="true"') == 2 and 'value="not a phone"' in page


@pytest.mark.parametrize("spelling", ["0471 12 34 56", "+32 471 12 34 56", "0032471123456",
                                      "+32 (0)471 12.34.56", "0471/12.34.56", " 32471123456 "])
def test_the_phone_number_may_be_written_as_people_write_it(app: Flask, reg_no: str, spelling: str) -> None:
    assert lookup(app.test_client(), reg_no, spelling).status_code == 200


def test_the_registration_number_may_be_written_without_dashes(app: Flask, reg_no: str) -> None:
    assert lookup(app.test_client(), reg_no.replace("-", " "), EMAIL).status_code == 200


def test_a_client_is_limited_to_ten_lookups_per_window_in_redis(app: Flask, built: Services,
                                                                 reg_no: str) -> None:
    client = app.test_client()
    for _ in range(LOOKUPS_PER_WINDOW):
        assert lookup(client, reg_no, "someone.else@example.be", address="198.51.100.7").status_code == 404
    refused = lookup(client, reg_no, EMAIL, lang="nl", address="198.51.100.7")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW_S
    assert "Te veel pogingen" in text_of(refused) and "Status van uw vraag" not in text_of(refused)
    assert lookup(client, reg_no, EMAIL, address="198.51.100.8").status_code == 200  # another client
    keys = [k.decode() for k in built.redis.keys("rate:public-status:*")]
    assert len(keys) == 2 and not any("198.51" in k for k in keys)  # counted in Redis, pseudonymously


def test_a_lookup_without_the_forms_csrf_token_is_refused(app: Flask, reg_no: str) -> None:
    client = app.test_client()
    client.get("/status")
    response = client.post("/status", data={"registration_number": reg_no, "second_factor": EMAIL})
    assert response.status_code == 403 and "Le formulaire a expiré" in text_of(response)
    assert "Statut de votre question" not in text_of(response)


class _BrokenLookups:
    """Stands in for the use case when its database is gone."""

    def check(self, reg_no: str, second_factor: str, *, client: str | None = None) -> None:
        raise ConnectionError("the database is gone")


def test_a_failure_shows_an_apology_page_not_a_trace(app: Flask, built: Services) -> None:
    built.extras["public_status"] = _BrokenLookups()
    response = lookup(app.test_client(), unknown_number(), EMAIL)
    assert response.status_code == 500
    assert "Le service rencontre un problème technique" in text_of(response)
    assert "database is gone" not in text_of(response)
