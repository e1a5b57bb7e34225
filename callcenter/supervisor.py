"""What `callcenter up` runs: migrations, the embedded Redis, then web, workers and scheduler as children.

A child that dies is started again after a backoff (1 s, growing while it keeps dying young). Ctrl-C
or SIGTERM stops the children with SIGTERM — the web finishes its requests, a worker its job — waits
up to a grace period, kills what is left, and stops the embedded Redis last (it saves its data).
Children run in their own sessions, so a terminal's Ctrl-C reaches only this process.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from callcenter.childproc import kill_group, spawn
from callcenter.redis_connection import EmbeddedRedis
from callcenter.settings import Settings

log = logging.getLogger(__name__)

RESTART_BACKOFF_S = (1, 2, 5, 10, 30)
STABLE_AFTER_S = 60  # a child that ran this long counts as healthy: its next restart is quick again
GRACE_S = 30.0  # after SIGTERM, before SIGKILL: a worker finishes the job in hand
ANNOUNCE_WITHIN_S = 30.0  # print the URL once healthy, or with what is failing after this long
_TICK_S = 0.2


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    quick_deaths: int = 0
    due: float = 0.0

    def start(self, env: dict[str, str]) -> None:
        self.process = spawn(self.argv, env)
        self.started = time.monotonic()
        log.info("started %s (pid %s)", self.name, self.process.pid)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    def __init__(self, settings: Settings, *, host: str, port: int, demo: bool = False,
                 config_file: Path | None = None, out: TextIO | None = None,
                 grace_s: float = GRACE_S) -> None:
        self._settings = settings
        self._host, self._port = host, port
        self._demo = demo
        self._config_file = config_file
        self._out = out or sys.stdout
        self._grace_s = grace_s
        self._stopping = False  # a plain flag: set from a signal handler, read by the loop
        self._children: list[Child] = []
        self._redis: EmbeddedRedis | None = None

    def run(self) -> int:
        """Prepare, start the children and keep them running until stop()."""
        self._prepare()
        try:
            self._children = self._child_specs()
            self._loop()
        finally:
            self._shutdown()
        self._say("callcenter stopped")
        return 0

    def stop(self) -> None:
        """Ask the loop to stop the children and return."""
        self._stopping = True

    def _prepare(self) -> None:
        self._settings.data_dir.mkdir(parents=True, exist_ok=True)
        self._migrate()
        if self._settings.embedded_redis:
            server = EmbeddedRedis.for_settings(self._settings)
            # Own (and later stop) only a server we start: one already answering belongs to someone else.
            self._redis = server if server.start() else None
        if self._demo:
            for line in self._demo_lines():
                self._say(line)

    def _migrate(self) -> None:
        from callcenter.db import migrate
        from callcenter.db.engine import make_engine

        engine = make_engine(self._settings.effective_database_url)
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()

    def _demo_lines(self) -> list[str]:
        from callcenter.bootstrap import build_services
        from callcenter.demo import load_demo

        services = build_services(self._settings)
        try:
            return load_demo(services)
        finally:
            services.close()

    def _child_specs(self) -> list[Child]:
        base = [sys.executable, "-m", "callcenter.cli"]
        if self._config_file is not None:
            base += ["--config", str(self._config_file.resolve())]
        web = Child("web", [*base, "web", "--host", self._host, "--port", str(self._port)])
        count = self._settings.worker_processes
        workers = [Child(f"worker-{n}", [*base, "worker"]) for n in range(1, count + 1)]
        demo = [Child("demo-calls", [*base, "demo-calls", "--url", self._url()])] if self._demo else []
        runs_sip = _runs_sip(self._settings)
        sip = [Child("sip", [*base, "sip", "--cti-url", self._url().rstrip("/")])] if runs_sip else []
        return [web, *workers, Child("scheduler", [*base, "scheduler"]), *sip, *demo]

    def _loop(self) -> None:
        # Children find the data dir (SQLite file, Redis socket, secret key) whatever their cwd.
        env = {**os.environ, "CALLCENTER_DATA_DIR": str(self._settings.data_dir.resolve())}
        announcer = _Announcer(self._url(), self._say)
        while not self._stopping:
            now = time.monotonic()
            for child in self._children:
                self._tend(child, env, now)
            self._tend_redis()
            announcer.poll(now)
            time.sleep(_TICK_S)

    def _tend(self, child: Child, env: dict[str, str], now: float) -> None:
        if child.process is None:
            if now >= child.due:
                child.start(env)
            return
        code = child.process.poll()
        if code is None:
            return
        kill_group(child.process.pid, signal.SIGTERM)  # what it forked and left behind (rq's scheduler)
        child.quick_deaths = 0 if now - child.started >= STABLE_AFTER_S else child.quick_deaths + 1
        delay = RESTART_BACKOFF_S[min(max(child.quick_deaths - 1, 0), len(RESTART_BACKOFF_S) - 1)]
        log.warning("%s (pid %s) exited with status %s; restarting in %s s", child.name, child.process.pid,
                    code, delay)
        child.process, child.due = None, now + delay

    def _tend_redis(self) -> None:
        if self._redis is None or not self._redis.exited():
            return
        log.error("the embedded Redis exited; starting it again")
        try:
            self._redis.start()
        except Exception:
            log.exception("could not restart the embedded Redis")

    def _shutdown(self) -> None:
        started = [c for c in self._children if c.process is not None]
        running = [c for c in started if c.running()]
        if running:
            self._say("stopping: " + ", ".join(c.name for c in running))
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self._grace_s
        for child in started:
            assert child.process is not None
            self._wait_or_kill(child, child.process, deadline)
        if self._redis is not None:
            self._redis.stop()

    def _wait_or_kill(self, child: Child, process: subprocess.Popen[bytes], deadline: float) -> None:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s (pid %s) did not stop within %.0f s; killing it", child.name, process.pid,
                        self._grace_s)
            kill_group(process.pid, signal.SIGKILL)
            process.wait()
        kill_group(process.pid, signal.SIGKILL)  # nothing of a stopped child may outlive `up`

    def _url(self) -> str:
        host = "127.0.0.1" if self._host in ("", "0.0.0.0", "::") else self._host
        return f"http://{host}:{self._port}/"

    def _say(self, line: str) -> None:
        self._out.write(line + "\n")
        self._out.flush()


def _runs_sip(settings: Settings) -> bool:
    """Tell whether `up` runs `callcenter sip`: SIP enabled, and Kamailio installed unless run elsewhere."""
    from callcenter.sip.kamailio_process import kamailio_installed

    if not settings.sip_enabled:
        return False
    if settings.sip_run_kamailio and not kamailio_installed():
        log.warning("sip_enabled is set but kamailio is not installed: the SIP edge does not run")
        return False
    return True


class _Announcer:
    """Print the URL to open once /healthz says ok, or after ANNOUNCE_WITHIN_S with what is failing."""

    def __init__(self, url: str, say: Any) -> None:
        self._url = url
        self._say = say
        self._since = time.monotonic()
        self._next = 0.0
        self._done = False

    def poll(self, now: float) -> None:
        if self._done or now < self._next:
            return
        self._next = now + 0.5
        body = _fetch_health(self._url + "healthz")
        if body is None or (body.get("status") != "ok" and now - self._since < ANNOUNCE_WITHIN_S):
            return
        self._done = True
        self._say(f"callcenter is up: {self._url}  (health: {_summary(body)}; details at {self._url}healthz)")


def _fetch_health(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return dict(json.load(response))
    except urllib.error.HTTPError as exc:  # 503: the body still says what is down
        try:
            return dict(json.load(exc))
        except ValueError:
            return None
    except (OSError, ValueError):
        return None


def _summary(body: dict[str, Any]) -> str:
    parts = [str(body.get("status"))]
    for name, part in body.items():
        if isinstance(part, dict):
            state = f"{part.get('count')}" if name == "workers" else ("ok" if part.get("ok") else "failing")
            parts.append(f"{name} {state}")
    return parts[0] + " — " + ", ".join(parts[1:])
