"""Shared by the REST API tests: the app on a real database, users with tokens, and a client that checks
every response against the OpenAPI document (status documented, body valid against its schema)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

from callcenter.bootstrap import Services, build_services
from callcenter.domain.identity import NewUser, Role
from callcenter.passwords import Argon2PasswordHasher
from callcenter.services.clock import FixedClock
from callcenter.services.identity import IdentityService
from callcenter.web.api_validation import FORMATS
from callcenter.web.app import create_app
from callcenter.web.openapi import openapi_document, openapi_path
from tests.integration.crm_support import T0
from tests.integration.identity_support import CHEAP

READ = ["questions:read", "contacts:read", "calls:read"]
FRONT_OFFICE = [*READ, "questions:write", "contacts:write", "calls:write"]
# who -> (roles, token scopes); "robot" is an integration token, not a user.
PRINCIPALS: dict[str, tuple[tuple[Role, ...], list[str]]] = {
    "agent": ((Role.AGENT,), FRONT_OFFICE),
    "expert": ((Role.EXPERT,), [*READ, "questions:write"]),
    "coach": ((Role.COACH,), READ),
    "coordinator": ((Role.COORDINATOR,), FRONT_OFFICE),
    "robot": ((), ["questions:read", "questions:write"]),
}
_DOC_URI = "urn:test:openapi"


class RecordingJobQueue:
    """Stands in for RQ: records what would be enqueued."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...], str]] = []

    def enqueue(self, func_path: str, *args: Any, job_id: str, at: datetime | None = None,
                retries: int = 3) -> None:
        self.jobs.append((func_path, args, job_id))


@dataclass
class Api:
    services: Services
    app: Flask
    client: FlaskClient
    clock: FixedClock
    jobs: RecordingJobQueue
    tokens: dict[str, str]
    user_ids: dict[str, int]

    def call(self, method: str, path: str, who: str | None = "agent", **kwargs: Any) -> TestResponse:
        """Send a request as ``who`` (None: anonymous) and check the response against the document."""
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        check_documented(self.app, method, path, response)
        return response

    def get(self, path: str, who: str | None = "agent", **kwargs: Any) -> TestResponse:
        return self.call("GET", path, who, **kwargs)

    def post(self, path: str, who: str | None = "agent", **kwargs: Any) -> TestResponse:
        return self.call("POST", path, who, **kwargs)

    def patch(self, path: str, who: str | None = "agent", **kwargs: Any) -> TestResponse:
        return self.call("PATCH", path, who, **kwargs)


@pytest.fixture(name="api")
def api_fixture(make_settings: Any, database_url: str) -> Iterator[Api]:
    """The app on SQLite or PostgreSQL at a fixed time, recording jobs, with one token per principal."""
    clock, jobs = FixedClock(T0), RecordingJobQueue()
    built = build_services(make_settings(database_url=database_url), no_redis=True, clock=clock,
                           job_queue=jobs, health=object())
    built.extras["identity"] = IdentityService(built.uow, clock, Argon2PasswordHasher(**CHEAP))
    tokens, user_ids = _principals(built)
    app = create_app(built, {"TESTING": True})
    yield Api(built, app, app.test_client(), clock, jobs, tokens, user_ids)
    built.close()


def _principals(built: Services) -> tuple[dict[str, str], dict[str, int]]:
    tokens: dict[str, str] = {}
    user_ids: dict[str, int] = {}
    for who, (roles, scopes) in PRINCIPALS.items():
        if roles:
            new = NewUser(who, who.title(), f"{who}@mi-is.be", frozenset(roles))
            user_ids[who] = built.identity.create_user(new)[0].id
        tokens[who] = built.identity.create_token(f"{who} token", scopes, who if roles else None)[1]
    return tokens, user_ids


def check_documented(app: Flask, method: str, url: str, response: TestResponse) -> None:
    """Fail unless the document lists this status for the route and the JSON body follows its schema."""
    path = url.split("?", 1)[0]
    rule, _ = app.url_map.bind("localhost").match(path, method=method, return_rule=True)
    document = openapi_document(app)
    documented = document["paths"][openapi_path(rule.rule)][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {path} answered {status}, documented: {sorted(documented)}"
    schema = documented[status]["content"]["application/json"]["schema"]
    errors = sorted(_validator(document, schema["$ref"]).iter_errors(response.get_json()), key=str)
    assert not errors, f"{method} {path} {status} does not follow {schema['$ref']}: {errors[0].message}"


def _validator(document: dict[str, Any], pointer: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(_DOC_URI, DRAFT202012.create_resource(document))
    return Draft202012Validator({"$ref": _DOC_URI + pointer}, registry=registry,
                                format_checker=FORMATS)
