"""The web worker's thread pool: results and errors like ThreadPoolExecutor's, the thread idle last first,
a bounded number of threads with the rest waiting in order, and a shutdown that lets every thread go."""

from __future__ import annotations

import threading
import time
from concurrent import futures

import pytest

from callcenter.web.thread_pool import LifoThreadPool


def _wait_until(condition: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_job_s_result_and_error_reach_its_future() -> None:
    pool = LifoThreadPool(2)
    try:
        assert pool.submit(lambda a, b=0: a + b, 2, b=3).result(timeout=5) == 5
        failed = pool.submit(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failed.result(timeout=5)
        assert pool.submit(lambda: "still serving").result(timeout=5) == "still serving"
    finally:
        pool.shutdown()


def test_jobs_one_after_another_run_on_the_thread_idle_last() -> None:
    pool = LifoThreadPool(4)
    try:
        release = threading.Event()
        blocked = [pool.submit(release.wait) for _ in range(3)]  # three threads busy at once
        _wait_until(lambda: len(pool._threads) == 3)
        release.set()
        futures.wait(blocked, timeout=5)
        _wait_until(lambda: len(pool._idle) == 3)
        last_idle = pool._idle[-1]
        names = set()
        for _ in range(20):  # each submitted once the one before has left its thread idle again
            names.add(pool.submit(lambda: threading.current_thread().name).result(timeout=5))
            _wait_until(lambda: len(pool._idle) == 3)
        assert len(names) == 1 and len(pool._threads) == 3  # one thread served all twenty
        assert pool._idle[-1] is last_idle
    finally:
        pool.shutdown()


def test_no_more_threads_than_allowed_and_the_rest_wait_in_order() -> None:
    pool = LifoThreadPool(2)
    try:
        release = threading.Event()
        ran: list[int] = []
        first = [pool.submit(release.wait) for _ in range(2)]
        queued = [pool.submit(ran.append, n) for n in range(5)]
        assert len(pool._threads) == 2 and not any(f.done() for f in queued)
        release.set()
        futures.wait(first + queued, timeout=5)
        assert sorted(ran) == [0, 1, 2, 3, 4] and len(pool._threads) == 2
    finally:
        pool.shutdown()


def test_shutdown_lets_every_thread_go_and_can_cancel_what_waits() -> None:
    pool = LifoThreadPool(1)
    release = threading.Event()
    running = pool.submit(release.wait)
    waiting = pool.submit(lambda: "never")
    threads = list(pool._threads)
    pool.shutdown(wait=False, cancel_futures=True)
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None)
    release.set()
    assert running.result(timeout=5) is True and waiting.cancelled()
    for thread in threads:
        thread.join(timeout=5)
        assert not thread.is_alive()

    idle = LifoThreadPool(3)
    for future in [idle.submit(time.sleep, 0.01) for _ in range(3)]:
        future.result(timeout=5)
    _wait_until(lambda: len(idle._idle) == 3)
    threads = list(idle._threads)
    idle.shutdown(wait=True)  # idle threads are woken to leave
    assert not any(thread.is_alive() for thread in threads)


def test_a_pool_needs_a_thread() -> None:
    with pytest.raises(ValueError):
        LifoThreadPool(0)
