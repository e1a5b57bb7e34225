"""`callcenter sip` runs Kamailio as its child and stops it on SIGTERM; `callcenter sip config` prints it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from callcenter.sip.kamailio_process import options_ping
from tests.integration.web_processes import process_env
from tests.sip_peers import free_udp_port
from tests.sip_support import needs_sip_peers

pytestmark = needs_sip_peers


def _env(tmp_path: Path, redis_url: str, sip_port: int) -> dict[str, str]:
    env = process_env(tmp_path / "var", "", redis_url)
    del env["CALLCENTER_DATABASE_URL"]  # the embedded SQLite file: `callcenter sip` migrates it
    # No announcement endpoint (port 0): its default port 5070 could be taken by another test run.
    env.update(CALLCENTER_SIP_PORT=str(sip_port), CALLCENTER_SIP_ENABLED="true",
               CALLCENTER_SIP_TRUSTED_SOURCES="192.0.2.1", CALLCENTER_SERVICE_NUMBERS="+3225088586=fr",
               CALLCENTER_SIP_ANNOUNCER_PORT="0")
    return env


def test_the_sip_command_supervises_kamailio_and_stops_it(tmp_path: Path, redis_url: str) -> None:
    port = free_udp_port()
    env = _env(tmp_path, redis_url, port)
    with (tmp_path / "sip.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "callcenter.cli", "sip"], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while not options_ping("127.0.0.1", port, 0.3):
            assert process.poll() is None, (tmp_path / "sip.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "Kamailio did not answer OPTIONS"
        pid_file = tmp_path / "var" / "sip" / "kamailio.pid"
        kamailio = int(pid_file.read_text())
        assert (pid_file.parent / "kamailio.cfg").stat().st_mode & 0o077 == 0  # it holds the CTI secret
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
        assert not _alive(kamailio) and not options_ping("127.0.0.1", port, 0.3)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_sip_config_prints_the_configuration_operators_run(tmp_path: Path, redis_url: str) -> None:
    env = _env(tmp_path, redis_url, 5080)
    done = subprocess.run([sys.executable, "-m", "callcenter.cli", "sip", "config"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("#!KAMAILIO")
    assert "listen=udp:127.0.0.1:5080" in done.stdout and 'is_in_subnet("$si", "192.0.2.1/32")' in done.stdout
    bad = subprocess.run([sys.executable, "-m", "callcenter.cli", "sip", "config"],
                         env={**env, "CALLCENTER_SIP_TRUSTED_SOURCES": "not-an-address"}, capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "sip_trusted_sources" in bad.stderr


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
