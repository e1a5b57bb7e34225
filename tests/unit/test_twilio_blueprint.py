"""The Twilio blueprint on a fake lifecycle: what it asks of the use case and how it renders odd answers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from callcenter.domain.call_events import RouteRequest
from callcenter.settings import load_settings
from callcenter.web import errors
from callcenter.web.app import EXTENSION
from webhooks.twilio_signature import HEADER, compute
from webhooks.twilio_voice import bp

TOKEN = "t0ken"
CALL = {"CallSid": "CA1", "From": "+32471123456", "To": "+3225088586", "CallStatus": "ringing"}


class FakeLifecycle:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.requests: list[RouteRequest] = []

    def route(self, req: RouteRequest) -> dict[str, Any]:
        self.requests.append(req)
        return self.answer


class FakeServices:
    def __init__(self, data_dir: Path, answer: dict[str, Any]) -> None:
        self.settings = load_settings({"CALLCENTER_DATA_DIR": str(data_dir),
                                       "CALLCENTER_TWILIO_AUTH_TOKEN": TOKEN})
        self.call_lifecycle = FakeLifecycle(answer)


def web(services: FakeServices) -> FlaskClient:
    app = Flask(__name__)
    app.extensions[EXTENSION] = services
    errors.register(app)
    app.register_blueprint(bp)
    return app.test_client()


def post(client: FlaskClient, path: str, params: dict[str, str], **headers: str) -> Any:
    signature = compute(TOKEN, "http://localhost" + path, {k: [v] for k, v in params.items()})
    return client.post(path, data=params, headers={HEADER: signature, **headers})


@pytest.fixture
def services(tmp_path: Path) -> FakeServices:
    return FakeServices(tmp_path, {"action": "ring", "targets": [], "timeout_s": 20, "round": 1,
                                   "language": "fr"})


def test_a_ring_without_targets_makes_the_caller_wait_rather_than_dial_nobody(services: FakeServices) -> None:
    answer = post(web(services), "/webhooks/twilio/voice", CALL)
    assert [e.tag for e in ET.fromstring(answer.get_data())] == ["Play", "Redirect"]


def test_the_route_request_id_is_the_request_key(services: FakeServices) -> None:
    client = web(services)
    post(client, "/webhooks/twilio/voice", CALL)
    post(client, "/webhooks/twilio/voice", CALL)
    post(client, "/webhooks/twilio/voice", CALL, **{"I-Twilio-Idempotency-Token": "abc"})
    post(client, "/webhooks/twilio/voice?round=2&wait=1", {**CALL, "CallStatus": "in-progress"})
    ids = [r.request_id for r in services.call_lifecycle.requests]
    assert ids[0] == ids[1] and len(set(ids)) == 3
    assert [(r.round, r.max_targets) for r in services.call_lifecycle.requests][-1] == (2, 10)
