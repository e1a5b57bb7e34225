"""Real `callcenter web` processes for the CTI tests: an office open around the clock, PostgreSQL, Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import callcenter
from callcenter.calendar_files import build_calendar_service
from callcenter.services.clock import SystemClock
from callcenter.settings import Settings
from tests.loopback_ports import free_port

REPO = Path(callcenter.__file__).resolve().parents[1]
SECRET = "two-node-secret"
# Open every day, all day: the tests run whenever CI does. Public holidays still close the office.
ALWAYS_OPEN = {"CALLCENTER_OFFICE_HOURS": "mon-sun 00:00-23:59", "CALLCENTER_YEAR_END_CLOSURE": "false",
               "CALLCENTER_FEDERAL_STAFF_HOLIDAYS": "false", "CALLCENTER_CLOSURES_FILE": "",
               "CALLCENTER_CTI_SECRET": SECRET}


def process_env(data_dir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(ALWAYS_OPEN, CALLCENTER_DATA_DIR=str(data_dir), CALLCENTER_DATABASE_URL=database_url,
               CALLCENTER_REDIS_URL=redis_url, CALLCENTER_WEB_THREADS="16", CALLCENTER_LOG_LEVEL="WARNING",
               PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]))
    return env


def open_settings(make_settings: object, database_url: str, redis_url: str) -> Settings:
    """Settings of the test process matching the processes' (same office hours and secret)."""
    return make_settings(database_url=database_url, redis_url=redis_url, cti_secret=SECRET,  # type: ignore[operator]
                         office_hours=ALWAYS_OPEN["CALLCENTER_OFFICE_HOURS"], year_end_closure=False,
                         federal_staff_holidays=False, closures_file=Path(""))


def skip_unless_open(settings: Settings) -> None:
    if not build_calendar_service(settings, SystemClock()).is_open():
        pytest.skip("the office is closed right now (a public holiday or the last minute of the day)")


@contextmanager
def web_process(env: dict[str, str], log: Path) -> Iterator[str]:
    """Run `callcenter web` on a free port until the block ends; yield its base URL once it answers."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "callcenter.cli", "web", "--port", str(port)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the web process exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                json.load(response)
                return
        except urllib.error.HTTPError:
            return  # 503: it answers (a part is down, e.g. no worker)
        except (OSError, ValueError):
            time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:]
    raise AssertionError(f"the web process did not answer within 30 s: {tail}")
