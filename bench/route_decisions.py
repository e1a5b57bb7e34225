"""Route decision latency: signed ``POST /cti/v1/route`` through `callcenter web`, and the service in-process.

Every call is routed (round 1: it rings every free agent, or ``ring_max_targets`` of them), answered by
its first target and hung up, so the agents are free again for the next one (wrap-up 0 s). Only the
route is the decision; the answer and hangup events are timed too and printed for information.
"""

from __future__ import annotations

import functools
import http.client
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.front_office import CTI_SECRET, SERVICE_NUMBER, Caller, Office, free_port, summary
from callcenter.bootstrap import Services
from callcenter.domain.call_events import CallEvent, CallEventKind, RouteRequest
from callcenter.services.after_response import collecting, run_all
from webhooks.signatures import HEADER, sign

Timings = dict[str, list[float]]
Leftover = Callable[[], None] | None  # work the server does once the answer is sent (None: it does it)
Transport = Callable[[str, dict[str, Any]], tuple[dict[str, Any], Leftover]]  # (route|events, body)


@contextmanager
def web_process(env: dict[str, str], log: Path) -> Iterator[str]:
    """Run `callcenter web` (gunicorn, gthread) on a free loopback port; yield its URL once it answers."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "callcenter.cli", "web", "--host", "127.0.0.1",
                                    "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    parts = urlsplit(url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the web process exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the web process did not answer within 60 s: {log.read_text(errors='replace')[-2000:]}")


class SignedClient:
    """A PBX's keep-alive HTTP connections to the CTI API (one for routes, one for events), signing each body.

    Two connections, as a PBX asking where to send calls while reporting others' events would have: the
    server reads a connection's next request only once the work left from its previous one is done.
    """

    def __init__(self, url: str, secret: str = CTI_SECRET) -> None:
        parts = urlsplit(url)
        self._conns = {kind: http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                       for kind in ("route", "events")}
        self._secret = secret

    def __call__(self, kind: str, body: dict[str, Any]) -> tuple[dict[str, Any], Leftover]:
        raw = json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", HEADER: sign(self._secret, raw, int(time.time()))}
        try:
            status, answer = self._post(kind, raw, headers)
        except (ConnectionError, http.client.HTTPException):
            # The server closes a connection idle for its keep-alive time (5 s): send it again on a new
            # one (the same request id: answered once).
            self._conns[kind].close()
            status, answer = self._post(kind, raw, headers)
        if status != 200:
            raise SystemExit(f"POST /cti/v1/{kind} answered {status}: {answer}")
        return dict(answer), None

    def _post(self, kind: str, raw: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        conn = self._conns[kind]
        conn.request("POST", f"/cti/v1/{kind}", body=raw, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()


def in_process(services: Services) -> Transport:
    """Call the use cases directly, as the CTI handlers do once the request is parsed and verified.

    What the production server runs once the response is sent is returned as the leftover work, run
    by the caller after taking the time (callcenter.services.after_response).
    """
    lifecycle = services.call_lifecycle

    def send(kind: str, body: dict[str, Any]) -> tuple[dict[str, Any], Leftover]:
        with collecting() as pending:
            answer = _use_case(lifecycle, kind, body)
        return answer, functools.partial(run_all, pending)

    return send


def _use_case(lifecycle: Any, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    if kind == "route":
        request = RouteRequest(body["call_id"], body["request_id"], body["from"], body["to"], body["round"])
        return dict(lifecycle.route(request))
    event = CallEvent(body["event_id"], CallEventKind(body["event"]), body["call_id"],
                      agent=body.get("agent"), cause=body.get("cause"))
    return dict(lifecycle.handle_event(event))


def one_call(send: Transport, caller: Caller, timings: Timings | None) -> dict[str, Any]:
    """Route a call, answer it by its first target and hang up; add the times to ``timings``."""
    call_id = f"bench-{uuid.uuid4().hex[:12]}"
    decision = _timed(send, timings, "route", {"call_id": call_id, "request_id": f"r-{call_id}",
                                               "from": caller.number, "to": SERVICE_NUMBER, "round": 1})
    if decision.get("action") != "ring":
        raise SystemExit(f"call {call_id} was not rung: {decision}")
    _timed(send, timings, "answer", {"event_id": f"a-{call_id}", "event": "answer", "call_id": call_id,
                                     "agent": decision["targets"][0]["agent"]})
    _timed(send, timings, "hangup", {"event_id": f"h-{call_id}", "event": "hangup", "call_id": call_id,
                                     "cause": "normalClearing"})
    return decision


def _timed(send: Transport, timings: Timings | None, label: str, body: dict[str, Any]) -> dict[str, Any]:
    """Send, timing until the answer; then run what is left for after it (timed apart).

    The CPU this thread spent meanwhile is kept too: in-process it is the decision's own (the database and
    Redis excluded), through the server the bench client's (its JSON, signature and HTTP), a share of the
    time measured that a PBX written in C would mostly not spend.
    """
    started, cpu = time.perf_counter_ns(), time.thread_time_ns()
    answer, leftover = send("route" if label == "route" else "events", body)
    answered, cpu = time.perf_counter_ns(), time.thread_time_ns() - cpu
    if leftover is not None:
        leftover()
    if timings is not None:
        timings.setdefault(label, []).append((answered - started) / 1e6)
        timings.setdefault(f"{label}, this thread's CPU", []).append(cpu / 1e6)
        if leftover is not None:
            after = (time.perf_counter_ns() - answered) / 1e6
            timings.setdefault(f"{label}, after the answer", []).append(after)
    return answer


def measure(send: Transport, callers: list[Caller], warmup: int, pace_s: float = 0.0) -> Timings:
    """Run a call for each of the first ``warmup`` callers untimed, then one timed call for each other.

    ``pace_s``: a pause before each call, as between calls arriving one by one (not back to back).
    """
    for caller in callers[:warmup]:
        one_call(send, caller, None)
    timings: Timings = {}
    for caller in callers[warmup:]:
        time.sleep(pace_s)
        one_call(send, caller, timings)
    return timings


def make_available(services: Services, office: Office) -> None:
    for agent_id, _ in office.agents:
        services.presence.set_status(agent_id, "available")


def report(title: str, timings: Timings) -> None:
    print(title)
    for label in ("route", "answer", "hangup"):
        for name in (label, f"{label}, this thread's CPU", f"{label}, after the answer"):
            if timings.get(name):
                print("  " + summary(name, timings[name]))
