"""A client of the CTI API that signs its requests like a PBX must (simulate-call, tests, benches)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webhooks.signatures import HEADER, sign


class CtiError(Exception):
    """The CTI API refused a request or could not be reached; the message says what it answered."""

    def __init__(self, message: str, status: int | None = None, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or {}


@dataclass(frozen=True)
class CtiResponse:
    status: int
    body: dict[str, Any]


class CtiClient:
    def __init__(self, base_url: str, secret: str, *, timeout_s: float = 10.0,
                 clock: Callable[[], float] = time.time) -> None:
        self._base = base_url.rstrip("/")
        self._secret = secret
        self._timeout_s = timeout_s
        self._clock = clock

    def route(self, call_id: str, request_id: str, from_number: str, to_number: str, round_: int = 1,
              test: bool = False) -> dict[str, Any]:
        """Ask where the call rings now; raise CtiError unless the API answered 200."""
        body: dict[str, Any] = {"call_id": call_id, "request_id": request_id, "from": from_number,
                                "to": to_number, "round": round_}
        return self._ok(self.post("/cti/v1/route", body | ({"test": True} if test else {})))

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Send one call event; raise CtiError unless the API answered 200."""
        return self._ok(self.post("/cti/v1/events", event))

    def post(self, path: str, body: dict[str, Any], *, signature: str | None = None) -> CtiResponse:
        """POST a signed JSON body (or with the ``signature`` given, to test refusals); never raise on 4xx."""
        raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
        header = signature if signature is not None else sign(self._secret, raw, int(self._clock()))
        headers = {"Content-Type": "application/json", **({HEADER: header} if header else {})}
        return self._send(urllib.request.Request(self._base + path, data=raw, headers=headers, method="POST"))

    def zammad(self, token: str, form: dict[str, str]) -> CtiResponse:
        """POST a form-encoded Zammad generic-CTI event to the integration's URL."""
        data = urllib.parse.urlencode(form).encode("ascii")
        request = urllib.request.Request(f"{self._base}/cti/v1/zammad/{urllib.parse.quote(token)}", data=data,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"},
                                         method="POST")
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> CtiResponse:
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
                return CtiResponse(response.status, _json(response.read()))
        except urllib.error.HTTPError as exc:
            return CtiResponse(exc.code, _json(exc.read()))
        except (urllib.error.URLError, OSError) as exc:
            raise CtiError(f"The CTI API at {self._base} cannot be reached: {exc}.") from exc

    @staticmethod
    def _ok(response: CtiResponse) -> dict[str, Any]:
        if response.status != 200:
            message = response.body.get("message", "no message")
            code = response.body.get("error", "")
            raise CtiError(f"HTTP {response.status} {code}: {message}", response.status, response.body)
        return response.body


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {"error": "not-json", "message": raw[:200].decode("utf-8", "replace")}
    return data if isinstance(data, dict) else {"value": data}
