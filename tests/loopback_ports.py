"""Free loopback ports for the servers tests start (web processes, Kamailio, SMTP peers).

A port is chosen below the kernel's range of ports for outgoing connections: a port of that range,
free when chosen, can be taken by any outgoing connection (the web process's, Redis's, PostgreSQL's)
in the seconds before the server binds it. That happened: Kamailio exited with "Address already in
use" on its TCP side. Below the range, only another listener can take it.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

LOWEST_PORT = 10_000
SIP_DEFAULT_PORT = 5060  # never ours


def free_port(*, tcp: bool = True, udp: bool = False) -> int:
    """Return a port free on 127.0.0.1 right now for TCP, UDP or both, below the ephemeral range."""
    low = ephemeral_ports()[0]
    below = low > LOWEST_PORT + 1000  # room for our servers below the range (else: any port the kernel gives)
    for _ in range(1000):
        port = random.randint(LOWEST_PORT, low - 1) if below else 0
        kinds = [kind for kind, wanted in ((socket.SOCK_DGRAM, udp), (socket.SOCK_STREAM, tcp)) if wanted]
        probes = [socket.socket(socket.AF_INET, kind) for kind in kinds]
        try:
            for probe in probes:
                probe.bind(("127.0.0.1", port))
                port = int(probe.getsockname()[1])
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
        if port != SIP_DEFAULT_PORT:
            return port
    raise RuntimeError("no free port on 127.0.0.1")


def ephemeral_ports() -> tuple[int, int]:
    """Return the kernel's range of ports for outgoing connections (Linux; else the IANA range)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 49152, 65535
