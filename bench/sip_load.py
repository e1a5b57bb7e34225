"""Load on our SIP edge, SIPp on loopback: call attempts per second with no failed call, post-dial delay,
calls held at once.

Everything is real and private to the run: a PostgreSQL schema and a Redis server (bench.front_office),
`callcenter web` serving the CTI API, Kamailio with our generated configuration, N agents with SIP
passwords, available, each registering their own address with SIPp (every contact points at one SIPp
"phones" process that answers any call: 183 at once, 200 after 100 ms). A SIPp caller on the trusted
trunk port then
  1. calls at ``--cps`` for ``--seconds``, each call talking 2 s (--short-hold-ms): attempts/s,
     failed calls (a 503 of the overload guard counts as failed), post-dial delay = caller's INVITE →
     the agent phone's 183 (SIPp response time), and the CPU each call cost each process;
  2. ramps ``--held`` calls at 20 calls/s and holds each for ``--hold`` s: all established at once for
     hold − ramp seconds.
Each call rings one agent (ring_max_targets = 1): one SIPp process plays every phone, and SIPp cannot
take two INVITEs of one Call-ID. Run from the repository root: python -m bench.sip_load
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.cpu_meter import CpuMeter, _cpu, _tree, spent, with_application_name
from bench.front_office import (
    DEFAULT_PG_URL,
    bench_services,
    free_port,
    load_line,
    office_env,
    office_settings,
    percentile,
    private_redis,
    private_schema,
)
from bench.sip_scenarios import CALLER, PHONES, REGISTER
from callcenter.bootstrap import Services
from callcenter.domain.agents import ProfileIn
from callcenter.domain.identity import NewUser, Role
from callcenter.sip.kamailio_process import KamailioProcess

SERVICE_NUMBER = "+3225088586"
SIP_PASSWORD = "bench-sip-password-2026"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cps", type=int, default=50, help="call attempts per second (phase 1; 0: skip it)")
    parser.add_argument("--seconds", type=int, default=30, help="length of phase 1")
    parser.add_argument("--short-hold-ms", type=int, default=2000, help="talk time of phase 1 calls")
    parser.add_argument("--held", type=int, default=220, help="calls held at once (phase 2; 0: skip it)")
    parser.add_argument("--hold", type=int, default=75, help="seconds each phase 2 call lasts")
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--pg-url", default=os.environ.get("CALLCENTER_BENCH_PG_URL", DEFAULT_PG_URL))
    args = parser.parse_args()
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sip-load-")))
        edge = stack.enter_context(sip_edge(work, args))
        print(load_line("at start"))
        if args.cps > 0:
            phase_one(edge, work, args)
        if args.held > 0:
            phase_two(edge, work, args)
        print(load_line("at end"))


@dataclass
class Edge:
    services: Services
    sip_port: int
    trunk_port: int
    phones_port: int
    meter: CpuMeter
    sip_pids: list[int]  # Kamailio's main process, the SIPp phones

    def cpu(self) -> dict[str, float]:
        """Return the CPU seconds used so far by each part of the server side (and the SIPp phones)."""
        used = self.meter.sample()
        used["kamailio"] = _cpu(_tree(self.sip_pids[0]))
        used["sipp phones"] = _cpu({self.sip_pids[1]})
        return used


@contextmanager
def sip_edge(work: Path, args: argparse.Namespace) -> Iterator[Edge]:
    """Start the office, the web, Kamailio and the phones; register the agents."""
    sip_port, trunk_port, phones_port, web_port = free_port(), free_port(), free_port(), free_port()
    with ExitStack() as stack:
        database_url = with_application_name(stack.enter_context(private_schema(args.pg_url)))
        redis_url = stack.enter_context(private_redis())
        env = office_env(work / "var", database_url, redis_url, sip_enabled="true", sip_port=str(sip_port),
                         sip_trusted_sources=f"127.0.0.1:{trunk_port}", sip_flood_limit="1000000",
                         sip_cti_url=f"http://127.0.0.1:{web_port}", web_port=str(web_port),
                         web_workers=str(args.web_workers), web_threads="64", wrap_up_s="0",
                         ring_max_targets="1", ring_timeout_s="20", sip_workers="4", sip_async_workers="24",
                         max_wait_s="600")
        settings = office_settings(env)
        services = bench_services(settings)
        stack.callback(services.close)
        _agents(services, args.agents)
        stack.enter_context(_process("web", [sys.executable, "-m", "callcenter.cli", "web"], env, work))
        _wait_http(web_port)
        log = stack.enter_context((work / "kamailio.log").open("wb"))
        kamailio = KamailioProcess(settings, work / "kamailio", output=log)
        kamailio.start()
        stack.callback(kamailio.terminate)
        kamailio.wait_ready()
        phones = _sipp(work, "phones", PHONES, ["-p", str(phones_port), "-m", "100000",
                                                "-deadcall_wait", "1"])
        stack.enter_context(_running(phones))
        meter = CpuMeter(web_port, int(redis_url.rsplit(":", 1)[1].split("/")[0]), database_url)
        edge = Edge(services, sip_port, trunk_port, phones_port, meter, [int(kamailio.pid or 0), phones.pid])
        _register_all(edge, work, args.agents)
        yield edge


def phase_one(edge: Edge, work: Path, args: argparse.Namespace) -> None:
    calls = args.cps * args.seconds
    before = edge.cpu()
    started = time.monotonic()
    caller = _sipp(work, "caller1", CALLER.replace("@HOLD_MS@", str(args.short_hold_ms)), [
        f"127.0.0.1:{edge.sip_port}", "-s", SERVICE_NUMBER, "-p", str(edge.trunk_port), "-r", str(args.cps),
        "-m", str(calls), "-l", str(args.cps * 10), "-trace_rtt", "-rtt_freq", "1",
        "-timeout", str(args.seconds + 120), "-timeout_error"])
    with _running(caller):
        code = caller.wait()
    elapsed = time.monotonic() - started
    used = spent(before, edge.cpu())
    ok, failed = _outcome(work / "caller1.out")
    delays = sorted(_response_times(work))
    print(f"phase 1: {calls} call attempts at {args.cps}/s asked; {ok} successful, {failed} failed "
          f"(SIPp exit {code}) in {elapsed:.1f} s, incl. {args.short_hold_ms / 1000:.0f} s talk of the last")
    print(f"  sustained: {calls / max(1.0, elapsed - args.short_hold_ms / 1000):.1f} call attempts/s "
          f"{'with no failed call' if failed == 0 else 'WITH FAILED CALLS'}")
    print(f"  post-dial delay (INVITE -> agent phone rings) p50 {percentile(delays, 50):.1f} ms, "
          f"p99 {percentile(delays, 99):.1f} ms, max {delays[-1] if delays else float('nan'):.1f} ms "
          f"(n={len(delays)})")
    per_call = {part: seconds * 1000 / max(1, ok) for part, seconds in used.items()}
    print("  CPU per call (ms): " + ", ".join(f"{part} {ms:.1f}" for part, ms in per_call.items())
          + f"; in all {sum(per_call.values()):.1f} ms: at most "
          f"{(os.cpu_count() or 1) * 1000 / max(0.1, sum(per_call.values())):.0f} calls/s on idle cores")


def phase_two(edge: Edge, work: Path, args: argparse.Namespace) -> None:
    _wait_until_idle(edge)
    ramp_s = args.held / 20
    started = time.monotonic()
    caller = _sipp(work, "caller2", CALLER.replace("@HOLD_MS@", str(args.hold * 1000)), [
        f"127.0.0.1:{edge.sip_port}", "-s", SERVICE_NUMBER, "-p", str(edge.trunk_port), "-r", "20",
        "-m", str(args.held), "-l", str(args.held), "-timeout", str(args.hold + 120), "-timeout_error"])
    with _running(caller):
        code = caller.wait()
    ok, failed = _outcome(work / "caller2.out")
    print(f"phase 2: {args.held} calls ramped at 20/s, each held {args.hold} s: {ok} successful, {failed} "
          f"failed (SIPp exit {code}) in {time.monotonic() - started:.1f} s")
    if failed == 0 and ok == args.held:
        print(f"  {ok} calls established at once for {args.hold - ramp_s:.0f} s")


# Set-up --------------------------------------------------------------------------------------------


def _agents(services: Services, count: int) -> None:
    for n in range(count):
        name = f"agent{n:03d}"
        user, _ = services.identity.create_user(
            NewUser(name, name.title(), f"{name}@bench.example", frozenset({Role.AGENT}), "fr"), SIP_PASSWORD)
        services.agents.set_profile(name, ProfileIn(f"sip:{name}@bench.example", ["fr"]))
        services.sip_accounts.set_password(name, SIP_PASSWORD)
        services.presence.set_status(user.id, "available")


def _register_all(edge: Edge, work: Path, count: int) -> None:
    text = REGISTER.replace("@CONTACT_PORT@", str(edge.phones_port))

    def register(n: int) -> int:
        name = f"agent{n:03d}"
        for _ in range(3):  # a port taken meanwhile by another program, a lost datagram: try again
            run = _sipp(work, f"register-{name}", text, [
                f"127.0.0.1:{edge.sip_port}", "-s", name, "-au", name, "-ap", SIP_PASSWORD, "-m", "1",
                "-p", str(free_port()), "-timeout", "10", "-timeout_error"], quiet=True)
            if run.wait(20) == 0:
                return 0
        return 1

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(register, range(count)))
    if any(codes):
        raise SystemExit(f"{sum(1 for c in codes if c)} of {count} phones did not register")
    deadline = time.monotonic() + 30
    while len(edge.services.phone_registrations.registered_users()) < count:
        if time.monotonic() > deadline:
            raise SystemExit("the registrations did not all reach the service")
        time.sleep(0.2)
    print(f"{count} agents registered (contacts on the SIPp phones at port {edge.phones_port})")


def _wait_until_idle(edge: Edge) -> None:
    deadline = time.monotonic() + 30
    while edge.services.call_lifecycle.waiting() and time.monotonic() < deadline:
        time.sleep(0.5)


# Processes -----------------------------------------------------------------------------------------


def _sipp(work: Path, name: str, scenario: str, args: list[str],
          quiet: bool = False) -> subprocess.Popen[bytes]:
    path = work / f"{name}.xml"
    path.write_text(scenario)
    out = subprocess.DEVNULL if quiet else (work / f"{name}.out").open("wb")
    return subprocess.Popen(["sipp", "-sf", str(path), "-i", "127.0.0.1", "-nostdin", *args], stdout=out,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=work,
                            start_new_session=True)


@contextmanager
def _running(process: subprocess.Popen[bytes]) -> Iterator[None]:
    try:
        yield
    finally:
        _stop(process)


@contextmanager
def _process(name: str, argv: list[str], env: dict[str, str], work: Path) -> Iterator[None]:
    with (work / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    with _running(process):
        yield


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_http(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error: it answers
                return
            time.sleep(0.2)
    raise SystemExit("the web process did not answer within 60 s")


# SIPp's results ------------------------------------------------------------------------------------


def _outcome(out: Path) -> tuple[int, int]:
    """Return (successful, failed) calls from SIPp's final screen."""
    text = out.read_text(errors="replace")
    ok = re.findall(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", text)
    failed = re.findall(r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)", text)
    return (int(ok[-1]) if ok else 0), (int(failed[-1]) if failed else -1)


def _response_times(work: Path) -> Iterator[float]:
    """Yield the response times SIPp traced (ms, whole): the caller's INVITE to the phone's 183."""
    for path in work.glob("caller1_*_rtt.csv"):  # Date_ms;response_time_ms;rtd_no
        with path.open() as handle:
            for row in csv.reader(handle, delimiter=";"):
                if len(row) == 3 and row[2].strip() == "1":
                    yield float(row[1])


if __name__ == "__main__":
    main()
