"""The tests' free loopback ports: below the kernel's ephemeral range, free for what was asked."""

from __future__ import annotations

import random
import socket

import pytest

from tests.loopback_ports import LOWEST_PORT, SIP_DEFAULT_PORT, ephemeral_ports, free_port


def test_ports_come_from_below_the_ephemeral_range_and_are_free_for_both_protocols() -> None:
    low, high = ephemeral_ports()
    assert 0 < low <= high <= 65535
    ports = {free_port(tcp=True, udp=True) for _ in range(50)}
    assert SIP_DEFAULT_PORT not in ports and len(ports) > 40
    if low > LOWEST_PORT + 1000:
        assert all(LOWEST_PORT <= port < low for port in ports)
    for port in list(ports)[:5]:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
            udp.bind(("127.0.0.1", port))
            tcp.bind(("127.0.0.1", port))


def test_a_port_in_use_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    if ephemeral_ports()[0] <= LOWEST_PORT + 1000:
        pytest.skip("no room below the ephemeral range here: the kernel chooses")
    taken = socket.socket()
    taken.bind(("127.0.0.1", free_port()))
    taken.listen()
    try:
        used = taken.getsockname()[1]
        tries = iter([used, used, free_port()])  # the port in use comes up first, twice
        monkeypatch.setattr(random, "randint", lambda low, high: next(tries))
        assert free_port() not in (used, 0)
    finally:
        taken.close()
