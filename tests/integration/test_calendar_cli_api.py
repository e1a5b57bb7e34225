"""The calendar through its edges: `callcenter calendar …` and GET /api/v1/calendar/… (same JSON)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask.testing import FlaskClient

import callcenter.cli as cli
from callcenter.bootstrap import Services
from callcenter.calendar_files import build_calendar_service
from callcenter.services.calendar_service import CalendarService
from callcenter.services.clock import FixedClock
from callcenter.settings import Settings
from callcenter.web import blueprints
from callcenter.web.app import create_app
from callcenter.wiring import FEATURES

CLOSED_2026 = ["2026-01-01", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-15", "2026-05-25",
               "2026-07-20", "2026-07-21", "2026-11-02", "2026-11-11", "2026-12-25", "2026-12-28",
               "2026-12-29", "2026-12-30", "2026-12-31"]
REFERENCE = [
    ("2026-12-24T10:00", "standard", "2027-01-05T16:30:00+01:00"),
    ("2026-03-27T16:05", "standard", "2026-04-01T16:30:00+02:00"),
    ("2026-05-13T11:00", "competence", "2026-05-22T16:00:00+02:00"),
]
CHRISTMAS = {"open": False, "reason": "Christmas Day", "next_open": "2027-01-04T08:30:00+01:00"}

Run = Callable[..., tuple[int, Any, str]]


# -- CLI ---------------------------------------------------------------------------------------------


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run `callcenter …` in a temporary data dir; return (exit code, parsed stdout, stderr)."""
    monkeypatch.setenv("CALLCENTER_DATA_DIR", str(tmp_path / "var"))
    for name in ("CONFIG", "CLOSURES_FILE", "CLOSURES_ICAL", "OFFICE_HOURS", "TIMEZONE"):
        monkeypatch.delenv(f"CALLCENTER_{name}", raising=False)
    # Command modules of other areas may not exist yet in a partial tree; they are not under test here.
    present = [m for m in cli.COMMAND_MODULES if importlib.util.find_spec(m) is not None]
    monkeypatch.setattr(cli, "COMMAND_MODULES", present)

    def invoke(*argv: str, **env: str) -> tuple[int, Any, str]:
        for key, value in env.items():
            monkeypatch.setenv(f"CALLCENTER_{key.upper()}", value)
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, json.loads(out) if out.strip() else None, err

    return invoke


def test_cli_status_on_christmas(run: Run) -> None:
    assert run("calendar", "status", "--at", "2026-12-25T10:00") == (0, CHRISTMAS, "")


def test_cli_status_when_open_and_now(run: Run) -> None:
    code, body, _ = run("calendar", "status", "--at", "2026-12-24T15:00:00Z", "--lang", "fr")
    assert (code, body) == (0, {"open": True, "reason": None, "next_close": "2026-12-24T16:30:00+01:00"})
    code, body, _ = run("calendar", "status")
    assert code == 0 and set(body) in ({"open", "reason", "next_open"}, {"open", "reason", "next_close"})


@pytest.mark.parametrize(("received", "track", "due"), REFERENCE)
def test_cli_reference_deadlines(run: Run, received: str, track: str, due: str) -> None:
    code, body, _ = run("calendar", "deadline", "--received", received, "--track", track)
    assert code == 0 and body["due"] == due


def test_cli_deadline_explains_itself_in_french(run: Run) -> None:
    _, body, _ = run("calendar", "deadline", "--received", "2026-12-24T10:00", "--lang", "fr")
    assert body["working_days"] == ["2027-01-04", "2027-01-05"]
    assert body["skipped"][0] == {"date": "2026-12-25", "reason": "Noël"}


def test_cli_closures_2026_and_2027(run: Run) -> None:
    code, body, _ = run("calendar", "closures", "--year", "2026", "--lang", "fr")
    assert code == 0 and [d["date"] for d in body] == CLOSED_2026
    assert body[4] == {"date": "2026-05-15", "name": "Jour de pont (Ascension)", "source": "operator"}
    _, body, _ = run("calendar", "closures", "--year", "2027")
    assert len(body) == 14 and "operator" not in {d["source"] for d in body}


def test_cli_competence_track_with_saturdays(run: Run) -> None:
    _, body, _ = run("calendar", "deadline", "--received", "2026-03-02T10:00", "--track", "competence",
                     competence_counts_saturdays="true")
    assert body["due"] == "2026-03-09T16:30:00+01:00" and body["working_days"][-1] == "2026-03-07"


@pytest.mark.parametrize(("argv", "sentence"), [
    (("status", "--at", "2026-13-01"),
     "'2026-13-01' is not a date and time (use ISO 8601, e.g. 2026-12-24T10:00)."),
    (("deadline", "--received", "2026-12-24T10:00", "--track", "express"),
     "'express' is not a deadline track (use standard or competence)."),
    (("closures", "--year", "1999"), "The year 1999 is outside the years the calendar covers (2000–2100)."),
    (("closures", "--year", "next"), "'next' is not a year (use e.g. 2026)."),
    (("closures", "--lang", "es"), "'es' is not a language of the calendar (use fr, nl, de or en)."),
])
def test_cli_bad_input_exits_2_with_one_sentence(run: Run, argv: tuple[str, ...], sentence: str) -> None:
    assert run("calendar", *argv) == (2, None, f"callcenter: {sentence}\n")


