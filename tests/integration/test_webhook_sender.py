"""The HTTP sender of webhook deliveries against a real receiver on loopback; the secret box."""

from __future__ import annotations

import socket
import time

import pytest

from callcenter.domain.webhooks import WebhookFailure
from callcenter.secret_box import FernetSecretBox
from callcenter.services.webhook_ports import OutgoingRequest, SecretUnreadable
from tests.integration.webhook_support import Receiver, receiver_fixture  # noqa: F401
from webhooks.outbound_http import HttpWebhookSender
from webhooks.signatures import verify

SECRET = "a-shared-secret-of-32-characters"


def request(url: str) -> OutgoingRequest:
    headers = {"X-Callcenter-Event": "call.ended"}
    return OutgoingRequest(url, b'{"id":"evt_1"}', headers, SECRET, int(time.time()))


def test_a_delivery_is_posted_signed_as_json(receiver: Receiver) -> None:
    sent = HttpWebhookSender(5.0).send(request(receiver.url))
    assert sent.status_code == 200 and sent.response_ms >= 0
    [got] = receiver.received
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Callcenter-Event"] == "call.ended"
    verify(SECRET, got.headers["X-Callcenter-Signature"], got.body, time.time())


def test_a_redirect_is_not_followed_but_counts_as_a_failure(receiver: Receiver) -> None:
    receiver.mode = "redirect"
    with pytest.raises(WebhookFailure) as failed:
        HttpWebhookSender(5.0).send(request(receiver.url))
    assert failed.value.status_code == 307 and len(receiver.received) == 1


def test_an_unreachable_receiver_is_a_failure_saying_so() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(WebhookFailure) as failed:
        HttpWebhookSender(5.0).send(request(f"http://127.0.0.1:{port}/h"))
    assert failed.value.status_code is None and str(failed.value).startswith("Could not reach the receiver")


def test_secrets_are_sealed_with_a_key_derived_from_secret_key() -> None:
    box = FernetSecretBox("k" * 48)
    sealed = box.seal(SECRET)
    assert SECRET not in sealed and box.open(sealed) == SECRET
    with pytest.raises(SecretUnreadable):
        FernetSecretBox("another secret_key").open(sealed)
