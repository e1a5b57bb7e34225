"""POST signed webhook deliveries over HTTP: the WebhookSender port of callcenter.services.webhook_ports.

Signed with our CTI scheme (webhooks.signatures: ``X-Callcenter-Signature: t=<unix>,v1=<hex>`` over
"<t>.<body>"), so a receiver checks our events exactly as we check a PBX's. Redirects are not followed
(a POST body would be lost or replayed elsewhere): the subscribed URL itself must answer 2xx. The
timeout bounds the connection and each read; the body of the answer is not kept beyond an excerpt.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from typing import Any

from callcenter.domain.webhooks import WebhookFailure
from callcenter.services.webhook_ports import OutgoingRequest, Sent
from webhooks.signatures import HEADER, sign

USER_AGENT = "callcenter-webhooks/1"
EXCERPT = 200  # characters of a refusal's body kept in the delivery log


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx then surfaces as an HTTPError, i.e. a failed attempt


class HttpWebhookSender:
    def __init__(self, timeout_s: float) -> None:
        self._timeout_s = timeout_s
        self._opener = urllib.request.build_opener(_NoRedirects())

    def send(self, request: OutgoingRequest) -> Sent:
        headers = {**request.headers, "Content-Type": "application/json", "User-Agent": USER_AGENT,
                   HEADER: sign(request.secret, request.body, request.timestamp)}
        outgoing = urllib.request.Request(request.url, data=request.body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with self._opener.open(outgoing, timeout=self._timeout_s) as response:
                response.read(EXCERPT)
                return Sent(response.status, _ms_since(started))
        except urllib.error.HTTPError as exc:
            excerpt = _excerpt(exc)
            raise WebhookFailure(f"HTTP {exc.code} {exc.reason}{excerpt}", status_code=exc.code,
                                 response_ms=_ms_since(started)) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise WebhookFailure(_describe(reason, self._timeout_s), response_ms=_ms_since(started)) from None


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(EXCERPT).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return f": {' '.join(text.split())}" if text else ""


def _describe(reason: object, timeout_s: float) -> str:
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return f"No answer within {timeout_s:g} s."
    return f"Could not reach the receiver: {reason}."
