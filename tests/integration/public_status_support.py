"""Shared by the public status page tests: the app on a real database and Redis, a citizen, a lookup."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from callcenter.bootstrap import Services, build_services
from callcenter.domain.registration import new_registration_number
from callcenter.services.clock import FixedClock
from tests.integration.crm_support import T0, FakeDirectory, ask, citizen

EMAIL = "anne.peeters@example.be"
PHONE = "0471 12 34 56"
NAME = "Anne Peeters"
SUBJECT = "Revenu d'intégration: demande de Mme Peeters"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def built(make_settings: Any, database_url: str, redis_url: str) -> Iterator[Services]:
    """Every feature wired on a real database and the real Redis, at T0 (a Thursday, 10:00 in Brussels)."""
    settings = make_settings(database_url=database_url, redis_url=redis_url)
    services = build_services(settings, clock=FixedClock(T0), health=object(), identity=FakeDirectory())
    yield services
    services.close()


@pytest.fixture
def app(built: Services) -> Flask:
    from callcenter.web.app import create_app

    return create_app(built, {"TESTING": True})


@pytest.fixture
def reg_no(built: Services) -> str:
    """A question of Anne Peeters, registered at T0, with her e-mail address and one mobile number."""
    contact_id = citizen(built, NAME, PHONE, email=EMAIL)
    return ask(built, contact_id, subject=SUBJECT)


def unknown_number() -> str:
    """A well-formed registration number no question has (the tests draw theirs at random)."""
    return str(new_registration_number(2026, lambda _: 31415926))


def mistyped(number: str) -> str:
    """The number with its first body digit changed: the check digits no longer match."""
    digit = number[5]
    return number[:5] + str((int(digit) + 1) % 10) + number[6:]


def csrf_token(client: FlaskClient, lang: str = "fr") -> str:
    match = _TOKEN.search(client.get(f"/status?lang={lang}").get_data(as_text=True))
    assert match, "the form carries its CSRF token"
    return match.group(1)


def lookup(client: FlaskClient, number: str, factor: str, *, lang: str = "fr",
           address: str = "192.0.2.10") -> TestResponse:
    """Fill in and send the form like a browser of ``address`` would."""
    token = csrf_token(client, lang)
    return client.post(f"/status?lang={lang}", environ_base={"REMOTE_ADDR": address},
                       data={"csrf_token": token, "registration_number": number, "second_factor": factor})


def text_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)
