"""`callcenter agenda|experts|outbox` commands on a real database (and a loopback SMTP server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callcenter.bootstrap import Services, build_services
from callcenter.cli import main
from callcenter.domain.outbox import OutgoingEmail
from callcenter.services.clock import FixedClock
from tests.integration.agenda_fixtures import NOW, add_topic, add_user
from tests.integration.smtp_fixtures import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def services(make_settings: Any, database_url: str, smtp: SmtpServer, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    env = {"CALLCENTER_DATABASE_URL": database_url, "CALLCENTER_DATA_DIR": str(tmp_path / "var"),
           "CALLCENTER_SMTP_PORT": str(smtp.port), "CALLCENTER_SMTP_TIMEOUT_S": "5"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = make_settings(database_url=database_url, smtp_port=smtp.port, smtp_timeout_s=5.0)
    built = build_services(settings, clock=FixedClock(NOW), no_redis=True)
    yield built
    built.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_agenda_and_experts_commands(services: Services, capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    add_user(services, "alice")
    add_topic(services, "ris")
    assert run(capsys, "experts", "set-topics", "--user", "Alice", "ris")[:2] == (
        0, {"user": "alice", "topics": ["ris"]})
    code, entry, _ = run(capsys, "agenda", "add-absence", "--user", "alice", "--from", "2026-12-01T09:00",
                         "--to", "2026-12-01T11:00", "--summary", "Formation")
    assert code == 0 and entry["from"] == "2026-12-01T09:00:00+01:00" and entry["kind"] == "absence"
    code, experts, _ = run(capsys, "experts", "available", "--topic", "ris", "--at", "2026-12-01T10:00")
    assert code == 0 and [(e["username"], e["available_now"]) for e in experts] == [("alice", False)]
    assert experts[0]["next_free_at"] == "2026-12-01T11:00:00+01:00"
    assert experts[0]["busy_today"] == [["2026-12-01T09:00:00+01:00", "2026-12-01T11:00:00+01:00"]]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y%m%d")
    feed = tmp_path / "alice.ics"
    feed.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:u1\n"
                    f"DTSTART:{tomorrow}T090000Z\nDTEND:{tomorrow}T100000Z\nEND:VEVENT\nEND:VCALENDAR\n")
    code, report, _ = run(capsys, "agenda", "import", "--user", "alice", "--ical", str(feed))
    assert code == 0 and (report["added"], report["url"]) == (1, str(feed))
    assert run(capsys, "agenda", "remove", str(entry["id"]))[0] == 0


def test_agenda_commands_refuse_bad_input_in_one_sentence(services: Services,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    add_user(services, "alice")
    code, _, err = run(capsys, "agenda", "import", "--user", "alice", "--ical", "/nonexistent/a.ics")
    assert code == 2 and err.startswith("callcenter: The calendar file") and err.count("\n") == 1
    assert run(capsys, "experts", "available", "--topic", "nope")[0] == 2
    code, _, err = run(capsys, "agenda", "add-slot", "--user", "alice", "--from", "2026-12-01T11:00",
                       "--to", "2026-12-01T10:00")
    assert code == 2 and "end must come after" in err


def test_outbox_list_retry_and_deliver(services: Services, smtp: SmtpServer,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    message = services.outbox.queue_email(
        OutgoingEmail("reminder", "citoyen@example.be", "Rappel", "Votre question est en cours.", "fr"))
    smtp.handler.rcpt_reply = "550 5.1.1 No such user"
    services.outbox.deliver_due()
    code, dead, _ = run(capsys, "outbox", "list", "--status", "dead")
    assert code == 0 and [(m["id"], m["status"], m["attempts"]) for m in dead] == [(message.id, "dead", 1)]
    assert "550" in dead[0]["last_error"]
    smtp.handler.rcpt_reply = None
    code, retried, _ = run(capsys, "outbox", "retry", str(message.id))
    assert code == 0 and (retried["status"], retried["attempts"]) == ("queued", 0)
    assert run(capsys, "outbox", "deliver")[:2] == (0, {"sent": 1, "retrying": 0, "dead": 0})
    assert smtp.handler.message_ids() == [message.message_id]
    code, _, err = run(capsys, "outbox", "retry", str(message.id))
    assert code == 2 and "is sent" in err
    assert run(capsys, "outbox", "retry", "999")[0] == 2
