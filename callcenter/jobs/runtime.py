"""The services of the running worker process, for job tasks (set once by the worker at start).

Job functions are imported by dotted path inside a forked work horse, so they cannot be handed their
dependencies: they ask ``services()`` for the ones the worker built for this process.
"""

from __future__ import annotations

from typing import Any

_services: Any = None


def set_services(services: Any) -> None:
    """Make ``services`` the ones job tasks of this process use (None to forget them)."""
    global _services
    _services = services


def services() -> Any:
    """Return the services of this worker process."""
    if _services is None:
        raise RuntimeError("no services in this process: job tasks run inside a callcenter worker")
    return _services
