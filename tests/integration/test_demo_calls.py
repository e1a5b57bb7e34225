"""The calls part of `up --demo`: demo agents with phones and languages, and the caller that runs only
then."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from callcenter.bootstrap import Services
from callcenter.demo import load_demo
from callcenter.demo_calls import DemoCaller, demo_numbers
from callcenter.services.clock import FixedClock
from callcenter.supervisor import Supervisor
from tests.integration.routing_support import T0, routing_services


@pytest.fixture(name="demo")
def demo_services(make_settings: Any, database_url: str) -> Iterator[Services]:
    built = routing_services(make_settings(database_url=database_url), FixedClock(T0), no_redis=True)
    yield built
    built.close()


class FakeCti:
    """A CTI API that announces "closed" to every call and records what it was sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.called = threading.Event()

    def route(self, call_id: str, request_id: str, from_number: str, to_number: str, round_: int = 1,
              test: bool = False) -> dict[str, Any]:
        self.sent.append({"route": from_number})
        return {"action": "announce", "announcement": "closed", "language": "fr", "text": "Fermé."}

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(event)
        self.called.set()
        return {"status": "processed", "outcome": "out_of_hours"}


def test_the_demo_creates_agents_with_phones_and_prints_their_logins_once(demo: Services) -> None:
    first = [line for line in load_demo(demo) if line.startswith("demo: agent ")]
    assert len(first) == 3 and all(" / " in line for line in first)
    assert "demo: agent demo.agent.nl / " in first[1] and first[1].endswith(
        "speaks nl, fr (sip:demo.agent.nl@pbx.demo.invalid)")
    assert [line for line in load_demo(demo) if line.startswith("demo: agent ")] == first
    assert [(p.username, p.languages) for p in demo.agents.all() if p.username.startswith("demo.agent")] == [
        ("demo.agent", ("fr", "nl")), ("demo.agent.de", ("de", "fr", "en")), ("demo.agent.nl", ("nl", "fr"))]


def test_the_demo_caller_calls_only_while_an_agent_is_available(demo: Services) -> None:
    load_demo(demo)
    cti = FakeCti()
    caller = DemoCaller(demo, cti, 0.05, lambda line: None)  # type: ignore[arg-type]
    runner = threading.Thread(target=caller.run)
    runner.start()
    time.sleep(0.3)
    assert cti.sent == []  # nobody available yet
    demo.presence.set_status(demo.agents.all()[0].user_id, "available")
    assert cti.called.wait(10)
    caller.stop()
    runner.join(10)
    assert not runner.is_alive()
    assert cti.sent[0]["event"] == "newCall" and cti.sent[0]["from"] in demo_numbers()


def test_only_up_demo_runs_the_demo_caller(make_settings: Any) -> None:
    def children(demo: bool) -> list[str]:
        supervisor = Supervisor(make_settings(), host="127.0.0.1", port=8123, demo=demo)
        return [child.name for child in supervisor._child_specs()]

    assert "demo-calls" not in children(False)
    supervisor = Supervisor(make_settings(), host="127.0.0.1", port=8123, demo=True)
    demo_child = [c for c in supervisor._child_specs()
                  if c.name == "demo-calls"]
    assert demo_child and demo_child[0].argv[-2:] == ["--url", "http://127.0.0.1:8123/"]
