"""Kamailio as a supervised child: our generated configuration, its own runtime directory, foreground.

``KamailioProcess.run()`` writes the configuration (mode 0600: it holds the CTI secret) into the
runtime directory (``<data_dir>/sip`` by default), starts ``kamailio -DD -E`` there with its own pid
file and control socket, and returns when Kamailio exits or ``stop()`` was called (SIGTERM, then
SIGKILL of its process group after a grace period).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from callcenter.childproc import spawn
from callcenter.settings import Settings
from callcenter.sip.kamailio_config import kamailio_database, render

log = logging.getLogger(__name__)

BINARY = "kamailio"
STOP_GRACE_S = 10.0
SHARED_MEMORY_MB = 128
PRIVATE_MEMORY_MB = 16


class KamailioNotInstalled(Exception):
    """The kamailio program is not on the PATH."""


def kamailio_installed(binary: str = BINARY) -> bool:
    return shutil.which(binary) is not None


def runtime_dir(settings: Settings) -> Path:
    return (settings.data_dir / "sip").resolve()


class KamailioProcess:
    def __init__(self, settings: Settings, run_dir: Path | None = None, *, binary: str = BINARY,
                 output: IO[bytes] | None = None) -> None:
        self._settings = settings
        self._run_dir = run_dir or runtime_dir(settings)
        self._binary = binary
        self._output = output
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()

    @property
    def config_path(self) -> Path:
        return self._run_dir / "kamailio.cfg"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def write_config(self) -> Path:
        """Write the configuration for the current settings; return its path."""
        self._run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = render(self._settings, self._run_dir)
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        return self.config_path

    def start(self) -> None:
        """Write the configuration and start Kamailio in the foreground."""
        path = shutil.which(self._binary)
        if path is None:
            raise KamailioNotInstalled(f"{self._binary} is not installed (Debian: apt install kamailio "
                                       "kamailio-extra-modules kamailio-utils-modules "
                                       "kamailio-sqlite-modules kamailio-postgres-modules).")
        config = self.write_config()
        self._refuse_a_second_kamailio()
        argv = [path, "-DD", "-E", "-f", str(config), "-P", str(self._run_dir / "kamailio.pid"),
                "-Y", str(self._run_dir), "-m", str(SHARED_MEMORY_MB), "-M", str(PRIVATE_MEMORY_MB)]
        # Its own session (a terminal's Ctrl-C reaches only us) and SIGTERM from the kernel if we die.
        self._process = spawn(argv, self._environment(), stdout=self._output, stderr=self._output)
        log.info("started kamailio (pid %s) on %s:%s", self._process.pid, self._settings.sip_host,
                 self._settings.sip_port)

    def run(self) -> int:
        """Start Kamailio and wait until it exits or stop() is called; return its exit status."""
        self.start()
        assert self._process is not None
        while not self._stopping.is_set():
            code = self._process.poll()
            if code is not None:
                log.error("kamailio exited with status %s", code)
                return code
            self._stopping.wait(0.2)
        return self._terminate()

    def stop(self) -> None:
        """Ask run() to stop Kamailio and return."""
        self._stopping.set()

    def terminate(self) -> int:
        """Stop a Kamailio started with start() (SIGTERM, then SIGKILL of its group); return 0."""
        self._stopping.set()
        return self._terminate()

    def wait_ready(self, timeout_s: float = 15.0) -> None:
        """Return once Kamailio answers a SIP OPTIONS; raise RuntimeError if it exits or stays silent."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"kamailio exited with status {self._process.returncode} while starting")
            if options_ping(self._settings.sip_host, self._settings.sip_port, 0.5):
                return
        raise RuntimeError(f"kamailio did not answer on {self._settings.sip_host}:{self._settings.sip_port} "
                           f"within {timeout_s:.0f} s")

    def _refuse_a_second_kamailio(self) -> None:
        """Raise RuntimeError when a Kamailio started from this runtime directory still runs."""
        pid_file = self._run_dir / "kamailio.pid"
        try:
            pid = int(pid_file.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return  # no pid file, or its process is gone: Kamailio overwrites it
        raise RuntimeError(f"Kamailio (pid {pid}) already runs from {self._run_dir}: stop it first.")

    def _terminate(self) -> int:
        process = self._process
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                log.warning("kamailio (pid %s) did not stop within %.0f s; killing it", process.pid,
                            STOP_GRACE_S)
        _kill_group(process.pid)  # its children, whatever the main process did
        process.wait()
        return 0

    def _environment(self) -> Mapping[str, str]:
        database = kamailio_database(self._settings.effective_database_url)
        return {**os.environ, **database.environment}


def options_ping(host: str, port: int, timeout_s: float) -> bool:
    """Send one SIP OPTIONS over UDP; return whether a 200 came back within ``timeout_s``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        sock.settimeout(timeout_s)
        local_port = sock.getsockname()[1]
        call_id = uuid.uuid4().hex
        where = f"[{host}]" if ":" in host else host
        message = (f"OPTIONS sip:{where}:{port} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP {where}:{local_port};branch=z9hG4bK{call_id[:16]};rport\r\n"
                   "Max-Forwards: 70\r\n"
                   f"From: <sip:ping@{where}>;tag={call_id[:8]}\r\n"
                   f"To: <sip:{where}:{port}>\r\n"
                   f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        try:
            sock.sendto(message.encode("ascii"), (host, port))
            reply, _ = sock.recvfrom(65535)
        except OSError:
            return False
    return reply.startswith(b"SIP/2.0 200")


def from_settings(settings: Settings) -> KamailioProcess | None:
    """Build the Kamailio child of `callcenter sip`, or None when operators run Kamailio themselves."""
    return KamailioProcess(settings) if settings.sip_run_kamailio else None


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
