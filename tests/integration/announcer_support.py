"""Real SIP peers for the announcement endpoint and the pyVoIP fixes: SIPp runs, RTP capture, a tone.

Everything listens on 127.0.0.1 on ports the kernel hands out (never 5060); every SIPp run is bounded
(``-m 1``, ``-timeout``) and its messages are kept (``-trace_msg``) for the assertions.
"""

from __future__ import annotations

import audioop
import math
import os
import socket
import subprocess
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIOS = Path(__file__).resolve().parent / "sipp_announcer"
HOST = "127.0.0.1"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def free_udp_range(size: int) -> tuple[int, int]:
    """Return LOW, HIGH of ``size`` consecutive free UDP ports (checked once; tests are short)."""
    for _ in range(50):
        low = free_udp_port()
        if low + size > 65535:
            continue
        sockets = []
        try:
            for port in range(low, low + size):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(s)
                s.bind((HOST, port))
            return low, low + size - 1
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free UDP port range")


@dataclass
class SipMessage:
    sent: bool  # by SIPp
    text: str

    @property
    def first_line(self) -> str:
        return self.text.split("\r\n", 1)[0] if "\r\n" in self.text else self.text.split("\n", 1)[0]

    def headers(self, name: str) -> list[str]:
        lines = self.text.replace("\r\n", "\n").split("\n\n", 1)[0].split("\n")[1:]
        return [line.split(":", 1)[1].strip() for line in lines
                if ":" in line and line.split(":", 1)[0].strip().lower() == name.lower()]

    def header(self, name: str) -> str:
        found = self.headers(name)
        assert found, f"no {name} header in:\n{self.text}"
        return found[0]

    def is_(self, start: str) -> bool:
        return self.first_line.startswith(start)

    def cseq_method(self) -> str:
        return self.header("CSeq").split()[1]


@dataclass
class SippRun:
    returncode: int
    messages: list[SipMessage]
    output: str = ""

    def received(self, start: str, method: str | None = None) -> list[SipMessage]:
        return [m for m in self.messages if not m.sent and m.is_(start)
                and (method is None or m.cseq_method() == method)]

    def sent(self, start: str, method: str | None = None) -> list[SipMessage]:
        return [m for m in self.messages if m.sent and m.is_(start)
                and (method is None or m.cseq_method() == method)]


def parse_messages(path: Path) -> list[SipMessage]:
    """Read SIPp's -message_file: blocks opened by a dashed line, then 'UDP message sent/received'."""
    if not path.exists():
        return []
    messages = []
    separator = "----------------------------------------------- "
    for block in path.read_text(errors="replace").split(separator)[1:]:
        lines = block.split("\n")
        kind = lines[1] if len(lines) > 1 else ""
        body = "\n".join(lines[3:]).strip("\n")
        if kind.startswith("UDP message"):
            messages.append(SipMessage(" sent " in kind, body.replace("\n", "\r\n")))
    return messages


class Sipp:
    """One SIPp process on its own port: ``start(target)`` then ``wait()``, or ``run(target)``.

    Without a target SIPp waits for calls (a callee scenario); with one it places them.
    """

    def __init__(self, tmp: Path, scenario: str, *, keys: dict[str, Any] | None = None, timeout_s: int = 20,
                 calls: int = 1, extra: list[str] | None = None) -> None:
        self.port = free_udp_port()
        self.log = tmp / f"sipp-{scenario}-{self.port}.log"
        self.argv = ["sipp", "-sf", str(SCENARIOS / f"{scenario}.xml"), "-i", HOST, "-p", str(self.port),
                     "-m", str(calls), "-timeout", f"{timeout_s}s", "-timeout_error", "-trace_msg",
                     "-message_file", str(self.log), "-nostdin", *(extra or [])]
        for key, value in (keys or {}).items():
            self.argv += ["-key", key, str(value)]
        self.timeout_s = timeout_s
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, target: str | None = None) -> Sipp:
        argv = self.argv + ([target] if target else [])
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, env={**os.environ, "TERM": "dumb"})
        return self

    def wait(self) -> SippRun:
        assert self.process is not None
        try:
            out, _ = self.process.communicate(timeout=self.timeout_s + 10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        output = out.decode(errors="replace")[-3000:]
        return SippRun(self.process.returncode, parse_messages(self.log), output)

    def run(self, target: str | None = None) -> SippRun:
        return self.start(target).wait()


class RtpListener:
    """A caller's RTP port: collects the PCMU payloads that arrive, in a thread."""

    def __init__(self, port: int | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, port or 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.packets: list[bytes] = []
        self.first_at: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                packet = self.sock.recv(2048)
            except (TimeoutError, OSError):
                continue
            if self.first_at is None:
                self.first_at = time.monotonic()
            self.packets.append(packet)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def linear(self) -> bytes:
        """Return the received audio as 16-bit linear samples (RTP header of 12 bytes skipped)."""
        decode = {0: audioop.ulaw2lin, 8: audioop.alaw2lin}  # PCMU, PCMA
        return b"".join(decode[p[1] & 0x7F](p[12:], 2) for p in self.packets
                        if len(p) > 12 and p[1] & 0x7F in decode)

    def rms(self) -> int:
        audio = self.linear()
        return audioop.rms(audio, 2) if audio else 0

    def seconds(self) -> float:
        return len(self.linear()) / 2 / 8000


@dataclass
class ToneAnnouncements:
    """Stands in for services.announcements: every announcement is a 440 Hz tone of ``seconds``."""

    folder: Path
    seconds: float = 1.0
    asked: list[tuple[str, str]] = field(default_factory=list)

    def language(self, value: str | None) -> str:
        code = (value or "").strip().lower()
        return code if code in {"fr", "nl", "de", "en"} else "fr"

    def audio(self, kind: str, language: str) -> Any:
        self.asked.append((kind, language))
        path = self.folder / f"tone-{self.seconds}.u8.wav"
        if not path.exists():
            frames = bytes(128 + int(100 * math.sin(2 * math.pi * 440 * i / 8000))
                           for i in range(int(8000 * self.seconds)))
            with wave.open(str(path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(1)
                w.setframerate(8000)
                w.writeframes(frames)
        return type("Rendered", (), {"pcm8_path": str(path)})()


def wait_until(predicate: Any, timeout_s: float, step_s: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step_s)
    return bool(predicate())


def tag_of(value: str) -> str:
    for part in value.split(";")[1:]:
        name, _, tag = part.strip().partition("=")
        if name.lower() == "tag":
            return tag
    return ""
