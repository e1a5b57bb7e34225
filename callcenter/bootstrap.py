"""The composition root: build_services(settings, **overrides) wires adapters to use cases.

Nothing here runs at import time; every engine, Redis client and queue is built on call, and tests
pass fakes in: ``build_services(settings, job_queue=FakeJobQueue())``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callcenter.settings import Settings


@dataclass
class Services:
    """Everything a process needs, built once per process (after fork for forking servers)."""

    settings: Settings
    clock: Any
    engine: Any
    uow: Any  # () -> UnitOfWork
    redis: Any
    job_queue: Any
    extras: dict[str, Any] = field(default_factory=dict)
    # The screen-pop's reads: a pool of their own on PostgreSQL (db.engine.make_read_engine), the engine
    # itself elsewhere; None: the engine.
    read_engine: Any = None

    def __getattr__(self, name: str) -> Any:
        # Use-case objects registered by feature modules (calendar, health, questions, …).
        try:
            return self.__dict__["extras"][name]
        except KeyError:
            raise AttributeError(name) from None

    def dispose_pools(self) -> None:
        """Close every pooled database connection (before fork: a child opens its own)."""
        for engine in {id(e): e for e in (self.engine, self.read_engine) if e is not None}.values():
            engine.dispose()

    def close(self) -> None:
        """Release pools and connections (before fork, at shutdown)."""
        lifecycle = self.extras.get("call_lifecycle")
        if lifecycle is not None:
            lifecycle.close()
        self.dispose_pools()
        if self.redis is not None:
            self.redis.close()


def build_services(settings: Settings, **overrides: Any) -> Services:
    """Wire the real adapters, letting tests replace any of them by keyword."""
    from callcenter.db.engine import make_engine, make_read_engine, make_session_factory
    from callcenter.db.uow import SqlAlchemyUnitOfWork
    from callcenter.services.clock import SystemClock

    clock = overrides.pop("clock", None) or SystemClock()
    engine = overrides.pop("engine", None) or make_engine(settings.effective_database_url)
    read_engine = overrides.pop("read_engine", None) or make_read_engine(engine)
    session_factory = make_session_factory(engine)
    uow = overrides.pop("uow", None) or (lambda: SqlAlchemyUnitOfWork(session_factory))
    redis = overrides.pop("redis", None)
    if redis is None and not overrides.pop("no_redis", False):
        from callcenter.redis_connection import connect_redis

        redis = connect_redis(settings)
    job_queue = overrides.pop("job_queue", None)
    if job_queue is None and redis is not None:
        from callcenter.jobs.queue import RqJobQueue

        job_queue = RqJobQueue(redis)
    services = Services(settings=settings, clock=clock, engine=engine, uow=uow, redis=redis,
                        job_queue=job_queue, read_engine=read_engine)
    from callcenter.wiring import FEATURES

    for name, build in FEATURES:
        services.extras[name] = overrides.pop(name, None) or build(services)
    services.extras.update(overrides)
    return services
