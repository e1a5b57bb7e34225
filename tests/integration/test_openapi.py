"""The OpenAPI 3.1 document at /api/v1/openapi.json: valid, complete both ways, and true to real responses.

Every call of the API tests goes through tests.integration.api_support, which checks the status and the
body against this document; here the document itself is checked, then a tour of calls on both databases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate

from callcenter.bootstrap import build_services
from callcenter.domain.identity import SCOPES
from callcenter.settings import load_settings
from callcenter.web.app import create_app
from callcenter.web.openapi import api_rules, openapi_path, undocumented
from tests.integration.api_support import Api, api_fixture  # noqa: F401

VERBS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on an empty SQLite file: building the document reads no data."""
    data_dir: Path = tmp_path_factory.mktemp("openapi")
    settings = load_settings({"CALLCENTER_DATA_DIR": str(data_dir)})
    built = build_services(settings, no_redis=True, health=object())
    yield create_app(built, {"TESTING": True})
    built.close()


@pytest.fixture(scope="module")
def document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return dict(response.get_json())


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0" and document["info"]["version"]
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema and its reference rules


def test_every_operation_is_described(document: dict[str, Any]) -> None:
    operation_ids: list[str] = []
    for path, item in document["paths"].items():
        assert path.startswith("/api/v1/") and set(item) <= VERBS, path
        for verb, op in item.items():
            operation_ids.append(op["operationId"])
            assert op["summary"] and op["tags"] and op["responses"], (verb, path)
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (verb, path)
            for scopes in (requirement["bearerAuth"] for requirement in op["security"]):
                assert set(scopes) <= set(SCOPES) and {"401", "403"} <= set(op["responses"])
    assert len(operation_ids) == len(set(operation_ids))


def test_every_api_route_is_documented_and_nothing_else(app: Flask, document: dict[str, Any]) -> None:
    assert undocumented(app) == []
    served = {(openapi_path(rule.rule), verb.lower()) for rule in api_rules(app)
              for verb in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    documented = {(path, verb) for path, item in document["paths"].items() for verb in item}
    assert served == documented


def test_public_and_guarded_operations(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert paths["/api/v1/openapi.json"]["get"]["security"] == []
    assert paths["/api/v1/calendar/status"]["get"]["security"] == []
    assert paths["/api/v1/questions"]["post"]["security"] == [{"bearerAuth": ["questions:write"]}]
    assert paths["/api/v1/contacts/lookup"]["get"]["security"] == [{"bearerAuth": ["contacts:read"]}]
    listing = {p["name"]: p for p in paths["/api/v1/questions"]["get"]["parameters"]}
    assert set(listing) == {"status", "owner", "overdue", "contact_id", "cursor", "limit"}
    assert (listing["status"]["style"], listing["status"]["explode"]) == ("form", False)


def test_a_tour_of_real_responses_follows_the_document(api: Api) -> None:
    """Each call below is checked by Api.call against the documented status and schema."""
    contact = api.post("/api/v1/contacts", json={"name": "Anne", "phone": "0471123456"}).get_json()
    created = api.post("/api/v1/questions", json={"contact_id": contact["id"], "channel": "phone",
                                                  "subject": "RIS"}).get_json()
    number = created["registration_number"]
    api.get(f"/api/v1/questions/{number}")
    api.get("/api/v1/questions?overdue=false")
    api.post(f"/api/v1/questions/{number}/events", json={"kind": "note", "text": "ok"})
    api.get("/api/v1/contacts/lookup?number=0471123456")
    api.get("/api/v1/topics")
    api.get("/api/v1/questions/frequent-subjects")
    api.get("/api/v1/calendar/status", None)
    api.get("/api/v1/calendar/deadline?received=2026-12-24T10:00", None)
    api.get("/api/v1/calendar/closures?year=2026", None)
    api.get("/api/v1/calendar/deadline", None)  # 400 envelope, documented too
    api.post(f"/api/v1/questions/{number}/answer", json={"tier": "front"})
    api.post(f"/api/v1/questions/{number}/close")
    api.post(f"/api/v1/questions/{number}/close")  # 409
