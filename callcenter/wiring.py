"""Feature registry for the composition root: (name, builder(services)) in dependency order.

Each feature adds one line here; builders import lazily so that importing this module does no I/O.
"""

from __future__ import annotations

from typing import Any


def _calendar(s: Any) -> Any:
    from callcenter.services.calendar_service import build_calendar_service

    return build_calendar_service(s.settings, s.clock)


def _health(s: Any) -> Any:
    from callcenter.health import build_health_service

    return build_health_service(s)


FEATURES: list[tuple[str, Any]] = [
    ("calendar", _calendar),
    ("health", _health),
]
