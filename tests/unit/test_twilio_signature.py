"""X-Twilio-Signature checked without the twilio package, against twilio's RequestValidator."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from webhooks.twilio_signature import TwilioSignatureRejected, compute, public_url, verify

# The published test vector of Twilio's helper libraries.
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234", "From": "+14158675309",
          "To": "+18005551212"}
VECTOR = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def as_lists(params: dict[str, str]) -> dict[str, list[str]]:
    return {name: [value] for name, value in params.items()}


def test_the_published_test_vector() -> None:
    assert compute(TOKEN, URL, as_lists(PARAMS)) == VECTOR
    assert RequestValidator(TOKEN).validate(URL, PARAMS, VECTOR)
    verify(TOKEN, VECTOR, URL, as_lists(PARAMS))


@pytest.mark.parametrize("params", [
    {},
    {"Body": "Ça coûte 5 € & plus <ok>", "From": "anonymous"},
    {"b": ["2", "1", "2"], "a": ["x"]},  # repeated parameters: each value once, sorted (as Twilio does)
])
def test_signatures_are_those_of_request_validator(params: dict[str, object]) -> None:
    lists = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    multi = MultiDict([(k, value) for k, values in lists.items() for value in values])
    assert compute("tok", "https://cc.example.be/webhooks/twilio/voice", lists) == \
        RequestValidator("tok").compute_signature("https://cc.example.be/webhooks/twilio/voice", multi)


def test_the_url_is_accepted_with_or_without_the_default_port() -> None:
    with_port = compute(TOKEN, "https://mycompany.com:443/myapp.php?foo=1&bar=2", as_lists(PARAMS))
    verify(TOKEN, with_port, URL, as_lists(PARAMS))
    verify(TOKEN, VECTOR, "https://mycompany.com:443/myapp.php?foo=1&bar=2", as_lists(PARAMS))


@pytest.mark.parametrize(("token", "header", "url", "params", "why"), [
    ("", VECTOR, URL, PARAMS, "no auth token"),
    (TOKEN, None, URL, PARAMS, "not signed"),
    (TOKEN, "", URL, PARAMS, "not signed"),
    ("54321", VECTOR, URL, PARAMS, "does not match"),
    (TOKEN, VECTOR, URL.replace("foo=1", "foo=2"), PARAMS, "does not match"),
    (TOKEN, VECTOR, URL, {**PARAMS, "Digits": "1235"}, "does not match"),
    (TOKEN, VECTOR, URL, {**PARAMS, "Extra": "1"}, "does not match"),
    (TOKEN, "é" + VECTOR, URL, PARAMS, "does not match"),
])
def test_anything_else_is_refused(token: str, header: str | None, url: str, params: dict[str, str],
                                  why: str) -> None:
    with pytest.raises(TwilioSignatureRejected, match=why):
        verify(token, header, url, as_lists(params))


def test_the_public_url_is_the_base_with_the_path_and_query() -> None:
    assert public_url("https://cc.example.be/phone/", "/webhooks/twilio/voice", "round=2&wait=1") == \
        "https://cc.example.be/phone/webhooks/twilio/voice?round=2&wait=1"
    assert public_url("https://cc.example.be", "/webhooks/twilio/voice", "") == \
        "https://cc.example.be/webhooks/twilio/voice"
