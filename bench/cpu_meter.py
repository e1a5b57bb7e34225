"""CPU seconds spent by the processes that serve a bench: the web server, its Redis, its PostgreSQL backends.

On a machine shared with other work, latency and throughput say little; the CPU each request costs
the server side depends much less on the load, and gives the ceiling on idle cores: cores / CPU per
request. Processes are found by what they listen on (web, Redis) and by application_name (PostgreSQL
backends). Connection pools open and close backends while the bench runs, so every process is polled
a few times a second: a process that ends between two polls loses at most its last fraction of a second.
"""

from __future__ import annotations

import threading

import psutil
from sqlalchemy import create_engine, make_url, text

APPLICATION_NAME = "bench-webhooks"
POLL_S = 0.2
Key = tuple[str, int]  # (part, pid)


def with_application_name(database_url: str) -> str:
    """Return the URL whose connections carry our application_name (to find their backends)."""
    url = make_url(database_url).update_query_dict({"application_name": APPLICATION_NAME})
    return url.render_as_string(hide_password=False)


class CpuMeter:
    def __init__(self, web_port: int, redis_port: int, database_url: str) -> None:
        self._ports = (web_port, redis_port)
        self._engine = create_engine(database_url, pool_size=1)
        self._base: dict[Key, float] = {}
        self._last: dict[Key, float] = {}
        self._roots: tuple[set[int], set[int]] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Note the CPU used so far and keep polling until stop()."""
        # Who listens is looked up once: psutil.net_connections reads every process's sockets (about
        # 12 ms of CPU each time), which polling would take from the very cores being measured.
        self._roots = (_listening(self._ports[0]), _listening(self._ports[1]))
        self._base = self._times()
        self._last = dict(self._base)
        self._stop.clear()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        """Return the CPU seconds each part used since start() (processes born meanwhile: all of theirs)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._last.update(self._times())
        return {"web": 0.0, "redis": 0.0, "postgres": 0.0} | spent_by_part(self._base, self._last)

    def sample(self) -> dict[str, float]:
        """Return the CPU seconds used so far by each part's current processes (see ``spent``)."""
        totals = {"web": 0.0, "redis": 0.0, "postgres": 0.0}
        for (part, _), seconds in self._times().items():
            totals[part] += seconds
        return totals

    def processes(self) -> dict[Key, float]:
        """Return the CPU seconds used so far by each current process, by (part, pid): for the CPU of a
        window, with ``spent_by_part`` (a backend that ends meanwhile must not count negative)."""
        return self._times()

    def close(self) -> None:
        self._engine.dispose()

    def _poll(self) -> None:
        while not self._stop.wait(POLL_S):
            self._last.update(self._times())

    def _times(self) -> dict[Key, float]:
        web_roots, redis = self._roots or (_listening(self._ports[0]), _listening(self._ports[1]))
        web = {p for pid in web_roots for p in _tree(pid)}
        groups = {"web": web, "redis": redis, "postgres": self._backends()}
        return {(part, pid): cpu for part, pids in groups.items() for pid in pids
                if (cpu := _cpu_of(pid)) is not None}

    def _backends(self) -> set[int]:
        with self._engine.connect() as conn:
            rows = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = :name "
                                     "AND pid <> pg_backend_pid()"), {"name": APPLICATION_NAME})
            return {int(r[0]) for r in rows}


def spent_by_part(before: dict[Key, float], after: dict[Key, float]) -> dict[str, float]:
    """Return what each part used between two samples of its processes: a process born meanwhile with
    all its CPU, one gone meanwhile not at all (its last figure is not in ``after``)."""
    used: dict[str, float] = {}
    for (part, pid), seconds in after.items():
        used[part] = used.get(part, 0.0) + max(0.0, seconds - before.get((part, pid), 0.0))
    return used


def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Return what each part used between two samples (processes that ended meanwhile are not counted)."""
    return {part: after[part] - before.get(part, 0.0) for part in after}


def _listening(port: int) -> set[int]:
    """Return the processes listening on ``port``, from the topmost one that does.

    A socket shared by a pre-forking server (gunicorn's master and its workers) is listed once, under
    any one of its processes: counting from that one alone missed the other workers (the web CPU per
    request came out at half of what it was with two workers).
    """
    found = {c.pid for c in psutil.net_connections("tcp")
             if c.pid and c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port}
    return {_topmost_listener(pid, port) for pid in found}


def _topmost_listener(pid: int, port: int) -> int:
    try:
        process = psutil.Process(pid)
        while (parent := process.parent()) is not None and any(
                c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
                for c in parent.net_connections("tcp")):
            process = parent
        return process.pid
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return pid


def _tree(pid: int) -> set[int]:
    try:
        return {pid} | {child.pid for child in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def _cpu(pids: set[int]) -> float:
    """Return the CPU seconds used so far by these processes (those gone are not counted)."""
    return sum(cpu for pid in pids if (cpu := _cpu_of(pid)) is not None)


def _cpu_of(pid: int) -> float | None:
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.NoSuchProcess:
        return None
    return times.user + times.system
