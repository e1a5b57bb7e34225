"""A thread pool that hands each job to the thread that became idle last (LIFO), for gunicorn's gthread.

The standard ThreadPoolExecutor wakes its idle threads in turn: requests coming one after another land
on a different thread each time, and each paid for it. A ring-all route request to 50 agents, timed in
the worker, took 8.8 to 9.0 ms (p50) that way against 7.4 to 7.6 ms on a single thread, its CPU time
6.0 against 5.3 ms (docs/benchmarks.md). Handing each job to the thread idle last keeps a trickle of
requests on one warm thread, while a burst still gets up to ``max_workers`` threads at once; jobs
beyond that wait in order (FIFO). Threads are daemons: gunicorn waits for the requests in flight
(its graceful timeout) before shutting the pool down and leaving.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent import futures
from typing import Any

Job = tuple[futures.Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class _Slot:
    """One thread's mailbox: the job it is given while idle (None with ``stop``: leave)."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.job: Job | None = None


class LifoThreadPool(futures.Executor):
    def __init__(self, max_workers: int, name: str = "pool") -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max = max_workers
        self._name = name
        self._lock = threading.Lock()
        self._idle: list[_Slot] = []  # a stack: the last one pushed is the next one given a job
        self._backlog: deque[Job] = deque()
        self._threads: list[threading.Thread] = []
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> futures.Future[Any]:
        future: futures.Future[Any] = futures.Future()
        job: Job = (future, fn, args, kwargs)
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new jobs after shutdown")
            if self._idle:
                slot = self._idle.pop()
                slot.job = job
                slot.ready.set()
            elif len(self._threads) < self._max:
                thread = threading.Thread(target=self._work, args=(job,), daemon=True,
                                          name=f"{self._name}-{len(self._threads)}")
                self._threads.append(thread)
                thread.start()
            else:
                self._backlog.append(job)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                while self._backlog:
                    self._backlog.popleft()[0].cancel()
            idle, self._idle = self._idle, []
            threads = list(self._threads)
        for slot in idle:  # no job: leave
            slot.ready.set()
        if wait:
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()

    def _work(self, job: Job | None) -> None:
        slot = _Slot()
        while job is not None:
            _run(job)
            job = None
            with self._lock:
                if self._backlog:
                    job = self._backlog.popleft()
                elif not self._shutdown:
                    slot.ready.clear()
                    slot.job = None
                    self._idle.append(slot)
            if job is None and not self._shutdown:
                slot.ready.wait()
                job = slot.job
        with self._lock:
            if threading.current_thread() in self._threads:
                self._threads.remove(threading.current_thread())


def _run(job: Job) -> None:
    future, fn, args, kwargs = job
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fn(*args, **kwargs)
    except BaseException as exc:  # handed to whoever waits on the future, as ThreadPoolExecutor does
        future.set_exception(exc)
    else:
        future.set_result(result)
