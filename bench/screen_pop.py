"""Print screen-pop latency to the agents' pages (p95 ≤ 250 ms) and route decision latency (p99 ≤ 10 ms).

A front office of its own (bench.front_office: a PostgreSQL schema, a Redis server, ``--agents`` French-
speaking agents and as many callers as calls, each with an open question) served by `callcenter web`
(gunicorn, gthread) on loopback, with wrap-up 0 s so that every agent is free again after each call.

1. Route decisions: ``--decisions`` calls routed, answered and hung up one after the other, ``--pace``
   seconds apart, first through the service in-process, then as signed ``POST /cti/v1/route`` to the
   server; p50/p95/p99 of the route (the answer events and hang-ups, the work left for after each answer
   and the CPU of the bench's thread meanwhile are printed too).
2. Screen-pops: every agent logged in to the panel in Chromium, one browser context (and one live
   stream) each, available. For each of ``--calls`` calls, the time from sending the route request that
   rings the agents to the caller's registration number being in each rung agent's page DOM.

Run from the repository root: python -m bench.screen_pop [--agents 50] [--calls 30] [--decisions 300]
[--only pop | route | in-process]
"""

from __future__ import annotations

import argparse
import functools
import gc
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from bench import route_decisions as decisions
from bench.agent_pages import AgentPage, chromium, open_panel, visible_pages
from bench.cpu_meter import CpuMeter, Key, spent_by_part, with_application_name
from bench.front_office import (
    DEFAULT_PG_URL,
    SERVICE_NUMBER,
    Caller,
    Office,
    bench_services,
    load_line,
    office_env,
    office_settings,
    private_redis,
    private_schema,
    seed,
    summary,
)

POP_TIMEOUT_S = 10.0
# The pages note when the number appears (their MutationObserver, their clock); the bench reads those
# notes this long after sending the route, not at once: reading 50 pages while the pops are delivered
# takes CPU from the delivery measured, more so the sooner the route is answered.
READ_AFTER_S = 1.0
Timings = dict[str, list[float]]
BROWSER_PARTS = ("browser", "renderers", "GPU", "utilities")
LABELS = {
    "pop": "POST route → number in the DOM",
    "last": "… in the call's last page",
    "published": "  part: route → pop in Redis",
    "delivered": "  part: Redis → page's stream",
    "rendered": "  part: stream → number in DOM",
    "route": "POST route answered (meanwhile)",
}


def main() -> None:
    # Stopped by SIGTERM (a timeout): leave through the cleanups (web process, Redis, schema, browser).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=50, help="agents connected (one browser context each)")
    parser.add_argument("--calls", type=int, default=30, help="calls whose screen-pops are timed (≤ 500)")
    parser.add_argument("--decisions", type=int, default=300, help="route decisions timed per way (≤ 5000)")
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between two calls timed to the pages")
    parser.add_argument("--pace", type=float, default=0.05,
                        help="seconds of idle before each call whose route decision is timed (both ways)")
    parser.add_argument("--ring-max-targets", type=int, default=0,
                        help="agents rung at once per call (the setting; 0: every free agent, ring-all)")
    parser.add_argument("--only", choices=["pop", "route", "in-process"],
                        help="run one of the measurements (in-process: the decisions, no server)")
    parser.add_argument("--url", default=DEFAULT_PG_URL, help="PostgreSQL URL (SQLAlchemy, psycopg 3)")
    args = parser.parse_args()
    args.calls, args.decisions = min(args.calls, 500), min(args.decisions, 5000)  # bounded in time
    print(load_line("at the start"))
    with private_redis() as redis_url, private_schema(args.url) as db_url, \
            tempfile.TemporaryDirectory(prefix="bench-screen-pop-") as data_dir:
        # Named so that the CPU meter finds the web process's PostgreSQL backends.
        env = office_env(Path(data_dir) / "var", with_application_name(db_url), redis_url, wrap_up_s="0",
                         web_threads=str(args.agents + 32), ring_max_targets=str(args.ring_max_targets))
        run(args, env, Path(data_dir))
    print(load_line("at the end"))


