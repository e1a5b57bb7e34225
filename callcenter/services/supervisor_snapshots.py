"""When the supervisors' snapshots (the queue, the day's figures) are read and sent after call steps.

Every route request and call event may change the queue or the day's figures; reading both costs a
Redis snapshot and a count of the day's calls in the database, far more than the step itself once the
office is busy. ``SnapshotSender.changed(queue, stats)`` says a step changed them:

- with a refresh interval (the production setting ``supervisor_refresh_ms``), one thread of the
  process sends them, at most once per interval and always after the last change: a board that shows
  the queue half a second late, and a cost that no longer grows with the number of calls per second;
- with an interval of 0, the caller sends them itself, at once; callers finishing at the same moment
  leave the sending to the one already at it, which sends once more for all of them.

Either way the last snapshot sent was read after the last change: nothing is lost or left stale.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Send = Callable[[bool, bool], None]  # (queue changed, figures changed): read and send those


class SnapshotSender:
    def __init__(self, send: Send, interval_s: float) -> None:
        self._send = send
        self._interval_s = interval_s
        self._lock = threading.Condition()
        self._queue = self._stats = False
        self._sending = False
        self._thread_pid: int | None = None  # the process the sending thread runs in (forks lose it)
        self._generation = 0  # a sending thread of an older generation stops

    def changed(self, queue: bool, stats: bool) -> None:
        """Note what a step changed; send it now or leave it to the sending thread."""
        if not (queue or stats):
            return
        with self._lock:
            self._queue, self._stats = self._queue or queue, self._stats or stats
            if self._interval_s > 0:
                self._ensure_thread()
                self._lock.notify()
                return
            if self._sending:
                return
            self._sending = True
        try:
            while self._send_pending():
                pass
        finally:
            with self._lock:
                self._sending = False

    def _send_pending(self) -> bool:
        """Send what is marked changed; tell whether there was anything."""
        with self._lock:
            queue, stats = self._queue, self._stats
            self._queue = self._stats = False
        if queue or stats:
            self._send(queue, stats)
        return queue or stats

    def close(self) -> None:
        """Stop the sending thread (at shutdown, before fork); a later change starts a new one."""
        with self._lock:
            self._generation += 1
            self._thread_pid = None
            self._lock.notify_all()

    def _ensure_thread(self) -> None:
        if self._thread_pid == os.getpid():
            return
        self._thread_pid = os.getpid()
        threading.Thread(target=self._run, args=(self._generation,), name="supervisor-snapshots",
                         daemon=True).start()

    def _run(self, generation: int) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._queue or self._stats or self._generation != generation)
                if self._generation != generation:
                    return
            try:
                self._send_pending()
            except Exception:  # a Redis or database hiccup: the next change sends a fresh snapshot
                log.exception("the supervisors' snapshots could not be sent")
            threading.Event().wait(self._interval_s)
