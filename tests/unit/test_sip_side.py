"""`callcenter sip` runs its parts together: stop() stops them all; one part ending stops the others."""

from __future__ import annotations

import threading

from callcenter.sip.sip_side import SipSide


class FakePart:
    """A long-running part that runs until stopped, or returns ``code`` at once when told to."""

    def __init__(self, code: int | None = None, error: Exception | None = None) -> None:
        self.code, self.error = code, error
        self.stopped = threading.Event()

    def run(self) -> int:
        if self.error is not None:
            raise self.error
        if self.code is not None:
            return self.code
        self.stopped.wait(10)
        return 0

    def stop(self) -> None:
        self.stopped.set()


def test_stop_stops_every_part() -> None:
    parts = [FakePart(), FakePart()]
    side = SipSide(parts)  # type: ignore[list-item]
    timer = threading.Timer(0.1, side.stop)
    timer.start()
    assert side.run() == 0
    assert all(part.stopped.is_set() for part in parts)


def test_a_part_that_fails_stops_the_others_and_the_command_reports_it() -> None:
    survivor = FakePart()
    side = SipSide([survivor, FakePart(error=RuntimeError("Kamailio (pid 7) already runs"))])  # type: ignore[list-item]
    assert side.run() == 1
    assert survivor.stopped.is_set()


def test_a_part_that_exits_with_an_error_status_is_reported() -> None:
    assert SipSide([FakePart(code=255), FakePart()]).run() == 1  # type: ignore[list-item]