def run(args: argparse.Namespace, env: dict[str, str], data_dir: Path) -> None:
    services = bench_services(office_settings(env))
    try:
        started = time.perf_counter()
        warmup = 30
        routed = 2 * (args.decisions + warmup) if args.only != "pop" else 0
        popped = args.calls + 1 if args.only in (None, "pop") else 0
        office = seed(services, env, args.agents, routed + popped)
        print(f"seeded {args.agents} agents and {len(office.callers)} callers with an open question "
              f"in {time.perf_counter() - started:.0f} s")
        if args.only == "in-process":
            route_phase(services, office, None, args.decisions, warmup, args.pace)
            return
        with decisions.web_process(env, data_dir / "web.log") as url:
            if args.only != "pop":
                route_phase(services, office, url, args.decisions, warmup, args.pace)
            if args.only != "route":
                pop_phase(office, url, office.callers[-(args.calls + 1):], args.gap,
                          env["CALLCENTER_REDIS_URL"], env["CALLCENTER_DATABASE_URL"])
    finally:
        services.close()


def route_phase(services: Any, office: Office, url: str | None, n: int, warmup: int, pace_s: float) -> None:
    """Time route decisions in-process, then through the server (unless ``url`` is None), each on callers
    of their own, with ``pace_s`` of idle before each call both ways (calls come one by one: a decision
    after idle is slower than one right after another)."""
    decisions.make_available(services, office)
    gc.freeze()  # as a web worker does once its app is built (callcenter.web.server)
    agents = len(office.agents)
    local = decisions.measure(decisions.in_process(services), office.callers[:warmup + n], warmup, pace_s)
    most = services.settings.ring_max_targets
    rung = f"each call rings {most} of them" if most else "ring-all"
    decisions.report(f"\nRoute decisions in-process ({n} calls, {agents} agents available, {rung}, "
                     f"{pace_s * 1000:.0f} ms between a call's hang-up and the next):", local)
    if url is None:
        return
    client = decisions.SignedClient(url)
    try:
        served = decisions.measure(client, office.callers[warmup + n:2 * (warmup + n)], warmup, pace_s)
    finally:
        client.close()
    decisions.report(f"\nRoute decisions through `callcenter web` ({n} signed POST /cti/v1/route on a "
                     f"keep-alive connection, {pace_s * 1000:.0f} ms between a call's hang-up and the next):",
                     served)


def pop_phase(office: Office, url: str, callers: list[Caller], gap: float, redis_url: str,
              database_url: str) -> None:
    """Open every agent's panel, then time each call's screen-pop to every page it rings, and measure
    the CPU the calls cost the server side and the pages' browser (less noisy than latency on a
    machine whose two cores run fifty pages)."""
    with chromium() as browser:
        started = time.perf_counter()
        pages = {username: open_panel(browser, url, username) for _, username in office.agents}
        print(f"\n{len(pages)} panels open and available in {time.perf_counter() - started:.0f} s "
              f"({visible_pages(list(pages.values()))} visible); page clocks within "
              f"{max(abs(p.offset_ms) for p in pages.values()):.1f} ms of ours "
              f"(± {max(p.offset_error_ms for p in pages.values()):.1f} ms)")
        client = decisions.SignedClient(url)
        meter = CpuMeter(int(urlsplit(url).port or 0), int(urlsplit(redis_url).port or 0), database_url)
        try:
            _pop_one(client, pages, callers[0], {})  # untimed: the first pop of each page warms it up
            timings: Timings = {}
            windows: dict[str, float] = {}  # CPU used from sending each route until its pages are read
            meter.start()
            browser_cpu = _browser_processes()
            for caller in callers[1:]:
                time.sleep(gap)
                _pop_one(client, pages, caller, timings, functools.partial(_cpu_now, meter), windows)
            browser_cpu = spent_by_part(browser_cpu, _browser_processes())
            server_cpu = meter.stop()
        finally:
            client.close()
            meter.close()
    calls = len(callers) - 1
    print(f"\nScreen-pops to the agents' pages ({calls} calls, {len(timings.get('pop', []))} pops):")
    for name, label in LABELS.items():
        print("  " + summary(label, timings.get(name, [])))
    print(f"  CPU per call (route, pops, answer, hang-up): {_cpu_line(server_cpu | browser_cpu, calls)}")
    print(f"  … of which from the route until the pages are read ({READ_AFTER_S:.0f} s, the pops): "
          f"{_cpu_line(windows, calls)}")


def _cpu_now(meter: CpuMeter) -> dict[Key, float]:
    return meter.processes() | _browser_processes()


