"""Print calendar throughput on one core: deadline computations/s (both tracks) and status() checks/s.

Received times are random instants over 2026 (seeded). "memoised" is the figure callers get; "computed"
clears the memo before every call, so each deadline is counted out day by day from the closed-date sets.
Run from the repository root: python -m bench.calendar [--n 200000]
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: its folder would shadow the standard library's calendar module
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from callcenter.calendar_files import build_calendar_service  # noqa: E402
from callcenter.services.clock import FixedClock  # noqa: E402
from callcenter.settings import load_settings  # noqa: E402


def random_instants(n: int, seed: int = 2026) -> list[datetime]:
    """Return n random instants in 2026 (UTC), to the second."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [start + timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(n)]


def rate(label: str, n: int, call: Callable[[int], object]) -> float:
    """Time n calls of call(i) and print the rate per second."""
    started = time.perf_counter()
    for i in range(n):
        call(i)
    per_second = n / (time.perf_counter() - started)
    print(f"{label:<42} {per_second:>12,.0f} /s")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="calls per measurement")
    n = parser.parse_args().n
    # A given secret key keeps load_settings from writing one into the data directory.
    settings = load_settings({**os.environ, "CALLCENTER_SECRET_KEY": "bench"})
    service = build_calendar_service(settings, FixedClock(datetime(2026, 6, 1, tzinfo=UTC)))
    calendar = service.calendar
    instants = random_instants(n)
    tracks = ["standard", "competence"] * (n // 2 + 1)
    for year in (2026, 2027):
        calendar.closed_dates(year)  # the closed-date sets are built once per year, not per call
    rate("deadline() via service, memoised", n, lambda i: service.deadline(instants[i], tracks[i]))

    def computed(i: int) -> object:
        calendar._memo.clear()  # the bench alone reaches in: callers never need a cold calendar
        return calendar.deadline(instants[i], tracks[i])

    rate("deadline(), computed (memo cleared)", n // 10, computed)
    rate("status() via service", n, lambda i: service.status(instants[i]))
    rate("is_open()", n, lambda i: calendar.is_open(instants[i]))


if __name__ == "__main__":
    main()
