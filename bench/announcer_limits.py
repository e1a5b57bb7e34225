"""Limits of the announcement endpoint (pyVoIP 1.6.8 with our fixes): answer delay, calls per second
answered, simultaneous calls before the audio degrades.

SIPp calls the endpoint directly on loopback (no Kamailio: only the endpoint is measured); the endpoint
runs in a process of its own playing a tone; a UDP socket here receives the RTP of every call and tells
the streams apart by SSRC. CPU seconds of the endpoint process are reported too: unlike latencies,
they do not depend on what else the machine is doing.

    python -m bench.announcer_limits [--rates 5,10,20] [--concurrent 10,20,40] [--seconds 5]
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "tests/integration/sipp_announcer/caller_may_be_refused.xml"
HOST = "127.0.0.1"
FRAME_S = 0.02


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Tone:
    """The endpoint's announcements: a 440 Hz tone of ``seconds`` for every kind and language."""

    def __init__(self, folder: Path, seconds: float) -> None:
        self.path = folder / "tone.u8.wav"
        with wave.open(str(self.path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(1)
            w.setframerate(8000)
            w.writeframes(bytes(128 + int(90 * math.sin(2 * math.pi * 440 * i / 8000))
                                for i in range(int(8000 * seconds))))

    def language(self, value: str | None) -> str:
        return "fr"

    def audio(self, kind: str, language: str) -> object:
        return type("Rendered", (), {"pcm8_path": str(self.path)})()


def serve(peer: int, port: int, rtp: str, max_calls: int, seconds: float) -> None:
    """Run the endpoint (the child process) until SIGTERM."""
    from callcenter.sip.announcer import AnnouncementEndpoint, EndpointConfig, parse_rtp_ports

    config = EndpointConfig(HOST, peer, "announcer", "", HOST, port, parse_rtp_ports(rtp), max_calls,
                            register=False)
    endpoint = AnnouncementEndpoint(config, Tone(Path(tempfile.mkdtemp()), seconds))
    signal.signal(signal.SIGTERM, lambda *_: endpoint.stop())
    threading.Thread(target=lambda: (_wait(lambda: endpoint.ready, 10), print("ready", flush=True)),
                     daemon=True).start()
    endpoint.run()


@contextmanager
def endpoint(peer: int, max_calls: int, seconds: float, log: Path) -> Iterator[tuple[int, psutil.Process]]:
    port, low = free_port(), 41000
    argv = [sys.executable, "-m", "bench.announcer_limits", "--serve", str(peer), str(port),
            f"{low}-{low + max_calls + 10}", str(max_calls), str(seconds)]
    with log.open("w") as errors:
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=ROOT)
    try:
        ready = child.stdout is not None and child.stdout.readline().strip() == "ready"
        assert ready, "the endpoint did not start"
        yield port, psutil.Process(child.pid)
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(90)


class RtpCollector:
    """Arrival times of the RTP packets of every stream (by SSRC) reaching one UDP port."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.streams: dict[tuple[int, bytes], list[float]] = defaultdict(list)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                packet, (_, port) = self.sock.recvfrom(2048)
            except OSError:
                continue
            # SSRCs are random 16-bit numbers in pyVoIP: with hundreds of calls two collide; the sending
            # port (one per call while it lasts) tells them apart.
            self.streams[(port, packet[8:12])].append(time.monotonic())

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def run_calls(rate: float, calls: int, max_calls: int, seconds: float) -> dict[str, object]:
    """Place ``calls`` at ``rate`` per second; return answers, refusals, delays, audio and CPU figures."""
    sipp_port = free_port()
    rtp = RtpCollector()
    tmp = tempfile.mkdtemp(prefix="announcer-bench-")
    with endpoint(sipp_port, max_calls, seconds, Path(tmp) / "endpoint.log") as (port, process):
        log = Path(tmp) / "messages.log"
        cpu_before = sum(process.cpu_times()[:2])
        argv = ["sipp", "-sf", str(SCENARIO), "-i", HOST, "-p", str(sipp_port), "-m", str(calls),
                "-r", str(rate), "-l", str(calls), "-timeout", f"{int(calls / rate + seconds + 30)}s",
                "-timeout_error", "-trace_msg", "-message_file", str(log), "-trace_err", "-error_file",
                str(Path(tmp) / "errors.log"), "-nostdin", "-key", "rtp_port",
                str(rtp.port), f"{HOST}:{port}"]
        code = subprocess.run(argv, capture_output=True, timeout=calls / rate + seconds + 60).returncode
        cpu = sum(process.cpu_times()[:2]) - cpu_before
        delays, refused = _answer_delays(log)
        errors = _errors(Path(tmp) / "errors.log")
    rtp.close()
    failed = [line for line in (Path(tmp) / "endpoint.log").read_text().splitlines() if "Error" in line]
    if not errors and not failed:
        shutil.rmtree(tmp)
    return {"rate": rate, "calls": calls, "sipp_exit": code, "sipp_errors": errors, "answered": len(delays),
            "refused": refused, "endpoint_errors": failed[:3],
            "answer_p50_s": _pct(delays, 50), "answer_p99_s": _pct(delays, 99), "cpu_s": round(cpu, 2),
            "cpu_s_per_call": round(cpu / max(1, len(delays)), 3), **_audio(rtp.streams, seconds)}


def _answer_delays(log: Path) -> tuple[list[float], int]:
    """Read SIPp's message log: INVITE sent → 200 received per Call-ID, and how many 486s came."""
    sent: dict[str, float] = {}
    delays, refused = [], set()
    separator = "----------------------------------------------- "
    for block in log.read_text(errors="replace").split(separator)[1:]:
        stamp = datetime.strptime(block[:26], "%Y-%m-%d %H:%M:%S.%f").timestamp()
        call = re.search(r"Call-ID: (\S+)", block)
        if call is None:
            continue
        if "message sent" in block and "\nINVITE " in block:
            sent.setdefault(call.group(1), stamp)
        elif "SIP/2.0 200" in block and "INVITE" in block.split("CSeq:")[1][:20] and call.group(1) in sent:
            delays.append(stamp - sent.pop(call.group(1)))
        elif "SIP/2.0 486" in block:
            refused.add(call.group(1))
    return delays, len(refused)


def _errors(path: Path) -> dict[str, int]:
    """Count SIPp's error lines by their text (call numbers and times removed)."""
    counts: dict[str, int] = defaultdict(int)
    for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
        if line.strip() and not line.startswith(("20", "  ")):
            counts[re.sub(r"[0-9]+", "#", line.strip())[:90]] += 1
    return dict(counts)


def _audio(streams: dict[tuple[int, bytes], list[float]], seconds: float) -> dict[str, object]:
    """Per stream: packets of the tone received, p99 gap between packets, stretch of its duration."""
    tone_packets = seconds / FRAME_S
    full = [arrivals for arrivals in streams.values() if len(arrivals) >= 2]
    if not full:
        return {"streams": 0}
    gaps = [b - a for arrivals in full for a, b in zip(arrivals, arrivals[1:], strict=False)]
    stretch = [(arrivals[-1] - arrivals[0]) / ((len(arrivals) - 1) * FRAME_S) for arrivals in full]
    return {"streams": len(full), "packets_min_vs_tone": round(min(len(a) for a in full) / tone_packets, 3),
            "gap_p50_ms": round(_pct(gaps, 50) * 1000, 1), "gap_p99_ms": round(_pct(gaps, 99) * 1000, 1),
            "gap_max_ms": round(max(gaps) * 1000, 1), "send_clock_stretch_max": round(max(stretch), 4)}


def _pct(values: list[float], pct: int) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))], 3)


def _wait(check: object, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not check():  # type: ignore[operator]
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="2,5,10,20", help="call rates (calls/s) of the rate runs")
    parser.add_argument("--rate-seconds", type=float, default=10.0,
                        help="how long each rate run places calls")
    parser.add_argument("--concurrent", default="5,10,20,40", help="simultaneous calls of the audio runs")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the announcement (tone)")
    parser.add_argument("--serve", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        peer, port, rtp, max_calls, seconds = args.serve
        return serve(int(peer), int(port), rtp, int(max_calls), float(seconds))
    print(f"load average before: {psutil.getloadavg()}, cores: {psutil.cpu_count()}")
    for rate in (float(r) for r in args.rates.split(",")):  # short announcements, arrivals at a rate
        print("rate", run_calls(rate, int(rate * args.rate_seconds), 200, 1.0), flush=True)
    for count in (int(c) for c in args.concurrent.split(",")):  # all at once, then held for the tone
        print("concurrent", run_calls(count * 4.0, count, count, args.seconds), flush=True)
    print(f"load average after: {psutil.getloadavg()}")
    return None


if __name__ == "__main__":
    main()