def _cpu_line(spent: dict[str, float], calls: int) -> str:
    """Say the CPU milliseconds per call of the server side, then of the pages' browser, by process kind."""
    ms = {part: seconds * 1000 / max(1, calls) for part, seconds in spent.items()}
    browser = sum(ms.get(part, 0.0) for part in BROWSER_PARTS)
    kinds = ", ".join(f"{part} {ms.get(part, 0.0):.0f}" for part in BROWSER_PARTS)
    return (f"web {ms.get('web', 0.0):.1f} ms, Redis {ms.get('redis', 0.0):.1f}, PostgreSQL "
            f"{ms.get('postgres', 0.0):.1f}; the pages' Chromium {browser:.0f} ({kinds}); the bench's "
            f"Playwright driver {ms.get('playwright', 0.0):.0f}")


def _pop_one(client: decisions.SignedClient, pages: dict[str, AgentPage], caller: Caller,
             timings: Timings, cpu: Callable[[], dict[Key, float]] | None = None,
             windows: dict[str, float] | None = None) -> None:
    """Ring a call and time its pops in every page rung, then answer and end it; with ``cpu``, add
    to ``windows`` the CPU used from the route until the pages are read."""
    call_id = f"pop-{uuid.uuid4().hex[:12]}"
    before = cpu() if cpu is not None else {}
    sent = time.time() * 1000
    decision, _ = client("route", {"call_id": call_id, "request_id": f"r-{call_id}", "from": caller.number,
                                   "to": SERVICE_NUMBER, "round": 1})
    timings.setdefault("route", []).append(time.time() * 1000 - sent)
    if decision.get("action") != "ring":
        raise SystemExit(f"call {call_id} was not rung: {decision}")
    rung = [t["agent"] for t in decision["targets"]]
    time.sleep(max(0.0, READ_AFTER_S - (time.time() * 1000 - sent) / 1000))
    if cpu is not None and windows is not None:
        for part, seconds in spent_by_part(before, cpu()).items():
            windows[part] = windows.get(part, 0.0) + seconds
    seen = {agent: pages[agent].seen_at(caller.registration_number, POP_TIMEOUT_S) for agent in rung}
    missing = [agent for agent, at in seen.items() if at is None]
    if missing:
        raise SystemExit(f"no pop of {caller.registration_number} within {POP_TIMEOUT_S:.0f} s for {missing}")
    for agent, at in seen.items():
        assert at is not None
        timings.setdefault("pop", []).append(at - sent)
        _split(timings, sent, pages[agent].pop_after(sent), at)
    timings.setdefault("last", []).append(max(at for at in seen.values() if at is not None) - sent)
    client("events", {"event_id": f"a-{call_id}", "event": "answer", "call_id": call_id, "agent": rung[0]})
    client("events", {"event_id": f"h-{call_id}", "event": "hangup", "call_id": call_id,
                      "cause": "normalClearing"})


def _browser_processes() -> dict[Key, float]:
    """Return the CPU seconds used so far by the browser's processes (our descendants but the web's), by
    (kind, pid); kinds: the browser itself, the pages' renderers, the GPU process (compositing, without
    a GPU), the utilities (the network service among them), and Playwright's driver (the bench's)."""
    used: dict[Key, float] = {}
    for child in psutil.Process().children(recursive=True):
        try:
            name = child.name().lower()
            if "chrom" in name:
                kind = _kind(child.cmdline())
            elif name.startswith("node"):
                kind = "playwright"
            else:
                continue
            times = child.cpu_times()
            used[(kind, child.pid)] = times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return used


def _kind(cmdline: list[str]) -> str:
    kind = next((arg.split("=", 1)[1] for arg in cmdline if arg.startswith("--type=")), "browser")
    return {"browser": "browser", "renderer": "renderers", "gpu-process": "GPU"}.get(kind, "utilities")


def _split(timings: Timings, sent: float, pop: tuple[float, float] | None, seen: float) -> None:
    """Add the three parts of one pop's latency: until Redis took it, its delivery, the page's work."""
    if pop is None:
        return
    published, arrived = pop
    for name, ms in (("published", published - sent), ("delivered", arrived - published),
                     ("rendered", seen - arrived)):
        timings.setdefault(name, []).append(ms)


if __name__ == "__main__":
    main()
