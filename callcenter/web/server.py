"""The web process: gunicorn with threaded workers, so that server-sent-event streams can stay open.

gunicorn's ``gthread`` worker serves each connection on a thread of a pool: an open live panel holds
one thread, not a whole process, and the worker keeps notifying the arbiter while streams run, so
long responses are not mistaken for a hung worker. Its pool hands each request to the thread idle
last (callcenter.web.thread_pool), so that calls coming one after another run on a warm thread. The
app factory runs inside each forked worker (no preload): every worker builds its own engine and Redis
client, none is shared across fork.
"""

from __future__ import annotations

import gc
import signal
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.workers.gthread import ThreadWorker

from callcenter.web.thread_pool import LifoThreadPool

GRACEFUL_TIMEOUT_S = 10  # requests in flight get this long after SIGTERM; open streams are then cut


class WebServer:
    def __init__(self, app_factory: Callable[[], Any], host: str, port: int, threads: int, workers: int,
                 *, log_level: str = "info") -> None:
        self._app = _GunicornApp(app_factory, {
            "bind": f"{host}:{port}",
            "workers": workers,
            # gthread, with a pool that gives each request to the thread idle last (web.thread_pool).
            "worker_class": "callcenter.web.server.LifoThreadWorker",
            "threads": threads,
            "graceful_timeout": GRACEFUL_TIMEOUT_S,
            "timeout": 30,
            "keepalive": 5,
            "loglevel": log_level.lower(),
            "accesslog": None,
            "errorlog": "-",
            # gunicorn >= 25 opens a control socket in ~/.gunicorn by default, shared by every server
            # of the user: several callcenters (or test runs) would fight over it.
            "control_socket_disable": True,
            "worker_exit": _close_services,
        })
        self._arbiter: Arbiter | None = None
        self._stopped = False

    def run(self) -> None:
        """Serve until stop() or SIGTERM (graceful) / SIGINT (quick)."""
        # The arbiter installs its own signal handlers (TERM: graceful stop, INT/QUIT: quick stop),
        # replacing the CLI's; stop() queues the same request they would.
        self._arbiter = Arbiter(self._app)
        if self._stopped:  # stopped before the arbiter existed to take the request
            return
        try:
            self._arbiter.run()
        except SystemExit as exc:  # the arbiter always leaves by sys.exit()
            if exc.code not in (0, None):
                raise

    def stop(self) -> None:
        """Stop accepting connections, let requests in flight finish (up to the graceful timeout)."""
        self._stopped = True
        if self._arbiter is not None:
            self._arbiter.signal(signal.SIGTERM, None)


class _GunicornApp(BaseApplication):  # type: ignore[misc]
    def __init__(self, app_factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self._factory = app_factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from callcenter.web.after_response import AfterResponseMiddleware

        app = self._factory()  # called in each worker after fork
        if hasattr(app, "wsgi_app"):  # a Flask app: the CTI API answers before its bookkeeping
            app.wsgi_app = AfterResponseMiddleware(app.wsgi_app)
        # What is built by now (modules, the app, its services, engine and caches) lives as long as the
        # worker: out of the garbage collector's reach, a full collection scans only what requests left.
        # Without it, one came every few hundred calls and held the request in flight for 60 ms or more.
        gc.freeze()
        return app


def _close_services(server: Any, worker: Any) -> None:
    """Release the exiting worker's database pool and Redis connections."""
    from callcenter.web.app import EXTENSION

    app = getattr(worker, "wsgi", None)
    services = getattr(app, "extensions", {}).get(EXTENSION)
    if services is not None:
        services.close()


class LifoThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker on a LifoThreadPool: requests one after another stay on one thread."""

    def get_thread_pool(self) -> LifoThreadPool:
        return LifoThreadPool(self.cfg.threads, "gthread")
