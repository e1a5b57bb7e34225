"""CTI API of real `callcenter web` processes: simulate-call, two nodes sharing Redis and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from callcenter.bootstrap import Services
from callcenter.services.clock import SystemClock
from tests.conftest import _truncate_all
from tests.integration.routing_support import CITIZEN, OUR_NUMBER, add_agent, routing_services
from tests.integration.web_processes import SECRET, open_settings, process_env, skip_unless_open, web_process
from webhooks.cti_client import CtiClient

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SIMULATE = [sys.executable, "-m", "callcenter.cli", "simulate-call"]


@pytest.fixture
def shared(make_settings: Any, pg_schema_url: str, redis_url: str,
           tmp_path: Path) -> Iterator[tuple[Services, dict[str, str]]]:
    """Services of the test process and the environment of web processes, on one PostgreSQL and Redis."""
    settings = open_settings(make_settings, pg_schema_url, redis_url)
    skip_unless_open(settings)
    services = routing_services(settings, SystemClock())
    yield services, process_env(tmp_path / "var", pg_schema_url, redis_url)
    _truncate_all(services.engine)
    services.close()


def test_simulate_call_drives_a_real_web_process_through_a_whole_call(shared: Any, tmp_path: Path) -> None:
    services, env = shared
    marie = add_agent(services, "marie", "fr", "nl")
    with web_process(env, tmp_path / "web.log") as url:
        done = subprocess.run([*SIMULATE, "--from", "0471 12 34 56", "--answer-after", "0.2",
                               "--duration", "0.3", "--url", url], env=env, capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any("route round 1 → ring marie <sip:marie@pbx.test>" in line for line in lines), lines
    assert any("answer by marie → processed (answered by agent" in line for line in lines), lines
    assert lines[-1].endswith("the call is over; outcome answered")
    [call_id] = {line.split(":")[0] for line in lines}
    record = services.call_lifecycle.record(call_id)
    assert (record["from"], record["to"], record["agent_id"], record["outcome"]) == (
        CITIZEN, OUR_NUMBER, marie, "answered")
    assert services.presence.get(marie).status == "wrap_up"


def test_simulate_call_says_so_when_the_api_refuses_it(shared: Any, tmp_path: Path) -> None:
    _, env = shared
    with web_process(env, tmp_path / "web.log") as url:
        done = subprocess.run([*SIMULATE, "--from", "0471123456", "--url", url],
                              env={**env, "CALLCENTER_CTI_SECRET": "wrong"}, capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 1 and "HTTP 401 bad-signature" in done.stdout


def test_two_nodes_deciding_concurrent_calls_never_double_book_an_agent(shared: Any, tmp_path: Path) -> None:
    services, env = shared
    agents = {add_agent(services, f"agent{n}", "fr") for n in range(6)}
    with web_process(env, tmp_path / "a.log") as first, web_process(env, tmp_path / "b.log") as second:
        nodes = [CtiClient(first, SECRET), CtiClient(second, SECRET)]
        start = threading.Barrier(16)

        def call(n: int) -> dict[str, Any]:
            start.wait(timeout=30)
            return nodes[n % 2].route(f"two-{n}", f"r-{n}", CITIZEN, OUR_NUMBER)

        with ThreadPoolExecutor(max_workers=16) as pool:
            decisions = list(pool.map(call, range(16)))
        rung = [t["agent_id"] for d in decisions if d["action"] == "ring" for t in d["targets"]]
        assert sorted(rung) == sorted(agents), decisions  # each free agent rings, for one caller only
        ringing = [(n, d["targets"][0]["agent"]) for n, d in enumerate(decisions) if d["action"] == "ring"]
        for n, agent in ringing:  # each ringing call is answered through the other node
            nodes[(n + 1) % 2].event({"event_id": f"a-{n}", "event": "answer", "call_id": f"two-{n}",
                                      "agent": agent})
    on_call = [v for v in services.presence.all() if v.status == "on_call"]
    assert len(on_call) == len(ringing) and len({v.call_id for v in on_call}) == len(ringing)
