"""Signed ``POST /webhooks/twilio/voice`` per second and its latency, through `callcenter web` on loopback.

Runs the production server (gunicorn, gthread) on a PostgreSQL schema and a Redis server of its own,
with concurrent clients (threads, keep-alive http.client connections), bounded in requests and time.
Every request is signed with X-Twilio-Signature (signed before the clock starts, as a provider would).

- ``wait``: callers queued while every agent is busy; each request is one caller's wait-loop redirect
  (``?round=1&wait=<n>``), answered by the ringing tone and the next redirect: the steady load of a
  busy office, one request per waiting caller every few seconds.
- ``ring``: each request is a new call that rings a free agent (Dial, reservation, legs, screen-pop);
  the agent's answer and the call's end follow as status callbacks on the same connection (not timed),
  so the agent is free again for another call.
The default of 8 provider connections is the most the 2-core machine of 2026-11-26 served within p99
50 ms; with 16 the server saturated and the extra requests only queued (docs/benchmarks.md).
Run from the repository root: python -m bench.webhooks [--clients 8] [--requests 4000] [--seconds 30]
"""

from __future__ import annotations

import argparse
import functools
import http.client
import itertools
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.cpu_meter import CpuMeter, with_application_name
from bench.front_office import (
    SERVICE_NUMBER,
    bench_services,
    load_line,
    office_env,
    office_settings,
    percentile,
    private_redis,
    private_schema,
    seed,
)
from bench.route_decisions import web_process
from webhooks.twilio_signature import HEADER, compute

TOKEN = "bench-twilio-token"
VOICE = "/webhooks/twilio/voice"
MAX_WAIT_STEPS = 20  # redirects a new call of the ring scenario follows before the bench gives up
WARM_UP_STEPS_FROM = 90_000  # wait steps of the untimed warm-up (at most 100,000): never timed ones
STATUS = "/webhooks/twilio/status"
_AGENT = re.compile(rb"status\?agent=(\d+)&amp;round=1")
Request = tuple[str, bytes, dict[str, str]]  # path with query, form body, headers


class BenchFailure(Exception):
    """The server answered what a provider would not accept; the message says what."""


class Provider:
    """One keep-alive connection of the provider, posting signed form-encoded webhooks."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._base = url
        self._conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def signed(self, path: str, params: dict[str, str]) -> Request:
        signature = compute(TOKEN, self._base + path, {k: [v] for k, v in params.items()})
        headers = {"Content-Type": "application/x-www-form-urlencoded", HEADER: signature}
        return path, urlencode(params).encode(), headers

    def send(self, request: Request) -> bytes:
        path, body, headers = request
        self._conn.request("POST", path, body=body, headers=headers)
        response = self._conn.getresponse()
        answer = response.read()
        if response.status != 200:
            raise BenchFailure(f"POST {path} answered {response.status}: {answer[:300]!r}")
        return answer

    def close(self) -> None:
        self._conn.close()


def incoming(call_sid: str, caller: str, query: dict[str, int] | None = None) -> tuple[str, dict[str, str]]:
    path = VOICE + (f"?{urlencode(query)}" if query else "")
    return path, {"CallSid": call_sid, "AccountSid": "ACbench", "From": caller, "To": SERVICE_NUMBER,
                  "CallStatus": "in-progress" if query else "ringing", "Direction": "inbound"}


def wait_worker(url: str, callers: list[tuple[str, str]], steps: int, deadline: float,
                samples: list[float], first_step: int = 1) -> None:
    """Send each caller's redirects in turn (signed beforehand); record each latency in ms."""
    provider = Provider(url)
    batch = [provider.signed(*incoming(sid, number, {"round": 1, "wait": step}))
             for step in range(first_step, first_step + steps) for sid, number in callers]
    try:
        for request in batch:
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            answer = provider.send(request)
            samples.append((time.perf_counter() - started) * 1000)
            if b"<Redirect" not in answer:
                raise BenchFailure(f"a waiting caller was not told to wait: {answer[:300]!r}")
    finally:
        provider.close()


