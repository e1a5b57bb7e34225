"""The CTI API's HMAC-SHA256 signatures: a fresh, matching signature passes; anything else is refused."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from webhooks.signatures import SignatureRejected, cti_secret, sign, verify

SECRET = "s3cret"
BODY = b'{"call_id":"c1"}'
T = 1_795_000_000


def test_the_header_is_the_hex_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, T) == f"t={T},v1={expected}"
    verify(SECRET, sign(SECRET, BODY, T), BODY, T + 299)
    verify(SECRET, f"t={T}, v1=0000, v1={expected}", BODY, T)  # during a rotation, any v1 may match


@pytest.mark.parametrize(("header", "now", "body", "why"), [
    (None, T, BODY, "not signed"),
    ("sha256=abc", T, BODY, "is not 't="),
    (sign(SECRET, BODY, T), T + 301, BODY, "more than 300 s"),
    (sign(SECRET, BODY, T), T - 301, BODY, "more than 300 s"),
    (sign("other", BODY, T), T, BODY, "does not match"),
    (sign(SECRET, BODY, T), T, BODY + b" ", "does not match"),
])
def test_unsigned_stale_or_wrong_signatures_are_refused(header: str | None, now: int, body: bytes,
                                                        why: str) -> None:
    with pytest.raises(SignatureRejected, match=why):
        verify(SECRET, header, body, now)


def test_without_a_setting_the_secret_is_derived_from_the_secret_key(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(secret_key="k1")
    assert cti_secret(settings) == cti_secret(make_settings(secret_key="k1")) != cti_secret(
        make_settings(secret_key="k2"))
    assert cti_secret(make_settings(cti_secret="configured")) == "configured"
