"""`callcenter up` as a real process tree: healthy, a killed worker comes back, SIGTERM ends it all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

import callcenter
from tests.loopback_ports import free_port

pytestmark = pytest.mark.slow

REPO = Path(callcenter.__file__).resolve().parents[1]


def _wait_for(what: str, condition: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-30:])


def _health(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return dict(json.load(response))
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _children(up: psutil.Process, role: str) -> list[psutil.Process]:
    """Direct children of `up` started as `python -m callcenter.cli <role>`."""
    found = []
    for child in up.children():
        try:
            if role in child.cmdline()[3:5]:
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


@pytest.fixture
def up(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """Run `callcenter up` on a free port, a fresh data dir and the embedded Redis; kill all at the end."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(CALLCENTER_DATA_DIR=str(tmp_path / "var"), CALLCENTER_SCHEDULER_INTERVAL_S="1",
               PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]))
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "callcenter.cli", "up", "--port", str(port)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    seen: set[psutil.Process] = set()
    try:
        yield process, port, log
    finally:
        if process.poll() is None:
            seen.update(psutil.Process(process.pid).children(recursive=True))
            process.kill()
            process.wait()
        for leftover in seen:
            try:
                leftover.kill()
            except psutil.NoSuchProcess:
                pass


def test_up_runs_restarts_and_stops_everything(up: tuple[subprocess.Popen[bytes], int, Path]) -> None:
    process, port, log = up
    supervisor = psutil.Process(process.pid)

    body = _wait_for(f"a green /healthz; log:\n{_tail(log)}",
                     lambda: (h := _health(port)) and h["status"] == "ok" and h, 25)
    assert body["workers"]["count"] >= 1 and body["redis"]["mode"] == "embedded"
    _wait_for("the announcement", lambda: "callcenter is up: http://127.0.0.1:" in log.read_text(), 10)

    [worker] = _children(supervisor, "worker")
    orphans = worker.children(recursive=True)  # e.g. RQ's scheduler process, forked by the worker
    worker.kill()
    replacement = _wait_for("a new worker", lambda: [w for w in _children(supervisor, "worker")
                                                     if w.pid != worker.pid], 10)
    assert len(replacement) == 1

    tree = supervisor.children(recursive=True) + orphans
    assert any(p.name() == "redis-server" for p in tree)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    _, alive = psutil.wait_procs(tree, timeout=5)
    assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
    assert "callcenter stopped" in log.read_text()
    assert not (log.parent / "var" / "redis" / "redis.sock").exists()