def ring_worker(url: str, callers: list[tuple[str, str]], calls: int, deadline: float,
                samples: list[float], waited: list[str] | None = None) -> None:
    """Place ``calls`` new calls, each rung, answered and ended; record the latency of each voice request.

    A call told to wait (every free agent it tried was reserved by another call first: with as many
    agents as clients, all but one ringing, that happens under load) follows its redirect at once,
    untimed, until it rings; its id goes to ``waited``.
    """
    provider = Provider(url)
    try:
        for _, number in itertools.islice(itertools.cycle(callers), calls):
            if time.monotonic() > deadline:
                break
            sid = f"CA{uuid.uuid4().hex}"
            request = provider.signed(*incoming(sid, number))
            started = time.perf_counter()
            answer = provider.send(request)
            samples.append((time.perf_counter() - started) * 1000)
            for step in range(1, MAX_WAIT_STEPS + 1):
                if _AGENT.search(answer) is not None or b"<Redirect" not in answer:
                    break
                if waited is not None and step == 1:
                    waited.append(sid)
                answer = provider.send(provider.signed(*incoming(sid, number, {"round": 1, "wait": step})))
            found = _AGENT.search(answer)
            if found is None:
                raise BenchFailure(f"a new call was not rung: {answer[:300]!r}")
            _answer_and_end(provider, sid, number, found.group(1).decode())
    finally:
        provider.close()


def _answer_and_end(provider: Provider, sid: str, number: str, agent: str) -> None:
    leg = {"CallSid": f"{sid}-leg", "ParentCallSid": sid, "CallStatus": "in-progress", "From": number,
           "To": f"client:{agent}"}
    provider.send(provider.signed(f"{STATUS}?agent={agent}&round=1", leg))
    call = {"CallSid": sid, "CallStatus": "completed", "From": number, "To": SERVICE_NUMBER}
    provider.send(provider.signed(STATUS, call))


def run_clients(worker: Callable[..., None], url: str, groups: list[list[tuple[str, str]]], amount: int,
                seconds: float, *, quiet: bool = False) -> tuple[list[float], float]:
    """Run one thread per group of callers; return every latency sample and the wall time."""
    deadline = time.monotonic() + seconds
    per_client: list[list[float]] = [[] for _ in groups]
    failures: list[BaseException] = []

    def guarded(*args: object) -> None:
        try:
            worker(*args)
        except Exception as exc:  # reported by the main thread: a thread's exception is otherwise lost
            failures.append(exc)

    threads = [threading.Thread(target=guarded, args=(url, group, amount, deadline, per_client[n]),
                                daemon=True) for n, group in enumerate(groups)]
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    cpu = time.process_time() - cpu
    if failures:
        raise SystemExit(f"{len(failures)} client(s) failed; the first: {failures[0]}")
    samples = [s for samples in per_client for s in samples]
    if not quiet:  # the provider's side runs on the same cores: what it takes is not the server's to use
        print(f"{'':<8} the clients' CPU per request: {cpu * 1000 / max(1, len(samples)):.2f} ms")
    return samples, time.perf_counter() - started


def report(label: str, samples: list[float], wall_s: float, cpu: dict[str, float]) -> None:
    """Print throughput and latency of the timed requests, and the server's CPU per timed request."""
    ordered = sorted(samples)
    print(f"{label:<8} {len(ordered):6d} requests in {wall_s:5.1f} s = {len(ordered) / wall_s:7.1f} req/s  "
          f"p50 {percentile(ordered, 50):6.2f} ms  p99 {percentile(ordered, 99):6.2f} ms  "
          f"max {ordered[-1] if ordered else float('nan'):7.2f} ms")
    per = {part: seconds * 1000 / max(1, len(ordered)) for part, seconds in cpu.items()}
    total = sum(per.values())
    ceiling = 2000 / total if total else float("nan")
    parts = "  ".join(f"{part} {ms:.2f}" for part, ms in per.items())
    print(f"{'':<8} server CPU per request (ms): {parts}  = {total:.2f}: at most {ceiling:.0f}/s "
          "on 2 idle cores")


