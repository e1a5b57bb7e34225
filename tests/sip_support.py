"""Real SIP peers for tests: our Kamailio (KamailioProcess, as `callcenter sip` runs it), a real
`callcenter web` serving the CTI API, SIPp phones that register and answer, SIPp callers through a
trusted trunk.

Use the ``sip_edge`` fixture (import it into a test module: ``from tests.sip_support import sip_edge``):

    def test_x(sip_edge: SipEdge) -> None:
        alice = sip_edge.add_agent("alice", "fr")           # user + agent profile + SIP password, available
        sip_edge.register(alice)                            # SIPp REGISTER with digest auth
        phone = sip_edge.phone(alice, "answer", after_ms=1000)   # SIPp UAS on alice's port
        caller = sip_edge.call(talk_ms=1000)                # SIPp UAC from the trusted trunk port
        assert caller.wait() == 0

Everything listens on 127.0.0.1, never on port 5060; each SIPp run is bounded (-m, -timeout) and every
process is started here and killed by its PID at the end. The web process and Kamailio share a SQLite
file (Kamailio's auth_db reads sip_credentials from it; override ``sip_database_url`` for another
database) and a Redis server of the test's own (no other test run can flush it). Scenario
templates live in tests/sip_scenarios/ (placeholders @NAME@). ``RtpEar`` is a UDP socket counting the RTP
packets that reach the address an endpoint's SDP offers: audio flowing directly between caller and agent.
Part B's announcement tests can reuse ``sip_edge`` (``sip_edge.settings``, ``.sip_port``, ``.trunk_port``).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from callcenter.bootstrap import Services, build_services
from callcenter.db import migrate
from callcenter.db.engine import make_engine
from callcenter.domain.agents import ProfileIn
from callcenter.domain.identity import NewUser, Role
from callcenter.live.streams import agent_stream
from callcenter.settings import Settings
from callcenter.sip.kamailio_process import KamailioProcess
from tests.integration.web_processes import open_settings, process_env, web_process
from tests.sip_peers import SIPP_TIMEOUT_S, RtpEar, Sipp, free_udp_port, private_redis

SCENARIOS = Path(__file__).resolve().parent / "sip_scenarios"
SERVICE_NUMBER = "+3225088586"  # French
SERVICE_NUMBER_NL = "+3225088587"
needs_sip_peers = pytest.mark.skipif(shutil.which("sipp") is None or shutil.which("kamailio") is None,
                                     reason="SIPp and Kamailio are not installed")


@dataclass
class Agent:
    user_id: int
    username: str
    sip_password: str
    port: int
    ear: RtpEar


@dataclass
class SipEdge:
    settings: Settings
    services: Services
    web_url: str
    kamailio: KamailioProcess
    tmp: Path
    trunk_port: int
    sip_port: int
    processes: list[Sipp] = field(default_factory=list)
    ears: list[RtpEar] = field(default_factory=list)

    def add_agent(self, username: str, *languages: str, available: bool = True,
                  registered_sip: bool = True) -> Agent:
        """Create a user with the agent role, a profile, a SIP password; make them available."""
        user, _ = self.services.identity.create_user(
            NewUser(username, username.title(), f"{username}@example.be", frozenset({Role.AGENT}), "fr"),
            f"Pw-{uuid.uuid4().hex}")
        profile = ProfileIn(f"sip:{username}@127.0.0.1", languages or ("fr",))
        self.services.agents.set_profile(username, profile)
        password = f"sip-{uuid.uuid4().hex[:16]}"
        if registered_sip:
            self.services.sip_accounts.set_password(username, password)
        if available:
            self.services.presence.set_status(user.id, "available")
        ear = RtpEar()
        self.ears.append(ear)
        return Agent(user.id, username, password, free_udp_port(), ear)

    def register(self, agent: Agent, *, password: str | None = None, expires: int = 300,
                 expect_ok: bool = True, port: int | None = None) -> Sipp:
        """Register the agent's phone (SIPp REGISTER with digest auth) from the agent's port (or ``port``)."""
        run = self._sipp("register-" + agent.username, (SCENARIOS / "register.xml").read_text(), [
            f"127.0.0.1:{self.sip_port}", "-s", agent.username, "-au", agent.username,
            "-ap", password or agent.sip_password, "-set", "expires", str(expires), "-m", "1",
            "-p", str(port or agent.port), "-timeout", "4", "-timeout_error"])
        code = run.wait(15)
        if expect_ok:
            assert code == 0, f"{agent.username}'s phone did not register: {run.sent_and_received()}"
        if expect_ok and expires > 0:
            # Kamailio reports the registration asynchronously: routing sees it once the report is in.
            self.wait_for(lambda: self.services.phone_registrations.status(agent.username)["registered"],
                          what=f"the report of {agent.username}'s registration")
        return run

    def phone(self, agent: Agent, action: str, *, after_ms: int = 1000, calls: int = 1) -> Sipp:
        """Start the agent's phone: ``answer`` or ``decline`` after ``after_ms``; ``ring`` until cancelled."""
        text = (SCENARIOS / "phone.xml").read_text().replace("@ACTION@", action)
        text = text.replace("@AFTER_MS@", str(after_ms)).replace("@RTP_PORT@", str(agent.ear.port))
        return self._sipp("phone-" + agent.username, text, [
            "-s", agent.username, "-p", str(agent.port), "-m", str(calls), "-deadcall_wait", "1",
            "-timeout", str(SIPP_TIMEOUT_S - 5), "-timeout_error"])

    def call(self, *, number: str = SERVICE_NUMBER, caller: str = "+3222345678", talk_ms: int | None = 1000,
             cancel_ms: int | None = None, port: int | None = None) -> tuple[Sipp, str, RtpEar]:
        """Call ``number`` from the trusted trunk; talk ``talk_ms`` once answered, or hang up ringing."""
        ear = RtpEar()
        self.ears.append(ear)
        call_id = f"test-{uuid.uuid4().hex[:12]}"
        scenario = "caller.xml" if cancel_ms is None else "caller_gives_up.xml"
        text = (SCENARIOS / scenario).read_text().replace("@FROM@", caller)
        text = text.replace("@RTP_PORT@", str(ear.port))
        text = text.replace("@TALK_MS@", str(talk_ms or 0)).replace("@CANCEL_MS@", str(cancel_ms or 0))
        run = self._sipp("caller", text, [
            f"127.0.0.1:{self.sip_port}", "-s", number, "-p", str(port or self.trunk_port), "-m", "1",
            "-cid_str", call_id, "-timeout", str(SIPP_TIMEOUT_S - 5), "-timeout_error"])
        return run, call_id, ear

    def refused_call(self, claimed_user: str, *, number: str = SERVICE_NUMBER) -> Sipp:
        """Call from an untrusted port without credentials (claiming to be ``claimed_user``): expect a 407."""
        text = (SCENARIOS / "refused.xml").read_text().replace("@FROM@", claimed_user)
        return self._sipp("refused", text, [f"127.0.0.1:{self.sip_port}", "-s", number,
                                            "-p", str(free_udp_port()), "-m", "1", "-timeout", "10",
                                            "-timeout_error"])

    def send_datagram(self, data: bytes) -> bytes | None:
        """Send raw bytes to Kamailio's UDP port; return what comes back within 0.5 s, if anything."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.settimeout(0.5)
            sock.sendto(data, ("127.0.0.1", self.sip_port))
            try:
                return sock.recv(65535)
            except OSError:
                return None

    def record(self, call_id: str) -> dict[str, Any]:
        """Return the CRM record of a call (with its legs) once the service has it."""
        return dict(self.services.call_lifecycle.record(call_id))

    def panel_events(self, agent: Agent, kind: str) -> list[dict[str, Any]]:
        """Return the data of the ``kind`` events in the agent's live stream (what their panel receives)."""
        entries = self.services.redis.xrange(agent_stream(agent.user_id))
        found = []
        for _, fields in entries:
            values = {k.decode(): v.decode() for k, v in fields.items()}
            if values.get("kind") == kind:
                found.append(json.loads(values["data"]))
        return found

    def ended_record(self, call_id: str, timeout_s: float = 10.0) -> dict[str, Any]:
        """Wait until the CRM record of the call says it ended; return it."""
        return dict(self.wait_for(lambda: (r := self.record(call_id)).get("ended_at") and r, timeout_s,
                                  f"the end of call {call_id}"))

    def wait_for(self, check: Any, timeout_s: float = 10.0, what: str = "the condition") -> Any:
        """Poll ``check()`` until it returns something true; fail after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = check()
            except Exception as exc:  # the record may not exist yet
                last = exc
            if last and not isinstance(last, Exception):
                return last
            time.sleep(0.1)
        raise AssertionError(f"{what} did not happen within {timeout_s:.0f} s (last: {last!r})")

    def _sipp(self, name: str, scenario: str, args: list[str]) -> Sipp:
        stem = f"{name}-{len(self.processes)}"
        path = self.tmp / f"{stem}.xml"
        path.write_text(scenario)
        log, messages = self.tmp / f"{stem}.out", self.tmp / f"{stem}.msg"
        argv = ["sipp", "-sf", str(path), "-i", "127.0.0.1", "-nostdin", "-trace_msg", "-message_file",
                str(messages), *args]
        with log.open("wb") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True, cwd=self.tmp)
        run = Sipp(name, process, log, messages)
        self.processes.append(run)
        return run

    def close(self) -> None:
        for run in self.processes:
            run.kill()
        for ear in self.ears:
            ear.close()


EDGE_DEFAULTS: dict[str, Any] = {
    "sip_enabled": True, "service_numbers": f"{SERVICE_NUMBER}=fr,{SERVICE_NUMBER_NL}=nl", "sip_workers": 2,
    "sip_async_workers": 4, "ring_timeout_s": 3, "route_retry_s": 1, "wrap_up_s": 0.0,
}


def edge_options(sip_port: int, trunk_port: int, overrides: dict[str, Any]) -> dict[str, Any]:
    """The options (beyond the always-open office of web_processes) of the test, the web and Kamailio."""
    return {**EDGE_DEFAULTS, "sip_port": sip_port, "sip_trusted_sources": f"127.0.0.1:{trunk_port}",
            **overrides}


def edge_environment(options: dict[str, Any], data_dir: Path, database_url: str,
                     redis_url: str) -> dict[str, str]:
    """The environment of the web process with these options."""
    env = process_env(data_dir, database_url, redis_url)
    for name, value in options.items():
        env[f"CALLCENTER_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@pytest.fixture
def sip_edge_overrides() -> dict[str, Any]:
    """Settings a test module wants changed for its edge (override this fixture in the module)."""
    return {}


@pytest.fixture
def sip_database_url(tmp_path: Path) -> str:
    """The database of the edge: a migrated SQLite file (override the fixture for another one)."""
    database_url = f"sqlite:///{tmp_path / 'sip.db'}"
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    return database_url


@pytest.fixture
def sip_edge(make_settings: Any, tmp_path: Path, sip_database_url: str,
             sip_edge_overrides: dict[str, Any]) -> Iterator[SipEdge]:
    """Kamailio + `callcenter web` on a migrated database and a Redis of its own; the office never closes."""
    database_url = sip_database_url
    sip_port, trunk_port = free_udp_port(), free_udp_port()
    options = edge_options(sip_port, trunk_port, sip_edge_overrides)
    with ExitStack() as stack:
        redis_url = stack.enter_context(private_redis())
        settings = open_settings(make_settings, database_url, redis_url).replace(**options)
        env = edge_environment(options, settings.data_dir, database_url, redis_url)
        url = stack.enter_context(web_process(env, tmp_path / "web.log"))
        settings = settings.replace(sip_cti_url=url)
        services = build_services(settings)
        stack.callback(services.close)
        now = services.clock.now()
        services.routing_store.snapshot(now, now)  # a new Redis: fill the routing state first
        log = stack.enter_context((tmp_path / "kamailio.log").open("wb"))
        kamailio = KamailioProcess(settings, tmp_path / "kamailio", output=log)
        kamailio.start()
        stack.callback(kamailio.terminate)
        kamailio.wait_ready()
        edge = SipEdge(settings, services, url, kamailio, tmp_path, trunk_port, sip_port)
        stack.callback(edge.close)
        yield edge
