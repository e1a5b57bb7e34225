"""Health of one process's view of the system, for GET /healthz and `callcenter up`.

Required parts — the database (reachable, schema at the migration head) and Redis — make the answer
503 "down" when they fail: the service cannot take a call without them. The others make it 200
"degraded": without a live worker jobs wait in Redis, without the scheduler periodic jobs are late,
and ffmpeg is only needed for recordings (make it required once recordings exist).
Each check runs in its own daemon thread and is given up after CHECK_TIMEOUT_S, so /healthz answers
in bounded time even when a server hangs; a check never raises.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from callcenter.services.ports import HealthProbe

CHECK_TIMEOUT_S = 3.0
FFMPEG = "ffmpeg"


class HealthService:
    def __init__(self, probes: list[HealthProbe], timeout_s: float = CHECK_TIMEOUT_S) -> None:
        self._probes = probes
        self._timeout_s = timeout_s

    def report(self) -> tuple[int, dict[str, Any]]:
        """Run every check; return the HTTP status and {"status": ok|degraded|down, <part>: {...}}."""
        results = _run_all(self._probes, self._timeout_s)
        down = any(p.required and not results[p.name]["ok"] for p in self._probes)
        degraded = any(not results[p.name]["ok"] for p in self._probes)
        status = "down" if down else "degraded" if degraded else "ok"
        return (503 if down else 200), {"status": status, **results}


def build_health_service(services: Any) -> HealthService:
    """Build the health checks on this process's services (Redis may be absent: no_redis)."""
    from callcenter.redis_connection import with_timeouts

    # A client of its own with short timeouts: a hung Redis must not hold /healthz (or a shared
    # connection) for the default socket timeout.
    redis = with_timeouts(services.redis, 2.0) if services.redis is not None else None
    settings, clock = services.settings, services.clock
    return HealthService([
        Check("database", True, lambda: check_database(services.engine)),
        Check("redis", True, lambda: check_redis(redis, embedded=settings.embedded_redis)),
        Check("workers", False, lambda: check_workers(redis)),
        Check("scheduler", False, lambda: check_scheduler(redis, clock, settings.scheduler_interval_s)),
        Check("ffmpeg", False, check_ffmpeg),
        Check("routing", False, lambda: services.call_lifecycle.routing_health()),
    ])


@dataclass
class Check:
    """A HealthProbe made of a name, whether it is required and a function returning its details."""

    name: str
    required: bool
    run: Callable[[], dict[str, Any]]

    def check(self) -> dict[str, Any]:
        try:
            return self.run()
        except Exception as exc:
            return {"ok": False, "error": _describe(exc)}


def check_database(engine: Any) -> dict[str, Any]:
    """Reach the database and compare its schema revision with the migration head."""
    from sqlalchemy import text

    from callcenter.db import migrate

    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    current, head = sorted(migrate.current_revisions(engine)), sorted(_head_revisions())
    details: dict[str, Any] = {"ok": current == head, "revision": current, "head": head}
    if current != head:
        details["error"] = "the schema is not at the migration head: run `callcenter db upgrade`"
    return details


def check_redis(redis: Any, *, embedded: bool) -> dict[str, Any]:
    """PING Redis and time the answer."""
    mode = "embedded" if embedded else "external"
    if redis is None:
        return {"ok": False, "mode": mode, "error": "this process runs without Redis"}
    started = time.monotonic()
    redis.ping()
    return {"ok": True, "mode": mode, "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def check_workers(redis: Any) -> dict[str, Any]:
    """Count the live RQ workers."""
    if redis is None:
        return {"ok": False, "count": 0, "error": "this process runs without Redis"}
    from callcenter.jobs.worker import live_worker_count

    count = live_worker_count(redis)
    return {"ok": count > 0, "count": count}


def check_scheduler(redis: Any, clock: Any, interval_s: float) -> dict[str, Any]:
    """Say how long ago a scheduler last reported alive; late after three missed ticks."""
    if redis is None:
        return {"ok": False, "error": "this process runs without Redis"}
    from callcenter.jobs.scheduler import read_heartbeat

    beat = read_heartbeat(redis)
    if beat is None:
        return {"ok": False, "error": "no scheduler has reported"}
    age = (clock.now() - beat).total_seconds()
    return {"ok": age <= interval_s * 3 + 5, "age_s": round(age, 1)}


def check_ffmpeg() -> dict[str, Any]:
    """Find ffmpeg and read its version line (once per process)."""
    return dict(_ffmpeg_version())


@functools.cache
def _ffmpeg_version() -> tuple[tuple[str, Any], ...]:
    path = shutil.which(FFMPEG)
    if path is None:
        return (("ok", False), ("error", "ffmpeg is not on the PATH"))
    out = subprocess.run([path, "-version"], capture_output=True, text=True, timeout=CHECK_TIMEOUT_S,
                         check=False)
    first = (out.stdout.splitlines() or [""])[0]
    return (("ok", out.returncode == 0 and bool(first)), ("path", path), ("version", first))


@functools.cache
def _head_revisions() -> tuple[str, ...]:
    from callcenter.db import migrate

    return migrate.head_revisions()


def _run_all(probes: list[HealthProbe], timeout_s: float) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}

    def run(probe: HealthProbe) -> None:
        results[probe.name] = probe.check()

    threads = [threading.Thread(target=run, args=(p,), name=f"health-{p.name}", daemon=True) for p in probes]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout_s
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    timed_out = {"ok": False, "error": f"no answer within {timeout_s:g} s"}
    return {p.name: dict(results.get(p.name, timed_out), required=p.required) for p in probes}


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
