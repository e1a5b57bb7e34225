"""Today's calls for the supervisor view (services.call_stats): ``today() -> dict``.

Counts the non-test inbound calls that arrived today (office time): answered, answered within the
charter's 20 seconds, abandoned (the caller hung up first), busy (the maximum wait passed), out of
hours; ``share_answered_within_20s`` is answered-within-20-s over the calls offered in opening hours
(answered + abandoned + busy), None before the first one.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from callcenter.services.ports import Clock
from callcenter.services.routing_ports import RoutingUowFactory

ANSWER_TARGET_S = 20


class CallStats:
    def __init__(self, uow: RoutingUowFactory, clock: Clock, tz: tzinfo) -> None:
        self._uow = uow
        self._clock = clock
        self._tz = tz

    def today(self) -> dict[str, Any]:
        """Count today's calls by outcome (see the module docstring)."""
        day = self._clock.now().astimezone(self._tz).date()
        start = datetime.combine(day, time(0), self._tz)
        end = datetime.combine(day + timedelta(days=1), time(0), self._tz)
        with self._uow() as uow:
            counts = uow.call_records.counts(start, end, ANSWER_TARGET_S)
        offered = counts.answered + counts.abandoned + counts.busy
        share = round(counts.answered_in_time / offered, 3) if offered else None
        return {"date": day.isoformat(), "answered": counts.answered, "abandoned": counts.abandoned,
                "busy": counts.busy, "out_of_hours": counts.out_of_hours,
                "answered_within_20s": counts.answered_in_time, "share_answered_within_20s": share,
                "answer_target_s": ANSWER_TARGET_S}
