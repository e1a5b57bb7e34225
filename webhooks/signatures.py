"""HMAC-SHA256 signatures of the CTI API: ``X-Callcenter-Signature: t=<unix seconds>,v1=<hex>``.

The hex digest is HMAC-SHA256(secret, "<t>.<raw body>"). A request is refused when the header is
missing or malformed, when ``t`` is more than WINDOW_S away from now, or when no ``v1`` matches (several
``v1`` may be sent while a secret is being rotated). Digests are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac

from callcenter.domain.identity import InvalidCredentials
from callcenter.settings import Settings

HEADER = "X-Callcenter-Signature"
WINDOW_S = 300


class SignatureRejected(InvalidCredentials):
    """A CTI request without a valid, fresh signature (HTTP 401)."""

    code = "bad-signature"


def cti_secret(settings: Settings) -> str:
    """Return the CTI secret: the setting, else one derived from secret_key (the same in every process)."""
    if settings.cti_secret:
        return settings.cti_secret
    return hmac.new(settings.secret_key.encode("utf-8"), b"callcenter-cti-v1", hashlib.sha256).hexdigest()


def digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """Return the header value signing ``body`` at ``timestamp``."""
    return f"t={timestamp},v1={digest(secret, timestamp, body)}"


def verify(secret: str, header: str | None, body: bytes, now: float, window_s: int = WINDOW_S) -> None:
    """Raise SignatureRejected unless ``header`` signs ``body`` with ``secret`` within the window."""
    if not secret:
        raise SignatureRejected("The CTI API has no secret configured (CALLCENTER_CTI_SECRET).")
    if not header:
        raise SignatureRejected(f"The request is not signed: send the {HEADER} header.")
    timestamp, candidates = _parse(header)
    if abs(now - timestamp) > window_s:
        raise SignatureRejected(f"The signature's timestamp is more than {window_s} s away from our clock.")
    expected = digest(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureRejected("The signature does not match the request body.")


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value.strip().lower())
    if timestamp is None or not candidates:
        raise SignatureRejected(f"The {HEADER} header is not 't=<unix seconds>,v1=<hex digest>'.")
    return timestamp, candidates
