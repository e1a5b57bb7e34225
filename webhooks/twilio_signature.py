"""Twilio's request signature (``X-Twilio-Signature``), checked without the twilio package.

The signature is base64(HMAC-SHA1(auth token, URL + every POST parameter sorted by name, each as name
followed by value)), over the URL exactly as the provider called it. Like Twilio's own validator, the
URL is tried with and without the scheme's default port (the provider is not consistent about it).
Signatures are compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

from callcenter.domain.identity import Forbidden

HEADER = "X-Twilio-Signature"
DEFAULT_PORTS = {"https": 443, "http": 80}


class TwilioSignatureRejected(Forbidden):
    """A provider webhook without a valid signature (HTTP 403, as Twilio's conventions say)."""

    code = "bad-signature"


def compute(token: str, url: str, params: Mapping[str, Iterable[str]]) -> str:
    """Return the signature of a form POST to ``url`` with ``params`` (name -> values)."""
    signed = url + "".join(name + value for name in sorted(params) for value in sorted(set(params[name])))
    digest = hmac.new(token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(token: str, header: str | None, url: str, params: Mapping[str, Iterable[str]]) -> None:
    """Raise TwilioSignatureRejected unless ``header`` signs the request with ``token``."""
    if not token:
        raise TwilioSignatureRejected("The provider webhooks have no auth token configured "
                                      "(CALLCENTER_TWILIO_AUTH_TOKEN).")
    if not header:
        raise TwilioSignatureRejected(f"The request is not signed: it has no {HEADER} header.")
    given = header.strip().encode("ascii", "replace")
    for candidate in _url_variants(url):
        if hmac.compare_digest(compute(token, candidate, params).encode("ascii"), given):
            return
    raise TwilioSignatureRejected("The signature does not match the request (check the auth token and "
                                  "CALLCENTER_PUBLIC_BASE_URL).")


def public_url(base: str, path: str, query: str) -> str:
    """Return the URL the provider called: ``base`` (maybe with a path prefix), the path, the query."""
    return base.rstrip("/") + path + (f"?{query}" if query else "")


def _url_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    bare = urlunsplit(parts._replace(netloc=_netloc(parts.netloc, host, None)))
    explicit = urlunsplit(parts._replace(netloc=_netloc(parts.netloc, host, parts.port or default)))
    return list(dict.fromkeys([url, bare, explicit]))


def _netloc(netloc: str, host: str, port: int | None) -> str:
    userinfo = netloc.rpartition("@")[0]
    hostpart = f"[{host}]" if ":" in host else host
    return (f"{userinfo}@" if userinfo else "") + hostpart + (f":{port}" if port else "")