def test_cli_bad_closures_file_names_the_line(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "closures.toml"
    path.write_text('[[closure]]\ndate = 2026-05-15\nen = "Bridge"\n\n[[closure]]\ndate = 2026-02-30\n',
                    encoding="utf-8")
    code, body, err = run("calendar", "closures", "--year", "2026", closures_file=str(path))
    assert (code, body) == (2, None)
    assert err == f"callcenter: {path} line 6: '2026-02-30' is not a date.\n"


# -- HTTP --------------------------------------------------------------------------------------------


def calendar_services(settings: Settings) -> Services:
    """Services with only the calendar wired, on a clock stopped at Christmas morning 2026."""
    clock = FixedClock(datetime(2026, 12, 25, 9, 0, tzinfo=UTC))
    return Services(settings=settings, clock=clock, engine=None, uow=None, redis=None, job_queue=None,
                    extras={"calendar": build_calendar_service(settings, clock)})


@pytest.fixture
def client(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    if importlib.util.find_spec("callcenter.web.health") is None:
        # Another area's blueprint is not there yet in a partial tree; the calendar API does not need it.
        from callcenter.web.calendar_api import bp

        monkeypatch.setattr(blueprints, "all_blueprints", lambda: [bp])
    return create_app(calendar_services(settings), {"TESTING": True}).test_client()


def test_the_wiring_builds_the_calendar_service(settings: Settings) -> None:
    build = dict(FEATURES)["calendar"]
    assert isinstance(build(SimpleNamespace(settings=settings, clock=FixedClock(datetime.now(UTC)))),
                      CalendarService)


def test_api_status_on_christmas_is_publicly_cacheable(client: FlaskClient) -> None:
    response = client.get("/api/v1/calendar/status", query_string={"at": "2026-12-25T10:00"})
    assert (response.status_code, response.get_json()) == (200, CHRISTMAS)
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_api_status_now_uses_the_clock(client: FlaskClient) -> None:
    response = client.get("/api/v1/calendar/status?lang=nl")
    assert response.get_json() == {**CHRISTMAS, "reason": "Kerstmis"}
    assert response.headers["Cache-Control"] == "public, max-age=15"


def test_api_status_accepts_an_unencoded_plus_offset(client: FlaskClient) -> None:
    response = client.get("/api/v1/calendar/status?at=2026-03-30T08:30:00+02:00")
    assert response.get_json()["open"] is True


@pytest.mark.parametrize(("received", "track", "due"), REFERENCE)
def test_api_reference_deadlines(client: FlaskClient, received: str, track: str, due: str) -> None:
    response = client.get("/api/v1/calendar/deadline", query_string={"received": received, "track": track})
    assert response.status_code == 200 and response.get_json()["due"] == due


def test_api_deadline_in_german(client: FlaskClient) -> None:
    body = client.get("/api/v1/calendar/deadline?received=2026-12-24T10:00&lang=de").get_json()
    assert body["skipped"][0] == {"date": "2026-12-25", "reason": "Weihnachten"}
    assert body["track"] == "standard" and body["day_of_receipt"] == "2026-12-24"


def test_api_closures(client: FlaskClient) -> None:
    body = client.get("/api/v1/calendar/closures?year=2026&lang=fr").get_json()
    assert [d["date"] for d in body] == CLOSED_2026
    this_year = client.get("/api/v1/calendar/closures")  # the clock says 2026
    assert this_year.get_json() == client.get("/api/v1/calendar/closures?year=2026").get_json()
    assert this_year.headers["Cache-Control"] == "public, max-age=15"


@pytest.mark.parametrize(("url", "code"), [
    ("/api/v1/calendar/deadline?received=2026-12-24T10:00&track=express", "unknown-track"),
    ("/api/v1/calendar/deadline?received=2026-13-01", "invalid-datetime"),
    ("/api/v1/calendar/deadline", "invalid-input"),
    ("/api/v1/calendar/status?at=yesterday", "invalid-datetime"),
    ("/api/v1/calendar/status?at=2026-12-25T10:00&lang=es", "unknown-language"),
    ("/api/v1/calendar/closures?year=1999", "year-out-of-range"),
    ("/api/v1/calendar/closures?year=abc", "year-out-of-range"),
])
def test_api_bad_input_is_a_400_envelope(client: FlaskClient, url: str, code: str) -> None:
    response = client.get(url)
    body = response.get_json()
    assert (response.status_code, body["error"]) == (400, code)
    assert body["message"].endswith(".") and "Traceback" not in body["message"]
