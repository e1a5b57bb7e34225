"""When the supervisors' queue and day figures are sent: at once, or at most once per refresh interval."""

from __future__ import annotations

import threading
import time

from callcenter.services.supervisor_snapshots import SnapshotSender


class Board:
    def __init__(self) -> None:
        self.sent: list[tuple[bool, bool]] = []
        self.state = 0  # what the snapshots read: the number of changes made so far
        self.seen: list[int] = []
        self.any_sent = threading.Event()

    def send(self, queue: bool, stats: bool) -> None:
        self.sent.append((queue, stats))
        self.seen.append(self.state)
        self.any_sent.set()


def _wait_for(condition, timeout_s: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the snapshots were not sent in time"
        time.sleep(0.01)


def test_without_interval_each_change_is_sent_by_its_caller_at_once() -> None:
    board = Board()
    sender = SnapshotSender(board.send, 0)
    sender.changed(True, False)
    sender.changed(False, True)
    sender.changed(False, False)  # nothing changed: nothing to send
    assert board.sent == [(True, False), (False, True)]


def test_with_an_interval_a_burst_of_changes_is_sent_once_then_the_rest_after_the_interval() -> None:
    board = Board()
    sender = SnapshotSender(board.send, 0.3)
    started = time.monotonic()
    board.state = 1
    sender.changed(True, False)
    assert board.any_sent.wait(5)
    for _ in range(50):  # a busy moment: fifty steps within the interval
        board.state += 1
        sender.changed(True, True)
    _wait_for(lambda: len(board.sent) == 2)
    assert time.monotonic() - started >= 0.3  # the second send waited for the interval
    assert board.sent == [(True, False), (True, True)]
    assert board.seen[-1] == 51  # read after the last change: the board is not left stale
    time.sleep(0.4)
    assert len(board.sent) == 2  # nothing changed since: nothing more is sent


def test_a_failing_send_is_logged_and_the_next_change_is_sent_again() -> None:
    board = Board()
    failures = [RuntimeError("redis went away")]

    def send(queue: bool, stats: bool) -> None:
        if failures:
            raise failures.pop()
        board.send(queue, stats)

    sender = SnapshotSender(send, 0.05)
    sender.changed(True, False)
    time.sleep(0.2)
    sender.changed(False, True)
    _wait_for(lambda: board.sent == [(False, True)])
