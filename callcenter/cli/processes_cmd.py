"""`callcenter web|worker|scheduler|up`: the long-running processes.

Each builds its own services in its own process (the web: in each forked gunicorn worker), installs
SIGTERM/SIGINT handlers that call the process's stop(), and returns once the work in flight is done.
Standalone, each makes sure the embedded Redis of the data dir runs (starting a daemonized server if
not); under `callcenter up` the supervisor has already started it and owns it.
"""

from __future__ import annotations

import argparse
import functools
import logging
import signal
from typing import Any

from callcenter.settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


def register(sub: Any) -> None:
    web = sub.add_parser("web", help="serve the web app (gunicorn, threaded workers)")
    _host_port(web)
    web.set_defaults(handler=run_web)
    worker = sub.add_parser("worker", help="run queued jobs (and RQ's scheduler of delayed jobs)")
    worker.add_argument("--burst", action="store_true", help="quit once the queues are empty")
    worker.set_defaults(handler=run_worker)
    scheduler = sub.add_parser("scheduler", help="enqueue the periodic jobs when they are due")
    scheduler.set_defaults(handler=run_scheduler)
    up = sub.add_parser("up", help="migrate, then run Redis, the web, workers and the scheduler together")
    _host_port(up)
    up.add_argument("--demo", action="store_true", help="load the demo and print what it holds")
    up.set_defaults(handler=run_up)


def _host_port(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (else the web_host setting)")
    parser.add_argument("--port", type=int, help="port to listen on (else the web_port setting)")


def run_web(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.web.server import WebServer

    _prepare(settings)
    host, port = _address(args, settings)
    server = WebServer(functools.partial(_web_app, settings), host, port, settings.web_threads,
                       settings.web_workers, log_level=settings.log_level)
    return _serve(server)


def _web_app(settings: Settings) -> Any:
    """Build the services and the app inside a web worker, after fork."""
    from callcenter.bootstrap import build_services
    from callcenter.web.app import create_app

    return create_app(build_services(settings))


def run_worker(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.bootstrap import build_services
    from callcenter.jobs.worker import WorkerProcess

    _prepare(settings)
    return _serve(WorkerProcess(functools.partial(build_services, settings), burst=args.burst))


def run_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.bootstrap import build_services
    from callcenter.jobs.scheduler import Scheduler
    from callcenter.services.housekeeping import Housekeeping

    _prepare(settings)
    services = build_services(settings)
    try:
        scheduler = Scheduler(redis=services.redis, job_queue=services.job_queue,
                              slots=Housekeeping(services.uow, services.clock), clock=services.clock,
                              interval_s=settings.scheduler_interval_s)
        return _serve(scheduler)
    finally:
        services.close()


def run_up(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.supervisor import Supervisor

    _configure_logging(settings)
    host, port = _address(args, settings)
    return _serve(Supervisor(settings, host=host, port=port, demo=args.demo, config_file=args.config))


def _address(args: argparse.Namespace, settings: Settings) -> tuple[str, int]:
    host = args.host if args.host is not None else settings.web_host
    return host, args.port if args.port is not None else settings.web_port


def _prepare(settings: Settings) -> None:
    from callcenter.redis_connection import ensure_embedded_redis

    _configure_logging(settings)
    ensure_embedded_redis(settings)


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), format=LOG_FORMAT)
    # Alembic logs its plugin set-up and dialect at INFO on every migration and health check.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))


def _serve(process: Any) -> int:
    """Run a process object until its run() returns; SIGTERM and SIGINT call its stop()."""

    def handle(signum: int, frame: Any) -> None:
        process.stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    result = process.run()
    return result if type(result) is int else 0