def main() -> None:
    args = _arguments()
    print(load_line("before"))
    with private_redis() as redis_url, private_schema(args.pg_url) as db_url, \
            tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp:
        db_url = with_application_name(db_url)
        env = office_env(Path(tmp), db_url, redis_url, twilio_auth_token=TOKEN, web_workers=str(args.workers),
                         web_threads=str(args.threads), max_wait_s="3600", wrap_up_s="0",
                         ring_max_targets="1")
        services = bench_services(office_settings(env))
        office = seed(services, env, agents=args.clients, callers=max(args.queue, args.clients))
        with web_process(env, Path(tmp) / "web.log") as url:
            meter = CpuMeter(int(urlsplit(url).port or 0), int(urlsplit(redis_url).port or 0), db_url)
            if args.scenario in ("wait", "both"):
                numbers = [(f"CAq{n:05d}", c.number) for n, c in enumerate(office.callers[:args.queue])]
                _wait_scenario(url, numbers, args, meter)
            if args.scenario in ("ring", "both"):
                for agent_id, _ in office.agents:
                    services.presence.set_status(agent_id, "available")
                _ring_scenario(url, [(f"-{n}", c.number) for n, c in enumerate(office.callers)], args, meter)
            meter.close()
        services.close()
    print(load_line("after"))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent provider connections")
    parser.add_argument("--requests", type=int, default=4000, help="timed requests per scenario (at most)")
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit of each scenario")
    parser.add_argument("--queue", type=int, default=100, help="callers waiting in the 'wait' scenario")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=16, help="threads per gunicorn worker")
    parser.add_argument("--scenario", choices=("wait", "ring", "both"), default="both")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    return parser.parse_args()


def _wait_scenario(url: str, numbers: list[tuple[str, str]], args: argparse.Namespace,
                   meter: CpuMeter) -> None:
    """Queue every caller (untimed first requests), time their redirects, then let them hang up."""
    provider = Provider(url)
    for sid, number in numbers:  # no agent is available yet: every caller waits
        if b"<Redirect" not in provider.send(provider.signed(*incoming(sid, number))):
            raise SystemExit("a queued caller was not told to wait")
    groups = [numbers[n::args.clients] for n in range(args.clients)]
    steps = max(1, -(-args.requests // max(1, len(numbers))))
    # Warm-up, untimed: every worker process gets requests (its database pool, its statement caches)
    # before the clock starts; steps numbered apart, so that no timed request is a repeat of one of them.
    run_clients(functools.partial(wait_worker, first_step=WARM_UP_STEPS_FROM), url, groups, 1, args.seconds,
                quiet=True)
    meter.start()
    samples, wall = run_clients(wait_worker, url, groups, steps, args.seconds)
    report("wait", samples, wall, meter.stop())
    provider.close()
    provider = Provider(url)  # the server closed the first connection, idle while the clients ran
    for sid, number in numbers:  # the queue is empty again for the next scenario
        provider.send(provider.signed(STATUS, {"CallSid": sid, "CallStatus": "completed", "From": number,
                                               "To": SERVICE_NUMBER}))
    provider.close()


def _ring_scenario(url: str, callers: list[tuple[str, str]], args: argparse.Namespace,
                   meter: CpuMeter) -> None:
    groups = [callers[n::args.clients] for n in range(args.clients)]
    waited: list[str] = []
    meter.start()
    samples, wall = run_clients(functools.partial(ring_worker, waited=waited), url, groups,
                                args.requests // args.clients, args.seconds)
    report("ring", samples, wall, meter.stop())  # CPU: with the answer and the end
    print(f"{'':<8} {len(waited)} of {len(samples)} calls told to wait first (their free agents reserved "
          "by other calls meanwhile); they rang after their redirect")


if __name__ == "__main__":
    main()
