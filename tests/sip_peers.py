"""SIP peers' plumbing for tests: free loopback ports, RTP listeners, SIPp processes (tests.sip_support)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from tests.loopback_ports import free_port

SIPP_TIMEOUT_S = 40


def free_udp_port() -> int:
    """Return a port free on 127.0.0.1 for UDP and TCP right now (never 5060): Kamailio listens on both."""
    return free_port(udp=True, tcp=True)


class RtpEar:
    """A UDP socket on a free port that counts the RTP packets it receives (in a thread)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.packets = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(2048)
            except OSError:
                continue
            if len(data) > 12 and data[0] >> 6 == 2:  # RTP version 2
                self.packets += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@dataclass
class Sipp:
    """One SIPp process; ``wait()`` returns its exit status (0: every call as the scenario says)."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    messages: Path

    def wait(self, timeout_s: float = SIPP_TIMEOUT_S) -> int:
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"SIPp {self.name} did not finish within {timeout_s:.0f} s") from None

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def sent_and_received(self) -> list[str]:
        """Return the first line of every SIP message SIPp sent or received, in order."""
        if not self.messages.exists():
            return []
        lines = self.messages.read_text(errors="replace").splitlines()
        return [line.strip() for line in lines if line.startswith(("SIP/2.0 ", "INVITE ", "ACK ", "BYE ",
                                                                      "CANCEL ", "REGISTER "))]


@contextmanager
def private_redis() -> Iterator[str]:
    """Run a Redis server of the test's own on a free loopback port; yield its URL.

    The SIP tests' processes (web, Kamailio's reports) work for seconds in the background: a Redis database
    shared with concurrent test runs (tests/conftest.py picks one of 15 by process id) could be flushed under
    them.
    """
    binary = shutil.which("redis-server") or str(Path(sys.prefix) / "bin" / "redis-server")
    port = free_udp_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the test's redis-server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(10)
