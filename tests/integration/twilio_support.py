"""Shared by the Twilio webhook tests: a provider that signs like Twilio, TwiML parsing and comparison."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from callcenter.bootstrap import Services
from callcenter.domain.agents import ProfileIn
from callcenter.services.clock import FixedClock
from tests.integration.routing_support import CITIZEN, DUTCH_NUMBER, OUR_NUMBER, T0, client, routing_services
from tests.twiml_reference import BASE

TOKEN = "twilio-test-token"


@pytest.fixture(name="office")
def office_services(make_settings: Any, database_url: str, redis_url: str) -> Iterator[Services]:
    """Services at T0 (open) with a Twilio auth token, French and Dutch numbers, a recording publisher."""
    settings = make_settings(database_url=database_url, redis_url=redis_url, twilio_auth_token=TOKEN,
                             service_numbers=f"{OUR_NUMBER}=fr,{DUTCH_NUMBER}=nl", max_wait_s=120)
    built = routing_services(settings, FixedClock(T0))
    yield built
    built.close()


class Provider:
    """Posts form-encoded webhooks to the app as Twilio does, signed with RequestValidator."""

    def __init__(self, services: Services, *, base: str = BASE, token: str = TOKEN) -> None:
        self.services = services
        self.web: FlaskClient = client(services)
        self.base = base
        self.token = token

    def post(self, path: str, params: dict[str, str], *, query: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None, signature: str | None = None) -> Any:
        """POST ``params`` to ``path?query``, signed over the URL under ``base`` (or with ``signature``)."""
        target = path + (f"?{urlencode(query)}" if query else "")
        sign = RequestValidator(self.token).compute_signature(self.base + target, params)
        sent = {"X-Twilio-Signature": sign if signature is None else signature, **(headers or {})}
        if not sent["X-Twilio-Signature"]:
            del sent["X-Twilio-Signature"]
        return self.web.post(target, data=params, headers=sent)

    def call(self, call_sid: str = "CA1", *, caller: str = CITIZEN, to: str = OUR_NUMBER,
             query: dict[str, Any] | None = None, **extra: str) -> Any:
        params = {"CallSid": call_sid, "AccountSid": "AC1", "From": caller, "To": to,
                  "CallStatus": "in-progress" if query else "ringing", "Direction": "inbound", **extra}
        return self.post("/webhooks/twilio/voice", params, query=query)

    def dial_action(self, status: str, round_: int, call_sid: str = "CA1", **extra: str) -> Any:
        params = {"CallSid": call_sid, "From": CITIZEN, "To": OUR_NUMBER, "CallStatus": "in-progress",
                  "DialCallStatus": status, "DialCallSid": f"{call_sid}-d{round_}", **extra}
        return self.post("/webhooks/twilio/dial-action", params, query={"round": round_})

    def leg(self, status: str, agent_id: int, round_: int, call_sid: str = "CA1") -> Any:
        params = {"CallSid": f"{call_sid}-leg-{agent_id}-{round_}", "ParentCallSid": call_sid,
                  "CallStatus": status, "From": CITIZEN, "To": f"client:{agent_id}",
                  "Direction": "outbound-dial"}
        return self.post("/webhooks/twilio/status", params, query={"agent": agent_id, "round": round_})

    def call_status(self, status: str, call_sid: str = "CA1") -> Any:
        params = {"CallSid": call_sid, "CallStatus": status, "From": CITIZEN, "To": OUR_NUMBER,
                  "Direction": "inbound", "CallDuration": "42"}
        return self.post("/webhooks/twilio/status", params)


def twiml_of(response: Any) -> ET.Element:
    """Parse a TwiML answer (it must be 200 text/xml and well-formed)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/xml")
    return ET.fromstring(response.get_data())


def set_ring_via(services: Services, username: str, via: str, *languages: str) -> None:
    """Ring an agent on a browser softphone (client) or a SIP phone (sip)."""
    services.agents.set_profile(username, ProfileIn(f"sip:{username}@pbx.test", languages or ("fr",),
                                                    ring_via=via))
