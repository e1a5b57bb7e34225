"""Shared by the webhook tests: a real HTTP receiver on loopback that accepts, fails or hangs on demand,
and a check of received bodies against the published JSON Schemas."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from callcenter.web.api_validation import FORMATS
from webhooks import event_schemas

HANG_LIMIT_S = 30.0  # a hanging answer never outlives the test (the receiver releases it at teardown)


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


class Receiver:
    """Answers 200, 500, 307 or nothing (``mode``: ok, fail, redirect, hang), keeping every request it got."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.received: list[Received] = []
        self.release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/hooks/callcenter"

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append(Received(dict(self.headers.items()), body))
                if receiver.mode == "hang":
                    receiver.release.wait(HANG_LIMIT_S)
                    return
                status = {"fail": 500, "redirect": 307}.get(receiver.mode, 200)
                payload = b"receiver down for maintenance" if status == 500 else b"{}"
                self.send_response(status)
                if status == 307:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.close()


def check_event(body: dict[str, Any]) -> dict[str, Any]:
    """Fail unless ``body`` follows its event type's published schema and has no undocumented data field."""
    schema = event_schemas.schema(body["type"])
    errors = sorted(Draft202012Validator(schema, format_checker=FORMATS).iter_errors(body), key=str)
    assert not errors, f"{body['type']} does not follow its schema: {errors[0].message}"
    assert set(body["data"]) == set(schema["properties"]["data"]["properties"])
    return body
